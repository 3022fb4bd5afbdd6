"""Signing in as a caseworker does in production (issue 11): the first sign-in sets up
the authenticator app (its code computed here as the phone would), the next one asks for
its code; the password is changed through the menu; another session is ended from the
list of sessions; the superuser reaches the admin only with the second factor.

Every new page is checked with axe-core; forms are sent with their own buttons.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from agencies.models import User
from tests.conftest import current_totp_code
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "Regenbogen-Spree-Fähre-7"


def _password_step(page: Page, username: str, password: str, url: str = "/login/") -> None:
    page.goto(url)
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.get_by_role("button", name=re.compile("Anmelden|Log in", re.I)).click()


def _submit(page: Page) -> None:
    page.locator("main form[method=post] button[type=submit]").first.click()


def test_first_sign_in_sets_up_the_app_then_the_code_is_asked(
    page, caseworker, password, second_factor_on, assert_accessible, screenshot, log_in
):
    _password_step(page, caseworker.username, password)
    expect(page).to_have_url(re.compile(reverse("account:two-factor-setup") + "$"))
    expect(page.locator("img[src^='data:image/svg+xml']")).to_be_visible()
    assert_accessible(page, "two-factor setup")
    screenshot(page, "sign-in-two-factor-setup")
    page.locator("#id_code").fill(current_totp_code(caseworker))
    _submit(page)

    codes = page.locator(".backup-codes code")
    expect(codes).to_have_count(10)
    assert_accessible(page, "backup codes")
    screenshot(page, "sign-in-backup-codes")
    page.locator("main a.btn-primary").click()
    expect(page.locator("#main-nav")).to_contain_text(caseworker.username)

    page.locator("#user-menu").click()
    page.locator("#main-nav form[action$='/logout/'] button").click()
    _password_step(page, caseworker.username, password)
    expect(page).to_have_url(re.compile(reverse("login-verify") + "$"))
    assert_accessible(page, "second sign-in step")
    screenshot(page, "sign-in-verify")
    page.locator("#id_code").fill(current_totp_code(caseworker))
    _submit(page)
    expect(page.locator("#main-nav")).to_contain_text(caseworker.username)


def test_a_backup_code_signs_in_when_the_phone_is_not_at_hand(
    page, caseworker, password, second_factor_on
):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from web.signin.second_factor import backup_codes_renew

    TOTPDevice.objects.create(user=caseworker, name="app")
    code = backup_codes_renew(user=caseworker)[3]
    _password_step(page, caseworker.username, password)
    page.locator("#id_code").fill(code)
    _submit(page)
    expect(page.locator("#main-nav")).to_contain_text(caseworker.username)


def test_staff_change_their_password_from_the_menu(
    logged_in, caseworker, password, assert_accessible, page_for
):
    page = logged_in
    page.locator("#user-menu").click()
    page.locator("#main-nav a[href$='/account/']").click()
    assert_accessible(page, "sign-in and security")
    page.locator("main a[href$='/account/password/']").click()
    assert_accessible(page, "password change")
    page.locator("#id_old_password").fill(password)
    page.locator("#id_new_password1").fill("Sommer2024!")
    page.locator("#id_new_password2").fill("Sommer2024!")
    _submit(page)
    expect(page.locator("#id_new_password2")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page, "password change with errors")
    page.locator("#id_old_password").fill(password)
    page.locator("#id_new_password1").fill(NEW_PASSWORD)
    page.locator("#id_new_password2").fill(NEW_PASSWORD)
    _submit(page)
    expect(page).to_have_url(re.compile(r"/account/$"))
    expect(page.locator("main .alert-success")).to_be_visible()

    elsewhere = page_for(caseworker.username, NEW_PASSWORD)
    expect(elsewhere.locator("#main-nav")).to_contain_text(caseworker.username)


def test_another_session_is_ended_from_the_list(
    logged_in, caseworker, page_for, assert_accessible, screenshot
):
    page = logged_in
    other = page_for(caseworker.username)
    page.goto(reverse("account:session-list"))
    rows = page.locator("main tbody tr")
    expect(rows).to_have_count(2)
    assert_accessible(page, "sessions")
    screenshot(page, "sign-in-sessions")
    rows.filter(has=page.locator("button")).locator("button").click()
    expect(page.locator("main tbody tr")).to_have_count(1)
    expect(page.locator("main .alert-success")).to_be_visible()

    other.goto(reverse("clients:client-search"))
    expect(other).to_have_url(re.compile(r"/login/"))
    expect(other.locator("#id_username")).to_be_visible()


def test_all_other_sessions_are_ended_at_once(logged_in, caseworker, page_for):
    page = logged_in
    others = [page_for(caseworker.username), page_for(caseworker.username)]
    page.goto(reverse("account:session-list"))
    expect(page.locator("main tbody tr")).to_have_count(3)
    page.locator("main form[action$='/end-others/'] button").click()
    expect(page.locator("main tbody tr")).to_have_count(1)
    for other in others:
        other.goto(reverse("inbox:inbox"))
        expect(other).to_have_url(re.compile(r"/login/"))


def test_the_superuser_reaches_the_admin_only_with_the_second_factor(
    page, password, second_factor_on, assert_accessible
):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    root = UserFactory(username="root", is_staff=True, is_superuser=True, password=password)
    TOTPDevice.objects.create(user=root, name="app")
    page.goto("/admin/")
    expect(page).to_have_url(re.compile(r"/admin/login/"))
    page.locator("#id_username").fill("root")
    page.locator("#id_password").fill(password)
    page.locator("main button[type=submit]").click()
    expect(page).to_have_url(re.compile(reverse("login-verify") + "$"))
    page.goto("/admin/")  # the password alone opens nothing
    expect(page).to_have_url(re.compile(r"/admin/login/"))
    page.goto(reverse("login-verify"))
    page.locator("#id_code").fill(current_totp_code(User.objects.get(username="root")))
    _submit(page)
    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect(page.locator("#site-name")).to_be_visible()


def test_a_locked_account_gets_a_page_that_says_so(page, caseworker, password, assert_accessible):
    for _ in range(5):
        _password_step(page, caseworker.username, "wrong-password")
    expect(page.locator("main h1")).to_be_visible()
    assert_accessible(page, "locked out")
    _password_step(page, caseworker.username, password)
    expect(page.locator("#main-nav")).to_have_count(0)
