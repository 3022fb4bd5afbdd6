"""Named example agencies and staff, so that tests read like stories.

LAF registers people first; the Sozialamt Marzahn-Hellersdorf is the "other agency"
that must not see LAF's records until they are handed over.
"""

from __future__ import annotations

import importlib
import time
import uuid

import pytest
from django.core.cache import cache

from agencies.models import Agency
from tests.factories import AgencyFactory, ClientFactory, UserFactory


@pytest.fixture
def laf(db):
    return AgencyFactory(
        name="Landesamt für Flüchtlingsangelegenheiten", slug="laf", kind=Agency.Kind.REFUGEE_OFFICE
    )


@pytest.fixture
def sozialamt(db):
    return AgencyFactory(
        name="Sozialamt Marzahn-Hellersdorf",
        slug="sozialamt-mh",
        kind=Agency.Kind.SOCIAL_WELFARE_OFFICE,
    )


@pytest.fixture
def jobcenter(db):
    return AgencyFactory(
        name="Jobcenter Marzahn-Hellersdorf", slug="jobcenter-mh", kind=Agency.Kind.JOBCENTER
    )


@pytest.fixture
def jobcenter_caseworker(jobcenter):
    return UserFactory(username="jobcenter.caseworker", agency=jobcenter, agency__role="caseworker")


@pytest.fixture
def sozialamt_supervisor(sozialamt):
    return UserFactory(username="sozialamt.supervisor", agency=sozialamt, agency__role="supervisor")


@pytest.fixture
def legal_bases(db):
    """The legal bases and purpose profiles of the data migration.

    A transactional test's flush empties every table, data migrations included, so the
    migration's own function puts them back (it skips rows that are already there).
    """
    from django.apps import apps

    from agencies.models import LegalBasis

    migration = importlib.import_module("agencies.migrations.0003_legal_bases_and_purpose_profiles")
    migration.create(apps, None)
    german = importlib.import_module("agencies.migrations.0006_purpose_profile_in_german")
    german.fill_german(apps, None)
    return {basis.code: basis for basis in LegalBasis.objects.all()}


@pytest.fixture
def consent(db):
    from agencies.models import LegalBasis

    return LegalBasis.objects.get_or_create(
        code="consent",
        defaults={"title": "Einwilligung (Art. 6 Abs. 1 lit. a DSGVO)", "is_consent": True},
    )[0]


@pytest.fixture
def sgb_ii(db):
    from agencies.models import LegalBasis

    return LegalBasis.objects.get_or_create(code="sgb-ii-50", defaults={"title": "§ 50 SGB II"})[0]


@pytest.fixture
def laf_caseworker(laf):
    return UserFactory(username="laf.caseworker", agency=laf, agency__role="caseworker")


@pytest.fixture
def laf_supervisor(laf):
    return UserFactory(username="laf.supervisor", agency=laf, agency__role="supervisor")


@pytest.fixture
def sozialamt_caseworker(sozialamt):
    return UserFactory(username="sozialamt.caseworker", agency=sozialamt, agency__role="caseworker")


@pytest.fixture
def outsider(db):
    """Logged in, but staff of no agency."""
    return UserFactory(username="outsider")


@pytest.fixture
def olena(laf, laf_caseworker):
    """A woman registered at LAF on arrival."""
    return ClientFactory(
        agency=laf,
        actor=laf_caseworker,
        family_name="Shevchenko",
        given_names="Olena",
        family_name_original="Шевченко",
        given_names_original="Олена",
        sex="f",
        street="Kopernikusstraße 5",
        postcode="10243",
        district="friedrichshain-kreuzberg",
    )


@pytest.fixture
def laf_client(client, laf_caseworker):
    """Django's test client, logged in as LAF's caseworker."""
    client.force_login(laf_caseworker)
    return client


@pytest.fixture
def sozialamt_client(client, sozialamt_caseworker):
    client.force_login(sozialamt_caseworker)
    return client


@pytest.fixture(autouse=True)
def _own_cache(settings):
    """Rate limits count in the cache (Redis with `make test`): every test starts with an
    empty one of its own, under a key prefix no other test, worker or test run on the same
    Redis shares (a FLUSHDB would empty the others' too); its keys expire by themselves."""
    if settings.REDIS_URL:
        settings.CACHES = {
            **settings.CACHES,
            "default": {**settings.CACHES["default"], "KEY_PREFIX": f"test-{uuid.uuid4().hex}"},
        }
    else:
        cache.clear()


@pytest.fixture(scope="session", autouse=True)
def _plain_http_cookie_names():
    """Browsers refuse "__Host-" cookies without Secure, and the live server speaks plain
    HTTP: the usual names, for the whole run (worlds built once per module keep theirs)."""
    from django.conf import settings

    settings.SESSION_COOKIE_NAME = "sessionid"
    settings.CSRF_COOKIE_NAME = "csrftoken"


@pytest.fixture(autouse=True)
def _plain_http(settings):
    # Production redirects to HTTPS; the test client and live server speak plain HTTP.
    settings.SECURE_SSL_REDIRECT = False
    # Real password hashing costs ~0.3 s per user; tests need no brute-force resistance.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _second_factor_off(settings):
    """The second factor is enforced in production; tests about it switch it on
    (`second_factor_on`), the others sign in with a password as before."""
    settings.SECOND_FACTOR_REQUIRED = False


@pytest.fixture
def second_factor_on(settings):
    settings.SECOND_FACTOR_REQUIRED = True


def current_totp_code(user) -> str:
    """The code the user's authenticator app shows (their newest TOTP device, confirmed
    or being set up), as a phone would: one the device has not accepted yet, so a second
    sign-in within the same 30 seconds takes the next step's code (or waits for it)."""
    from django_otp.oath import hotp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user).latest("pk")
    now = int(time.time() - device.t0) // device.step + device.drift
    counter = max(now, device.last_t + 1)
    if counter > now + device.tolerance:
        time.sleep(device.step - (time.time() - device.t0) % device.step + 0.5)
        return current_totp_code(user)
    return f"{hotp(device.bin_key, counter, digits=device.digits):0{device.digits}d}"
