"""Reads of the audit log for supervisors: filtered pages, who saw a record, anomalies."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay, TruncDate
from django.utils import timezone

from agencies.models import Agency
from audit.models import AuditEvent

PAGE_SIZE = 50


def events_of(agency) -> QuerySet[AuditEvent]:
    """The events of one agency's staff; with None, everyone's (central admins). Who may
    read which is the policy's answer (`access.policy.audit_scope`)."""
    events = AuditEvent.objects.select_related("actor", "agency")
    return events if agency is None else events.filter(agency=agency)


def events_filtered(
    events: QuerySet[AuditEvent], criteria: dict, *, record: dict[str, list[int]] | None = None
) -> QuerySet[AuditEvent]:
    """`criteria` from the filter form; `record` the objects of the record filtered for
    (see `record_accesses`), given when the criteria name a record."""
    if criteria.get("actor"):
        # The account's id first: with a constant the planner walks the (actor, id) index
        # instead of the agency's events joined to the user table.
        user_model = get_user_model()
        actor_id = (
            user_model._default_manager.filter(**{user_model.USERNAME_FIELD: criteria["actor"]})
            .values_list("pk", flat=True)
            .first()
        )
        events = events.filter(actor_id=actor_id) if actor_id else events.none()
    if criteria.get("client"):
        events = events.filter(_about_record(record or {"clients.client": [criteria["client"]]}))
    if criteria.get("action"):
        events = events.filter(action=criteria["action"])
    if criteria.get("outcome"):
        events = events.filter(outcome=criteria["outcome"])
    if criteria.get("since"):
        events = events.filter(occurred_at__gte=_day_start(criteria["since"]))
    if criteria.get("until"):
        events = events.filter(occurred_at__lt=_day_start(criteria["until"] + dt.timedelta(days=1)))
    return events


def events_page(
    events: QuerySet[AuditEvent], *, oldest_first: bool, after: int | None
) -> tuple[list[AuditEvent], int | None]:
    """One page by keyset (no COUNT over millions of rows); returns the next cursor."""
    if oldest_first:
        events = events.order_by("pk")
        if after:
            events = events.filter(pk__gt=after)
    else:
        events = events.order_by("-pk")
        if after:
            events = events.filter(pk__lt=after)
    rows = list(events[: PAGE_SIZE + 1])
    cursor = rows[PAGE_SIZE - 1].pk if len(rows) > PAGE_SIZE else None
    return rows[:PAGE_SIZE], cursor


def record_accesses(
    objects: dict[str, list[int]],
    *,
    days: int = 30,
    agencies: Collection[int] | None = None,
    by_name: Collection[int] = (),
    by_name_actions: Collection[str] = (),
) -> QuerySet[AuditEvent]:
    """Reads and changes of one record (GDPR Art. 15), newest first.

    `objects` names what the question covers, by object type (the record, the records
    merged into it, their documents, notes, grants and requests): the caller knows the
    record, the audit log knows ids only. `agencies`: only the events of these agencies'
    staff, and of the `by_name` agencies' staff those with one of `by_name_actions`; None
    for everyone's. Who may read which is the policy's answer
    (`access.policy.record_accesses_scope`).
    """
    since = timezone.now() - dt.timedelta(days=days)
    events = AuditEvent.objects.filter(_about_record(objects), occurred_at__gte=since)
    if agencies is not None:
        events = events.filter(
            Q(agency_id__in=sorted(agencies))
            | Q(agency_id__in=sorted(by_name), action__in=sorted(by_name_actions))
        )
    return events.select_related("actor", "agency").order_by("-pk")


def _about_record(objects: dict[str, list[int]]) -> Q:
    """Events naming one of `objects` as their object, and lists and searches that showed
    one of its records (PostgreSQL: JSON containment on the GIN index of object_ids;
    SQLite, the try-out database, has no containment lookup: json_each instead)."""
    condition = Q(pk__in=[])
    for object_type, ids in objects.items():
        if ids:
            condition |= Q(object_type=object_type, object_id__in=[str(pk) for pk in ids])
    records = sorted({int(pk) for pk in objects.get("clients.client", [])})
    if records and connection.vendor == "sqlite":
        condition |= Q(pk__in=_listing_sqlite(records))
    elif records:
        for pk in records:
            condition |= Q(object_type="clients.client", object_ids__contains=[pk])
    return condition


def _listing_sqlite(records: list[int]) -> RawSQL:
    """The ids of client events whose `object_ids` hold one of `records` (SQLite's JSON1
    table function; a scan, fine for the try-out database)."""
    table = AuditEvent._meta.db_table
    placeholders = ", ".join(["%s"] * len(records))
    # Only the table's name and placeholders go into the text; the ids are parameters.
    return RawSQL(  # noqa: S611
        f'SELECT e.id FROM "{table}" e, json_each(e.object_ids) j '  # noqa: S608
        f"WHERE e.object_type = %s AND j.value IN ({placeholders})",
        ["clients.client", *records],
    )


def usernames(user_ids: Collection[int], *, agency: Agency | None) -> dict[int, str]:
    """User names of the accounts `user_ids`, by id; with `agency`, of that agency's staff
    only, so that the log tells a supervisor no other agency's user names."""
    users = get_user_model()._default_manager.filter(pk__in=sorted(user_ids))
    if agency is not None:
        users = users.filter(membership__agency=agency)
    return dict(users.values_list("pk", "username"))


