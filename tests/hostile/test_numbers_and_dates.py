"""Issue 11, "500s from bad input": numbers and dates in query strings and forms
(superscript digits, numbers no column holds, the calendar's ends, a past end date).
Each answered 500 (or saved what it should not) before the fix."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib import messages
from django.urls import reverse
from django.utils import timezone

from access.models import AccessRequest, Grant
from core.params import positive_int
from tests.hostile.helpers import rolled_back
from workflows.duplicates.models import DuplicatePair

pytestmark = pytest.mark.django_db

# Pass str.isdigit() but are no number int() reads as typed (or one no column holds).
NOT_A_NUMBER = ["²", "¹²³", "١٢", "𝟙", "0", "-1", " 1", "1\x00", "9" * 30, "1e3", ""]


def test_positive_int_reads_ascii_digits_only():
    assert positive_int("42") == 42
    assert positive_int("007") == 7
    assert positive_int("5000", maximum=3650) == 3650
    for value in NOT_A_NUMBER:
        assert positive_int(value) is None, value
    assert positive_int(None) is None


# Finding 1: superscript digits (and other numbers int() refuses) in ids and counts.


def test_audit_list_ignores_a_cursor_that_is_no_number(supervisor_client):
    for value in NOT_A_NUMBER:
        with rolled_back():
            response = supervisor_client.get(reverse("audit:event-list"), {"after": value})
            assert response.status_code == 200


def test_record_accesses_take_30_days_for_a_period_that_is_no_number(supervisor_client, olena):
    for value in NOT_A_NUMBER:
        with rolled_back():
            response = supervisor_client.get(
                reverse("audit:record-accesses", args=[olena.pk]), {"days": value}
            )
            assert response.status_code == 200
            assert response.context["days"] == 30


def test_handover_form_ignores_an_agency_that_is_no_number(laf_client, olena, sozialamt):
    for value in NOT_A_NUMBER:
        with rolled_back():
            response = laf_client.get(
                reverse("clients:client-handover", args=[olena.pk]), {"agency": value}
            )
            assert response.status_code == 200
            assert response.context["receiving"] is None


def test_merge_with_a_survivor_that_is_no_number_is_refused_on_the_page(
    supervisor_client, laf_pair
):
    for value in NOT_A_NUMBER:
        with rolled_back():
            pair = laf_pair
            response = supervisor_client.post(
                reverse("clients:duplicate-pair", args=[pair.pk]),
                {"decision": "merge", "survivor": value},
            )
            assert response.status_code == 200
            assert [m.level for m in response.context["messages"]] == [messages.ERROR]
            pair.refresh_from_db()
            assert pair.status == DuplicatePair.Status.OPEN


# Finding 2: a date at the end of the calendar overflowed when a day was added.


def test_audit_dates_at_the_ends_of_the_calendar_are_a_form_error(supervisor_client):
    for query in [
        {"until": "9999-12-31"},
        {"since": "9999-12-31"},
        {"since": "0001-01-01"},
        {"until": "0001-01-01"},
        {"since": "0001-01-01", "until": "9999-12-31"},
        {"until": "31.12.9999"},
    ]:
        with rolled_back():
            response = supervisor_client.get(reverse("audit:event-list"), query)
            assert response.status_code == 200
            form = response.context["form"]
            assert not form.is_valid()
            assert set(form.errors) <= {"since", "until"}


# Finding 3: a past end date raised the service's ValidationError through the view.


@pytest.mark.parametrize("expires_on", ["2000-01-01", "01.01.2000", "yesterday"])
def test_approving_a_request_with_a_past_end_date_is_a_form_error(
    client, laf_supervisor, pending_request, expires_on
):
    if expires_on == "yesterday":
        expires_on = (timezone.localdate() - dt.timedelta(days=2)).isoformat()
    client.force_login(laf_supervisor)
    response = client.post(
        reverse("inbox:request-decide", args=[pending_request.pk]),
        {"decision": "approve", "sections": ["contact"], "expires_on": expires_on},
    )
    assert response.status_code == 200
    assert "expires_on" in response.context["form"].errors
    pending_request.refresh_from_db()
    assert pending_request.status == AccessRequest.Status.PENDING
    assert not Grant.objects.filter(agency=pending_request.requesting_agency).exists()


def test_a_service_refusal_on_deciding_is_shown_on_the_page(
    client, laf_supervisor, pending_request, monkeypatch
):
    """Whatever the service refuses (here: the legal basis retired meanwhile) is shown on
    the form, not raised."""
    pending_request.legal_basis.is_active = False
    pending_request.legal_basis.save(update_fields=["is_active"])
    client.force_login(laf_supervisor)
    response = client.post(
        reverse("inbox:request-decide", args=[pending_request.pk]),
        {"decision": "approve", "sections": ["contact"]},
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    pending_request.refresh_from_db()
    assert pending_request.status == AccessRequest.Status.PENDING
