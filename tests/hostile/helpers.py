"""Shared by the hostile-input tests."""

from __future__ import annotations

import contextlib

from django.db import transaction


@contextlib.contextmanager
def rolled_back():
    """One case or example inside a savepoint that is rolled back: cases in one test do
    not see each other's writes (a decided request stays pending for the next one)."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)
