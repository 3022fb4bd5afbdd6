"""manage.py audit_partitions: create the audit table's coming months (audit.partitions)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from audit.partitions import audit_partitions, ensure_audit_partitions, is_partitioned


class Command(BaseCommand):
    help = "Create the audit table's partitions for this month and the next ones (PostgreSQL)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--months-ahead", type=int, default=2)
        parser.add_argument(
            "--list", action="store_true", dest="show", help="list the partitions too"
        )

    def handle(self, *args, months_ahead: int, show: bool, **options) -> None:
        if not is_partitioned():
            self.stdout.write("The audit table is not partitioned here (SQLite): nothing to do.")
            return
        created = ensure_audit_partitions(months_ahead=months_ahead)
        self.stdout.write(f"Created: {', '.join(created)}." if created else "Nothing to create.")
        if show:
            for month in audit_partitions():
                span = f"{month.start:%Y-%m-%d}..{month.end:%Y-%m-%d}" if month.start else "default"
                self.stdout.write(f"  {month.name}  {span}")
