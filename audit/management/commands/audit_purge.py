"""The one path that may delete audit events: retention, oldest first, itself audited."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import audit_record


class Command(BaseCommand):
    help = "Delete audit events older than --days (default 730); records the purge in the chain."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=730)

    @transaction.atomic
    def handle(self, *args, days: int, **options) -> None:
        if days < 365:
            raise CommandError("Audit events are kept at least one year.")
        cutoff = timezone.now() - dt.timedelta(days=days)
        old = AuditEvent.objects.filter(occurred_at__lt=cutoff).order_by("pk")
        last = old.exclude(action=AuditEvent.Action.PURGE).last()
        if last is None:
            self.stdout.write("Nothing to purge.")
            return
        # Events are removed as a prefix of the chain (up to `last`), so that what
        # remains still verifies from the anchor the purge event records.
        doomed = AuditEvent.objects.filter(pk__lte=last.pk)
        count = doomed.count()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL audit.purge = 'on'")
        doomed.delete()
        audit_record(
            actor=None,
            action=AuditEvent.Action.PURGE,
            object_type="audit.chain",
            object_id=last.hash,
            fields=[f"events:{count}", f"before:{cutoff.date().isoformat()}"],
        )
        self.stdout.write(f"Purged {count} audit events older than {cutoff:%Y-%m-%d}.")
