from __future__ import annotations

import pytest

from tests.factories import UserFactory


@pytest.fixture
def laf_admin(laf):
    return UserFactory(username="laf.admin", agency=laf, agency__role="agency_admin")
