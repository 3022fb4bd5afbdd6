"""API keys: shown once, stored as a hash, expire, are revoked at once, keep working for
a grace period after rotation; agency admins manage only their own agency's in the admin."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import pytest
from django.contrib.auth.hashers import check_password
from django.utils import timezone

from api import services
from api.models import ApiClient, ApiKey
from audit.models import AuditEvent
from tests.api.conftest import client_with_key, make_system
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _me(api):
    """Any request that needs a valid key; the record does not exist (404 = authenticated)."""
    return api.get("/api/v1/clients/999999/").status_code


def test_a_key_is_stored_only_as_the_hash_of_its_secret(laf):
    _system, key, secret = make_system(laf)
    prefix, body = secret.removeprefix("rpk_").split("_", 1)
    assert key.prefix == prefix
    assert key.secret_hash == hashlib.sha256(body.encode()).hexdigest()
    stored = ApiKey.objects.filter(pk=key.pk).values().get()
    assert not any(body in str(value) for value in stored.values())


def test_a_valid_key_authenticates_and_a_wrong_one_does_not(laf):
    _system, _key, secret = make_system(laf)
    assert _me(client_with_key(secret)) == 404
    assert _me(client_with_key(secret[:-2] + "xx")) == 401
    assert _me(client_with_key("rpk_nonsense")) == 401
    response = client_with_key("rpk_nonsense").get("/api/v1/clients/1/")
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response["Content-Type"] == "application/problem+json"


def test_no_key_is_401_even_with_a_signed_in_session(client, laf_caseworker):
    client.force_login(laf_caseworker)
    response = client.get("/api/v1/clients/1/")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_the_technical_user_cannot_sign_in_to_the_pages(laf):
    system, _key, _secret = make_system(laf)
    assert not system.user.has_usable_password()
    assert not check_password("", system.user.password)
    assert system.user.membership.agency == laf


def test_an_expired_key_is_refused(laf):
    _system, key, secret = make_system(laf)
    ApiKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert _me(client_with_key(secret)) == 401


def test_a_revoked_key_is_refused_at_once(laf):
    _system, key, secret = make_system(laf)
    api = client_with_key(secret)
    assert _me(api) == 404
    services.api_key_revoke(key=key, actor=None)
    assert _me(api) == 401
    assert AuditEvent.objects.filter(action="revoke", object_id=str(key.pk)).exists()


def test_after_rotation_both_keys_work_until_the_grace_period_ends(laf):
    _system, old, old_secret = make_system(laf)
    new, new_secret = services.api_key_rotate(key=old, actor=None, grace=dt.timedelta(hours=1))
    assert _me(client_with_key(old_secret)) == 404
    assert _me(client_with_key(new_secret)) == 404
    old.refresh_from_db()
    assert old.replaced_by == new
    assert old.expires_at <= timezone.now() + dt.timedelta(hours=1)
    ApiKey.objects.filter(pk=old.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert _me(client_with_key(old_secret)) == 401
    assert _me(client_with_key(new_secret)) == 404


def test_a_deactivated_agency_ends_its_keys(laf):
    _system, _key, secret = make_system(laf)
    laf.is_active = False
    laf.save(update_fields=["is_active"])
    assert _me(client_with_key(secret)) == 401


def test_last_use_is_noted(laf):
    _system, key, secret = make_system(laf)
    _me(client_with_key(secret))
    key.refresh_from_db()
    assert key.last_used_at is not None


# --- Admin -----------------------------------------------------------------------------------


@pytest.fixture
def laf_admin(laf):
    return UserFactory(username="laf.admin", agency=laf, agency__role="agency_admin", is_staff=True)


@pytest.fixture
def sozialamt_admin(sozialamt):
    return UserFactory(
        username="sozialamt.admin", agency=sozialamt, agency__role="agency_admin", is_staff=True
    )


def _secret_in(response) -> str:
    match = re.search(r"data-api-key>(rpk_[A-Za-z0-9_-]+)<", response.content.decode())
    assert match, "the new key is shown"
    return match.group(1)


def test_agency_admin_creates_a_client_and_sees_its_key_once(client, laf_admin, laf):
    client.force_login(laf_admin)
    response = client.post(
        "/admin/api/apiclient/add/", {"name": "Fallakte", "role": "caseworker"}, follow=True
    )
    assert response.status_code == 200
    secret = _secret_in(response)
    system = ApiClient.objects.get(name="Fallakte")
    assert system.agency == laf
    assert _me(client_with_key(secret)) == 404
    again = client.get(f"/admin/api/apiclient/{system.pk}/change/")
    assert secret not in again.content.decode()
    assert AuditEvent.objects.filter(
        action="permission_change", object_type="api.apiclient", actor=laf_admin
    ).exists()


def test_agency_admin_rotates_and_revokes_keys(client, laf_admin, laf):
    _system, key, secret = make_system(laf)
    client.force_login(laf_admin)
    response = client.post(
        "/admin/api/apikey/",
        {"action": "rotate_keys", "_selected_action": [key.pk]},
        follow=True,
    )
    new_secret = _secret_in(response)
    assert new_secret != secret
    new = ApiKey.objects.get(replaces=key)
    client.post("/admin/api/apikey/", {"action": "revoke_keys", "_selected_action": [new.pk]})
    assert _me(client_with_key(new_secret)) == 401


def test_other_agencys_admin_cannot_see_the_keys(client, sozialamt_admin, laf):
    system, key, _secret = make_system(laf)
    client.force_login(sozialamt_admin)
    listing = client.get("/admin/api/apikey/")
    assert listing.status_code == 200
    assert str(key) not in listing.content.decode()
    assert client.get(f"/admin/api/apikey/{key.pk}/change/").status_code == 302
    assert client.get(f"/admin/api/apiclient/{system.pk}/change/").status_code == 302
    client.post("/admin/api/apikey/", {"action": "revoke_keys", "_selected_action": [key.pk]})
    key.refresh_from_db()
    assert key.revoked_at is None


def test_a_caseworker_has_no_key_admin(client, laf):
    caseworker = UserFactory(username="cw", agency=laf, agency__role="caseworker", is_staff=True)
    client.force_login(caseworker)
    assert client.get("/admin/api/apikey/").status_code == 403
