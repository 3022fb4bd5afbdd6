from __future__ import annotations

import pytest

from tests.factories import UserFactory


@pytest.fixture
def laf_admin(laf):
    return UserFactory(username="laf.admin", agency=laf, agency__role="agency_admin")


@pytest.fixture(autouse=True)
def jobs_inline(settings):
    """These tests read an import's outcome right after the upload: the import job runs in
    the request, as without a queue (tests/jobs run it through the queue and a worker)."""
    settings.JOBS_INLINE = True
