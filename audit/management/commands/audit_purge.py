"""The one path that may delete audit events: retention, oldest first, itself audited.

On PostgreSQL only the purge role may delete (the trigger of audit.0003): run this
command with that role's DATABASE_URL (docs/operations.md, "Audit log: anchor, purge
role, restore").
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.db.models import Count, Max
from django.utils import timezone

from audit import partitions
from audit.models import AuditEvent
from audit.services import audit_record


class Command(BaseCommand):
    help = (
        "Delete audit events older than --days (default 730); records the purge in the chain. "
        "On PostgreSQL, run it as the purge role (its own DATABASE_URL)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=730)

    @transaction.atomic
    def handle(self, *args, days: int, **options) -> None:
        if days < 365:
            raise CommandError("Audit events are kept at least one year.")
        _check_role()
        cutoff = timezone.now() - dt.timedelta(days=days)
        old = AuditEvent.objects.filter(occurred_at__lt=cutoff).order_by("pk")
        last = old.exclude(action=AuditEvent.Action.PURGE).last()
        if last is None:
            self.stdout.write("Nothing to purge.")
            return
        # Events are removed as a prefix of the chain (up to `last`), so that what
        # remains still verifies from the anchor the purge event records. Whole months
        # inside that prefix go as partitions (PostgreSQL, audit.partitions); the rest
        # row by row.
        count = _drop_whole_months(cutoff, last.pk)
        doomed = AuditEvent.objects.filter(pk__lte=last.pk)
        count += doomed.count()
        doomed.delete()
        audit_record(
            actor=None,
            action=AuditEvent.Action.PURGE,
            object_type="audit.chain",
            object_id=last.hash,
            fields=[f"events:{count}", f"before:{cutoff.date().isoformat()}"],
        )
        self.stdout.write(f"Purged {count} audit events older than {cutoff:%Y-%m-%d}.")


def _drop_whole_months(cutoff: dt.datetime, last_pk: int) -> int:
    """Drop the months that ended before the cutoff and hold no event after `last_pk`
    (a month with a later event, e.g. an earlier purge's own, is deleted by rows)."""
    dropped = 0
    for month in partitions.months_before(cutoff):
        # Through the table (partitions carry no grants); the bounds prune to the month.
        in_month = AuditEvent.objects.filter(
            occurred_at__gte=month.start, occurred_at__lt=month.end
        )
        stats = in_month.aggregate(count=Count("pk"), newest=Max("pk"))
        if stats["newest"] is not None and stats["newest"] > last_pk:
            continue
        with connection.cursor() as cursor:
            cursor.execute("SELECT audit_partition_drop(%s::regclass)", [month.name])
        dropped += stats["count"]
    return dropped


def purge_role() -> str | None:
    """The role the audit table's trigger lets delete (its argument), None without one."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.tgargs FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE c.relname = 'audit_auditevent' AND t.tgname = 'audit_event_append_only' "
            "AND t.tgnargs > 0"
        )
        row = cursor.fetchone()
    return bytes(row[0]).split(b"\x00")[0].decode() if row else None


def _check_role() -> None:
    """Refuse before deleting anything when connected as another role than the purge's."""
    if connection.vendor != "postgresql":
        return  # SQLite (try-out): no trigger, no roles
    role = purge_role()
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        (current,) = cursor.fetchone()
    if role is not None and current != role:
        raise CommandError(
            f"Connected as {current}: only the role {role} may delete audit events. "
            "Run this command with that role's DATABASE_URL (docs/operations.md)."
        )
