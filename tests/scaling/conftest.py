"""A read replica for the scaling tests: a second connection to the test database.

Added before the test databases are set up (this file is imported at collection), as
DATABASE_REPLICA_URLS would add it, marked as a test mirror of "default" so that it is
neither created nor flushed. The router uses it only where a test lists it in
settings.DATABASE_REPLICAS; everywhere else the run is as before.
"""

from __future__ import annotations

import copy

import pytest
from django.conf import settings
from django.db import connections

from registration_portal import db_router

REPLICA = "replica_1"

if REPLICA not in settings.DATABASES:
    _replica = copy.deepcopy(connections["default"].settings_dict)
    _replica["ATOMIC_REQUESTS"] = False
    _replica["TEST"] = {**_replica.get("TEST", {}), "MIRROR": "default"}
    settings.DATABASES[REPLICA] = _replica


@pytest.fixture
def replica(settings):
    """The replica in use by the router; its lag is measured afresh."""
    settings.DATABASE_REPLICAS = [REPLICA]
    db_router._lag_checked.clear()
    yield REPLICA
    db_router._lag_checked.clear()
    connections[REPLICA].close()
