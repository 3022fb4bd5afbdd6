"""Walk the audit hash chain and check its anchored head; exit non-zero and name the
first broken event. With --reanchor, after an intact walk, anchor the current head anew
(first deployment on a filled table, after a restore: docs/operations.md)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from audit import anchor
from audit.chain import chain_verify
from audit.models import AuditEvent
from audit.services import audit_record


class Command(BaseCommand):
    help = (
        "Verify the audit log's hash chain and its anchored head (exit status 1 at the first "
        "broken event); --reanchor anchors the current head after an intact walk."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reanchor",
            action="store_true",
            help="after an intact walk, anchor the current head in every store, whatever "
            "they hold (recorded in the chain)",
        )

    def handle(self, *args, reanchor: bool = False, **options) -> None:
        started = time.monotonic()
        checked, broken = chain_verify(head=not reanchor)
        seconds = time.monotonic() - started
        if broken is not None:
            raise CommandError(
                f"Audit chain broken at event {broken.event_id}: {broken.reason} "
                f"({checked} events before it are intact)."
            )
        if reanchor:
            self._reanchor()
        self.stdout.write(
            self.style.SUCCESS(f"Audit chain intact: {checked} events verified in {seconds:.1f} s.")
        )
        self._describe_anchors()

    def _reanchor(self) -> None:
        previous = [f"{store}: {_anchored(store)}" for store in anchor.stores()]
        if not previous:
            raise CommandError("No anchor store is configured (AUDIT_ANCHOR_PATH, ..._REDIS_URL).")
        written: list[AuditEvent] = []
        with transaction.atomic():
            # Registered before the event's own anchoring, so it runs first on commit:
            # the stores then hold this event already, and the usual step leaves them.
            transaction.on_commit(
                lambda: anchor.reanchor(event_id=written[0].pk, hash_=written[0].hash)
            )
            written.append(
                audit_record(
                    actor=None,
                    action=AuditEvent.Action.REANCHOR,
                    object_type="audit.anchor",
                    fields=[f"previous {line}"[:200] for line in previous],
                )
            )
        event = written[0]
        self.stdout.write(f"Anchored anew at event {event.pk} (before: {'; '.join(previous)}).")

    def _describe_anchors(self) -> None:
        stores = anchor.stores()
        if not stores:
            self.stdout.write(
                self.style.WARNING(
                    "The chain's end is not anchored (AUDIT_ANCHOR_PATH, AUDIT_ANCHOR_REDIS_URL "
                    "unset): removing the newest events would go unnoticed."
                )
            )
            return
        last = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        for store in stores:
            anchored = anchor.read(store)
            if anchored is not None:
                newer = AuditEvent.objects.filter(pk__gt=anchored.event_id).count()
                self.stdout.write(
                    f"Head anchored in {store} at event {anchored.event_id} "
                    f"({newer} newer events; the table ends at {last})."
                )


def _anchored(store) -> str:
    try:
        found = anchor.read(store)
    except anchor.AnchorInvalid:
        return "invalid"
    except anchor.STORE_ERRORS:
        return "unreadable"
    return f"event {found.event_id}" if found is not None else "none"
