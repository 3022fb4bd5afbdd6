"""Failed sign-ins lock the account (and, many more, the address) for a while: the right
password does not open it then, on /login/ as on /admin/login/. Lockouts are audited,
logged for the operators (ids only) and mailed to the agency's supervisors; an admin
unlocks."""

from __future__ import annotations

import logging

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.signals import user_login_failed
from django.test import Client as Browser
from django.urls import reverse

from audit.models import AuditEvent
from tests.accounts.conftest import is_signed_in, sign_in

pytestmark = pytest.mark.django_db


def _fail(browser, username, times, *, url=""):
    return [sign_in(browser, username, "wrong-password", url=url).status_code for _ in range(times)]


def test_fifty_wrong_passwords_lock_the_account_and_the_right_one_is_refused(caseworker, password):
    browser = Browser()
    answers = _fail(browser, "laf.caseworker", 50)
    assert answers[:4] == [200] * 4
    assert set(answers[5:]) == {429}
    response = sign_in(browser, "laf.caseworker", password)
    assert response.status_code == 429
    assert not is_signed_in(browser)


def test_ten_wrong_passwords_on_the_admin_login_lock_the_superuser_out(root, password):
    browser = Browser()
    answers = _fail(browser, "root", 10, url="/admin/login/")
    assert answers[-1] == 429
    response = sign_in(browser, "root", password, url="/admin/login/")
    assert response.status_code == 429
    assert browser.get(reverse("admin:index")).status_code == 302  # to the sign-in


def test_the_lock_holds_from_another_address_too(caseworker, password):
    _fail(Browser(REMOTE_ADDR="203.0.113.5"), "laf.caseworker", 5)
    other = Browser(REMOTE_ADDR="198.51.100.7")
    assert sign_in(other, "laf.caseworker", password).status_code == 429


def test_a_few_wrong_passwords_do_not_lock(caseworker, password):
    browser = Browser()
    _fail(browser, "laf.caseworker", 4)
    assert sign_in(browser, "laf.caseworker", password).status_code == 302
    assert is_signed_in(browser)


def test_a_success_starts_the_count_again(caseworker, password):
    browser = Browser()
    _fail(browser, "laf.caseworker", 4)
    sign_in(browser, "laf.caseworker", password)
    _fail(Browser(), "laf.caseworker", 4)
    assert sign_in(Browser(), "laf.caseworker", password).status_code == 302


def test_many_failures_from_one_address_lock_that_address(caseworker, password, settings):
    """Password spraying: a different name each time, from one address."""
    sprayer = Browser(REMOTE_ADDR="203.0.113.66")
    for n in range(settings.LOGIN_FAILURE_LIMIT_ADDRESS):
        sign_in(sprayer, f"name{n}", "Winter2024!")
    assert sign_in(sprayer, "laf.caseworker", password).status_code == 429
    assert (
        sign_in(Browser(REMOTE_ADDR="198.51.100.1"), "laf.caseworker", password).status_code == 302
    )


def test_the_lock_ends_after_the_cool_off_time(caseworker, password, settings):
    _fail(Browser(), "laf.caseworker", 5)
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time - settings.AXES_COOLOFF_TIME
    )
    assert sign_in(Browser(), "laf.caseworker", password).status_code == 302


def test_a_name_that_is_no_account_is_counted_only_as_a_fingerprint(db):
    _fail(Browser(), "my-Secret-Passw0rd", 2)
    stored = str(list(AccessAttempt.objects.values_list()))
    assert "secret" not in stored.lower()
    assert AccessAttempt.objects.get().username.startswith("?")


def test_wrong_second_factor_codes_count_towards_the_lockout(caseworker, password):
    from tests.accounts.test_second_factor import set_up_app

    set_up_app(caseworker)
    browser = Browser()
    assert sign_in(browser, "laf.caseworker", password).url == reverse("login-verify")
    answers = [
        browser.post(reverse("login-verify"), {"code": "000000"}).status_code for _ in range(5)
    ]
    assert answers == [200, 200, 200, 200, 429]
    assert sign_in(Browser(), "laf.caseworker", password).status_code == 429
    assert (
        AuditEvent.objects.filter(action="login_failed", object_id=str(caseworker.pk)).count() >= 5
    )


def test_a_lockout_is_audited_logged_and_mailed_to_the_agencys_supervisors(
    caseworker, supervisor, sozialamt_supervisor, caplog, mailoutbox
):
    sozialamt_supervisor.email = "sozialamt.supervisor@sozialamt.example"
    sozialamt_supervisor.save(update_fields=["email"])
    with caplog.at_level(logging.WARNING, logger="portal.alerts"):
        _fail(Browser(), "laf.caseworker", 8)
    event = AuditEvent.objects.get(action="permission_change", fields__contains=["locked_out"])
    assert (event.object_type, event.object_id) == ("auth.user", str(caseworker.pk))
    assert event.agency == caseworker.membership.agency and event.outcome == "denied"
    # The attempts themselves, each naming the account.
    assert (
        AuditEvent.objects.filter(action="login_failed", object_id=str(caseworker.pk)).count() == 8
    )
    alerts = [r.getMessage() for r in caplog.records if r.name == "portal.alerts"]
    assert alerts == [
        f"sign-in locked: scope=account user={caseworker.pk} "
        f"agency={caseworker.membership.agency_id} failures=5"
    ]
    assert [mail.to for mail in mailoutbox] == [["laf.supervisor@laf.example"]]
    assert "laf.caseworker" in mailoutbox[0].body


def test_an_admin_unlocks_an_account(caseworker, password, root, admin_client):
    _fail(Browser(), "laf.caseworker", 5)
    admin_client.force_login(root)
    response = admin_client.post(
        reverse("admin:agencies_user_changelist"),
        {"action": "unlock_sign_in", "_selected_action": [caseworker.pk]},
    )
    assert response.status_code == 302
    assert sign_in(Browser(), "laf.caseworker", password).status_code == 302
    event = AuditEvent.objects.get(action="permission_change", fields__contains=["unlocked"])
    assert event.actor == root and event.object_id == str(caseworker.pk)


def test_the_admins_staff_list_shows_who_is_locked_out(caseworker, root, admin_client):
    _fail(Browser(), "laf.caseworker", 5)
    admin_client.force_login(root)
    page = admin_client.get(reverse("admin:agencies_user_changelist"))
    assert page.context["cl"].model_admin.locked_out(caseworker) is True
    assert page.context["cl"].model_admin.locked_out(root) is False


def test_an_admin_unlocks_an_address_by_deleting_its_attempts(
    root, admin_client, caseworker, password
):
    sprayer = Browser(REMOTE_ADDR="203.0.113.66")
    _fail(sprayer, "laf.caseworker", 1)
    for n in range(29):
        sign_in(sprayer, f"name{n}", "x")
    assert sign_in(sprayer, "laf.caseworker", password).status_code == 429
    admin_client.force_login(root)
    ids = list(AccessAttempt.objects.filter(ip_address="203.0.113.66").values_list("pk", flat=True))
    admin_client.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "delete_selected", "_selected_action": ids, "post": "yes"},
    )
    assert not AccessAttempt.objects.exists()
    assert sign_in(sprayer, "laf.caseworker", password).status_code == 302
    assert AuditEvent.objects.filter(
        object_type="axes.accessattempt", fields=["deleted"]
    ).count() == len(ids)


def test_the_failed_login_signal_without_a_request_does_not_break(caseworker):
    user_login_failed.send(sender=__name__, credentials={"username": "laf.caseworker"})
