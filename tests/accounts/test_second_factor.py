"""The second factor (TOTP app, backup codes): where it is enforced, a password alone opens
nothing, for caseworkers and the superuser alike; setting it up at the first sign-in."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import check_password
from django.test import Client as Browser
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEvent
from tests.accounts.conftest import is_signed_in, sign_in
from tests.conftest import current_totp_code
from web.signin import second_factor
from web.signin.models import BackupCode

pytestmark = pytest.mark.django_db


def set_up_app(user) -> list[str]:
    """The user has an authenticator app and backup codes (returned)."""
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    assert device
    return second_factor.backup_codes_renew(user=user)


def test_enforced_a_password_alone_does_not_sign_in(second_factor_on, caseworker, password):
    set_up_app(caseworker)
    browser = Browser()
    response = sign_in(browser, "laf.caseworker", password)
    assert response.url == reverse("login-verify")
    assert not is_signed_in(browser)
    assert browser.get(reverse("clients:client-search")).status_code == 302
    assert not AuditEvent.objects.filter(action="login").exists()


def test_the_code_from_the_app_completes_the_sign_in(second_factor_on, caseworker, password):
    set_up_app(caseworker)
    browser = Browser()
    sign_in(browser, "laf.caseworker", f"{password}")
    response = browser.post(reverse("login-verify"), {"code": current_totp_code(caseworker)})
    assert response.url == reverse("home")
    assert is_signed_in(browser)
    assert AuditEvent.objects.filter(action="login", actor=caseworker).count() == 1


def test_a_code_is_accepted_once(second_factor_on, caseworker, password):
    set_up_app(caseworker)
    first, second = Browser(), Browser()
    sign_in(first, "laf.caseworker", password)
    sign_in(second, "laf.caseworker", password)
    code = current_totp_code(caseworker)
    first.post(reverse("login-verify"), {"code": code})
    assert second.post(reverse("login-verify"), {"code": code}).status_code == 200
    assert not is_signed_in(second)


def test_a_backup_code_works_once(second_factor_on, caseworker, password):
    codes = set_up_app(caseworker)
    browser = Browser()
    sign_in(browser, "laf.caseworker", password)
    assert browser.post(reverse("login-verify"), {"code": codes[0].lower()}).status_code == 302
    assert is_signed_in(browser)
    again = Browser()
    sign_in(again, "laf.caseworker", password)
    assert again.post(reverse("login-verify"), {"code": codes[0]}).status_code == 200
    assert not is_signed_in(again)


def test_backup_codes_are_stored_hashed(caseworker):
    codes = set_up_app(caseworker)
    stored = list(BackupCode.objects.values_list("lookup", "secret_hash"))
    assert len(stored) == 10
    for code in codes:
        assert code.replace("-", "")[4:] not in str(stored)
    lookup, secret_hash = stored[0]
    plain = next(c.replace("-", "") for c in codes if c.startswith(lookup))
    assert check_password(plain[4:], secret_hash)


def test_the_second_step_runs_out(second_factor_on, caseworker, password, settings):
    set_up_app(caseworker)
    settings.SECOND_FACTOR_PENDING_SECONDS = -1
    browser = Browser()
    sign_in(browser, "laf.caseworker", password)
    response = browser.post(reverse("login-verify"), {"code": current_totp_code(caseworker)})
    assert response.url == reverse("login")
    assert not is_signed_in(browser)


def test_enforced_the_first_sign_in_sets_up_the_app(second_factor_on, caseworker, password):
    browser = Browser()
    response = sign_in(browser, "laf.caseworker", password)
    assert response.url == reverse("account:two-factor-setup")
    assert not is_signed_in(browser)
    page = browser.get(reverse("account:two-factor-setup"))
    assert page.context["qr"].startswith("data:image/svg+xml")
    assert "password" not in page.context["form"].fields  # just given
    response = browser.post(
        reverse("account:two-factor-setup"), {"code": current_totp_code(caseworker)}
    )
    assert response.status_code == 200
    assert len(response.context["codes"]) == 10
    assert is_signed_in(browser)
    assert TOTPDevice.objects.get(user=caseworker).confirmed
    assert AuditEvent.objects.filter(
        action="permission_change", object_id=str(caseworker.pk), fields=["second_factor"]
    ).exists()


def test_a_wrong_code_does_not_set_up_the_app(second_factor_on, caseworker, password):
    browser = Browser()
    sign_in(browser, "laf.caseworker", password)
    browser.get(reverse("account:two-factor-setup"))
    response = browser.post(reverse("account:two-factor-setup"), {"code": "123456"})
    assert response.context["form"].errors
    assert not is_signed_in(browser)
    assert not TOTPDevice.objects.filter(user=caseworker, confirmed=True).exists()


def test_the_setup_page_needs_the_password_step(second_factor_on, caseworker):
    response = Browser().get(reverse("account:two-factor-setup"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_enforced_the_superuser_needs_the_second_factor_for_the_admin(
    second_factor_on, root, password
):
    set_up_app(root)
    browser = Browser()
    response = sign_in(browser, "root", password, url="/admin/login/?next=/admin/")
    assert response.url == reverse("login-verify")
    assert browser.get(reverse("admin:index")).status_code == 302
    response = browser.post(reverse("login-verify"), {"code": current_totp_code(root)})
    assert response.url == "/admin/"
    assert browser.get(reverse("admin:index")).status_code == 200


def test_enforced_a_session_without_the_second_factor_is_ended(second_factor_on, root):
    """E.g. opened before enforcement was switched on."""
    browser = Browser()
    browser.force_login(root)
    assert browser.get(reverse("admin:index")).status_code == 302
    assert browser.get(reverse("clients:client-search")).status_code == 302
    assert "_auth_user_id" not in browser.session


def test_not_enforced_whoever_set_up_an_app_still_needs_it(caseworker, password):
    set_up_app(caseworker)
    browser = Browser()
    assert sign_in(browser, "laf.caseworker", password).url == reverse("login-verify")
    assert not is_signed_in(browser)


def test_not_enforced_a_password_is_enough_for_whoever_has_no_app(caseworker, password):
    browser = Browser()
    assert sign_in(browser, "laf.caseworker", password).url == reverse("home")
    assert is_signed_in(browser)


def test_replacing_the_app_asks_for_the_current_password(caseworker, password, client):
    set_up_app(caseworker)
    old = TOTPDevice.objects.get(user=caseworker)
    client.force_login(caseworker)
    client.get(reverse("account:two-factor-setup"))
    code = current_totp_code(caseworker)
    response = client.post(
        reverse("account:two-factor-setup"), {"code": code, "password": "wrong-password"}
    )
    assert "password" in response.context["form"].errors
    response = client.post(
        reverse("account:two-factor-setup"), {"code": code, "password": password}
    )
    assert len(response.context["codes"]) == 10
    assert list(TOTPDevice.objects.filter(user=caseworker)) != [old]
    assert TOTPDevice.objects.filter(user=caseworker).count() == 1


def test_new_backup_codes_replace_the_old_ones(caseworker, password, client):
    old = set_up_app(caseworker)
    client.force_login(caseworker)
    response = client.post(reverse("account:backup-codes"), {"password": password})
    new = response.context["codes"]
    assert len(new) == 10 and not set(new) & set(old)
    assert BackupCode.objects.filter(device__user=caseworker).count() == 10


def test_an_admin_resets_a_lost_second_factor(second_factor_on, caseworker, root, password):
    set_up_app(caseworker)
    admin = Browser()
    admin.force_login(root)
    # An admin acting here passed the second factor; the test client cannot, so:
    from django.test import override_settings

    with override_settings(SECOND_FACTOR_REQUIRED=False):
        admin.post(
            reverse("admin:agencies_user_changelist"),
            {"action": "reset_second_factor", "_selected_action": [caseworker.pk]},
        )
    assert not TOTPDevice.objects.filter(user=caseworker).exists()
    browser = Browser()
    assert sign_in(browser, "laf.caseworker", password).url == reverse("account:two-factor-setup")


def test_the_setting_follows_debug():
    import os
    import subprocess
    import sys

    def required(debug: str) -> str:
        env = {k: v for k, v in os.environ.items() if k != "SECOND_FACTOR_REQUIRED"}
        env.update(DEBUG=debug, DATABASE_URL="sqlite:///:memory:")
        code = (
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.SECOND_FACTOR_REQUIRED, settings.SESSION_COOKIE_NAME)"
        )
        result = subprocess.run(
            [sys.executable, "-c", code],
            env={**env, "DJANGO_SETTINGS_MODULE": "registration_portal.settings"},
            capture_output=True,
            text=True,
            check=True,
        )
        return result.stdout.strip()

    assert required("0") == "True __Host-sessionid"
    assert required("1") == "False sessionid"
