"""Recompute every record's stored blocking keys, e.g. after the matcher's keys changed.

    python manage.py rebuild_match_keys

One transaction: the intake check sees the old keys until the new ones are complete.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from django.db import transaction

from clients.matchkeys import match_keys_rebuild
from clients.models import Client, ClientMatchKey, IdentityDocument


class Command(BaseCommand):
    help = "Recompute the blocking keys of every record (after a change of the matcher)."

    def handle(self, *args, **options):
        started = time.perf_counter()
        with transaction.atomic():
            count = match_keys_rebuild(
                client_model=Client, document_model=IdentityDocument, key_model=ClientMatchKey
            )
        self.stdout.write(
            f"Keys of {count} records rebuilt in {time.perf_counter() - started:.1f} s."
        )
