"""The audit page's anomaly flags reach the people who act on them without anyone opening
the page: run on a schedule (`manage.py audit_anomaly_alerts`, hourly), each new flag is
logged on `portal.alerts` for the operator's monitoring, mailed to the supervisors of the
agency it concerns, and recorded in the audit log, which is also how a flag is alerted
only once per window it counts over (a day for the reading volume, the failed-login hours
for failed logins, the anomaly window, a week by default, for the others).

Flags on events that belong to no agency (failed logins on names that are no account,
from one address) are logged and recorded for the central admins, not mailed.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from agencies.notify import supervisors_mail
from audit.models import AuditEvent
from audit.selectors import Anomaly, anomalies, events_of
from audit.services import audit_record

alerts = logging.getLogger("portal.alerts")

# Rules whose `who` is a user name: logged and recorded by the user's id instead.
_BY_USERNAME = frozenset({"volume", "off_hours", "denied", "failed_logins_account"})


def anomaly_alerts_send(*, now: dt.datetime | None = None) -> list[tuple[Agency | None, Anomaly]]:
    """Alert every flag not alerted within its window; the flags alerted."""
    now = now or timezone.now()
    sent: list[tuple[Agency | None, Anomaly]] = []
    for agency in Agency.objects.order_by("pk"):
        new = _alert_new(agency, anomalies(events_of(agency), now=now), now=now)
        if new:
            supervisors_mail(
                agency_id=agency.pk,
                subject=_("Registration portal: the audit log flags something worth a look"),
                template="audit/anomaly_alert_mail.txt",
                context={"agency": agency, "anomalies": new},
            )
        sent += [(agency, flag) for flag in new]
    central = events_of(None).filter(agency__isnull=True)
    sent += [(None, flag) for flag in _alert_new(None, anomalies(central, now=now), now=now)]
    return sent


def _alert_new(agency: Agency | None, flags: list[Anomaly], *, now: dt.datetime) -> list[Anomaly]:
    users = _user_ids({flag.who for flag in flags if flag.rule in _BY_USERNAME})
    alerted = {
        (object_type, object_id): occurred_at
        for object_type, object_id, occurred_at in AuditEvent.objects.filter(
            action=AuditEvent.Action.ALERT,
            agency=agency,
            occurred_at__gte=now - max(_WINDOWS[rule]() for rule in _WINDOWS),
        ).values_list("object_type", "object_id", "occurred_at")
    }
    new = []
    for flag in flags:
        who = str(users.get(flag.who, flag.who)) if flag.rule in _BY_USERNAME else flag.who
        last = alerted.get((f"anomaly:{flag.rule}", who[:64]))
        if last is not None and last >= now - _WINDOWS[flag.rule]():
            continue
        # Ids, fingerprints and addresses only: the supervisor's mail names the user.
        alerts.warning(
            "audit anomaly: rule=%s agency=%s who=%s count=%s",
            flag.rule,
            agency.pk if agency else "-",
            who,
            flag.detail,
        )
        audit_record(
            actor=None,
            action=AuditEvent.Action.ALERT,
            object_type=f"anomaly:{flag.rule}",
            object_id=who[:64],
            agency=agency,
        )
        new.append(flag)
    return new


def _rules_window(key: str, unit: str) -> Callable[[], dt.timedelta]:
    return lambda: dt.timedelta(**{unit: settings.AUDIT_ANOMALY[key]})


# How long a flag stays the same flag: what it counts over.
_WINDOWS = {
    "volume": lambda: dt.timedelta(days=1),
    "off_hours": _rules_window("window_days", "days"),
    "denied": _rules_window("window_days", "days"),
    "same_name": _rules_window("window_days", "days"),
    "failed_logins_account": _rules_window("failed_login_hours", "hours"),
    "failed_logins_name": _rules_window("failed_login_hours", "hours"),
    "failed_logins_address": _rules_window("failed_login_hours", "hours"),
}


def _user_ids(usernames: set[str]) -> dict[str, int]:
    user_model = get_user_model()
    field = user_model.USERNAME_FIELD
    return dict(
        user_model._default_manager.filter(**{f"{field}__in": usernames}).values_list(field, "pk")
    )