def agency_names(slugs: Collection[str]) -> dict[str, str]:
    """Agencies' names by their slugs (the codes that name a handover's receiver)."""
    if not slugs:
        return {}
    return dict(Agency.objects.filter(slug__in=sorted(slugs)).values_list("slug", "name"))


@dataclass(frozen=True)
class Anomaly:
    rule: str
    who: str
    detail: str
    hours: int = 0  # the window, for rules that count over hours


def anomalies(events: QuerySet[AuditEvent], *, now: dt.datetime | None = None) -> list[Anomaly]:
    """Simple, configurable rules a supervisor would want flagged (settings.AUDIT_ANOMALY)."""
    rules = settings.AUDIT_ANOMALY
    now = now or timezone.now()
    today = timezone.localdate(now)
    window = events.filter(occurred_at__gte=now - dt.timedelta(days=rules["window_days"]))
    found: list[Anomaly] = []

    reads = events.filter(action__in=["view", "search", "export"], actor__isnull=False)
    baseline_days = rules["baseline_days"]
    history = reads.filter(
        occurred_at__gte=_day_start(today - dt.timedelta(days=baseline_days)),
        occurred_at__lt=_day_start(today),
    )
    usual = dict(history.values_list("actor__username").annotate(n=Count("pk")))
    for username, count in (
        reads.filter(occurred_at__gte=_day_start(today))
        .values_list("actor__username")
        .annotate(n=Count("pk"))
    ):
        average = usual.get(username, 0) / baseline_days
        if count >= rules["volume_min"] and count > rules["volume_factor"] * average:
            found.append(Anomaly("volume", username, f"{count} / {average:.0f}"))

    start, end = rules["working_hours"]
    off_hours = (
        window.filter(actor__isnull=False)
        .annotate(hour=ExtractHour("occurred_at"), weekday=ExtractIsoWeekDay("occurred_at"))
        .filter(Q(hour__lt=start) | Q(hour__gte=end) | Q(weekday__gte=6))
    )
    for username, count in off_hours.values_list("actor__username").annotate(n=Count("pk")):
        found.append(Anomaly("off_hours", username, str(count)))

    denied = window.filter(outcome=AuditEvent.Outcome.DENIED, actor__isnull=False)
    for username, count in denied.values_list("actor__username").annotate(n=Count("pk")):
        if count >= rules["denied_min"]:
            found.append(Anomaly("denied", username, str(count)))

    # The same searched name (by fingerprint) across several agencies: a known person
    # being looked up out of curiosity. Counted over all agencies, shown per fingerprint.
    searched = (
        AuditEvent.objects.filter(
            action="search", occurred_at__gte=now - dt.timedelta(days=rules["window_days"])
        )
        .exclude(query_hash="")
        .values("query_hash")
        .annotate(agencies=Count("agency", distinct=True))
        .filter(agencies__gte=rules["same_name_agencies"])
    )
    own = set(window.filter(action="search").values_list("query_hash", flat=True))
    for row in searched:
        if row["query_hash"] in own:
            found.append(Anomaly("same_name", row["query_hash"], str(row["agencies"])))
    found += _failed_logins(events, now=now, rules=rules)
    return found


def _failed_logins(events: QuerySet[AuditEvent], *, now: dt.datetime, rules: dict) -> list[Anomaly]:
    """Many failed logins on one account (by id; by fingerprint for a name that is no
    account) or from one address: guessing passwords. A supervisor sees those on the
    agency's accounts, central admins all."""
    hours = rules["failed_login_hours"]
    failed = events.filter(
        action=AuditEvent.Action.LOGIN_FAILED, occurred_at__gte=now - dt.timedelta(hours=hours)
    )
    per_account = rules["failed_login_account_min"]
    accounts = dict(
        failed.exclude(object_id="")
        .values_list("object_id")
        .annotate(n=Count("pk"))
        .filter(n__gte=per_account)
    )
    names = dict(
        get_user_model()
        ._default_manager.filter(pk__in=[pk for pk in accounts if pk.isdigit()])
        .values_list("pk", "username")
    )
    found = [
        Anomaly(
            "failed_logins_account", names.get(int(pk), pk) if pk.isdigit() else pk, str(n), hours
        )
        for pk, n in accounts.items()
    ]
    unknown = (
        failed.filter(object_id="")
        .exclude(query_hash="")
        .values_list("query_hash")
        .annotate(n=Count("pk"))
        .filter(n__gte=per_account)
    )
    found += [Anomaly("failed_logins_name", fp, str(n), hours) for fp, n in unknown]
    addresses = (
        failed.exclude(client_ip__isnull=True)
        .values_list("client_ip")
        .annotate(n=Count("pk"))
        .filter(n__gte=rules["failed_login_address_min"])
    )
    found += [Anomaly("failed_logins_address", ip, str(n), hours) for ip, n in addresses]
    return found


def daily_counts(events: QuerySet[AuditEvent], days: int = 14) -> list[tuple[dt.date, int]]:
    since = timezone.now() - dt.timedelta(days=days)
    rows = (
        events.filter(occurred_at__gte=since)
        .annotate(day=TruncDate("occurred_at"))
        .values_list("day")
        .annotate(n=Count("pk"))
        .order_by("day")
    )
    return list(rows)


def _day_start(day: dt.date) -> dt.datetime:
    """Local midnight as an aware datetime: a plain range the time index can use
    (`occurred_at__date` converts every row and took seconds at 10 million events)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))
