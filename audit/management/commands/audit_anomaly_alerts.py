"""Alert the audit log's new anomaly flags (run hourly; docs/operations.md)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from audit.alerts import anomaly_alerts_send


class Command(BaseCommand):
    help = (
        "Log, mail to the agency's supervisors and record every anomaly flag of the audit "
        "log not alerted in the last day."
    )

    def handle(self, *args, **options) -> None:
        sent = anomaly_alerts_send()
        for agency, flag in sent:
            self.stdout.write(f"{agency.slug if agency else '-'}: {flag.rule}")
        self.stdout.write(self.style.SUCCESS(f"{len(sent)} new flags alerted."))
