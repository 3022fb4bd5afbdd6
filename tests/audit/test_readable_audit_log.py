"""The audit log reads as sentences, not codes (issue 12): records by name and linked where
the supervisor's agency may open them, "record no. N" where it may not; translated
actions, sections, fields and codes; agencies by name; a constant number of queries."""

import pytest
from django.db import connection
from django.test import Client as Browser
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from audit.models import AuditEvent
from audit.services import audit_record
from core.sections import SECTIONS
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db

LOG = reverse("audit:event-list")


@pytest.fixture
def supervisor(laf_supervisor):
    """LAF's supervisor, who reads the portal in English (the second language)."""
    laf_supervisor.language = "en"
    laf_supervisor.save(update_fields=["language"])
    browser = Browser()
    browser.force_login(laf_supervisor)
    return browser


@pytest.fixture
def hidden(sozialamt, sozialamt_caseworker):
    """A record the Sozialamt registered and never shared with LAF."""
    return ClientFactory(
        agency=sozialamt, actor=sozialamt_caseworker, family_name="Verborgen", given_names="Amal"
    )


def _rows(response):
    return {str(event.pk): labels for event, labels in response.context["rows"]}


def test_a_record_the_agency_may_see_is_named_and_linked(supervisor, laf_caseworker, olena):
    audit_record(actor=laf_caseworker, action="view", obj=olena, fields=["identity", "contact"])
    body = supervisor.get(LOG).content.decode()
    url = reverse("clients:client-detail", args=[olena.pk])
    assert f'<a href="{url}">SHEVCHENKO, Olena</a>' in body
    assert f"clients.client {olena.pk}" not in body
    assert "Identity, Contact, languages and address" in body


def test_a_supervisor_never_sees_the_name_of_a_record_their_agency_may_not_see(
    supervisor, laf_caseworker, olena, hidden
):
    # LAF's caseworker tried to open the Sozialamt's record, and a search answered it
    # only as an existence hint: both are LAF's events, the record is not LAF's to read.
    audit_record(
        actor=laf_caseworker,
        action="view",
        object_type="clients.client",
        object_id=str(hidden.pk),
        outcome="denied",
    )
    audit_record(
        actor=laf_caseworker,
        action="search",
        object_type="clients.client",
        object_ids=[hidden.pk],
        fields=["existence_hint", "name"],
    )
    audit_record(
        actor=laf_caseworker,
        action="search",
        object_type="clients.client",
        object_ids=[olena.pk, hidden.pk],
        fields=["name"],
    )
    response = supervisor.get(LOG)
    body = response.content.decode()
    assert "Verborgen" not in body and "VERBORGEN" not in body and "Amal" not in body
    assert reverse("clients:client-detail", args=[hidden.pk]) not in body
    assert f"Record no. {hidden.pk}" in body
    assert "2 records shown" in body and "1 record shown" in body
    assert "SHEVCHENKO, Olena" in body  # the one LAF may open, in the same list
    assert "existence hint (record of another agency)" in body


def test_user_names_of_other_agencies_staff_are_not_told(
    supervisor, laf_caseworker, sozialamt_caseworker
):
    audit_record(
        actor=laf_caseworker,
        action="permission_change",
        object_type="auth.user",
        object_id=str(laf_caseworker.pk),
        fields=["password"],
    )
    audit_record(
        actor=laf_caseworker,
        action="view",
        object_type="auth.user",
        object_id=str(sozialamt_caseworker.pk),
        fields=["admin"],
    )
    body = supervisor.get(LOG).content.decode()
    assert "sozialamt.caseworker" not in body
    assert f"User account no. {sozialamt_caseworker.pk}" in body
    assert "laf.caseworker" in body
    assert "in the administration" in body


def test_handovers_grants_and_requests_are_named(supervisor, laf_caseworker, olena, sozialamt):
    audit_record(
        actor=laf_caseworker, action="share", obj=olena, fields=["to:sozialamt-mh", "case_notes"]
    )
    audit_record(
        actor=laf_caseworker,
        action="approve",
        object_type="agencies.accessrequest",
        object_id="3",
        fields=["contact"],
    )
    audit_record(actor=laf_caseworker, action="revoke", object_type="access.grant", object_id="7")
    response = supervisor.get(LOG)
    body = response.content.decode()
    assert "handover to Sozialamt Marzahn-Hellersdorf, Case notes" in body
    assert "to:sozialamt-mh" not in body and "case_notes" not in body
    assert "Access request no. 3" in body and "agencies.accessrequest" not in body
    assert "Access grant no. 7" in body
    assert "hand over" in body and "approve request" in body  # the actions, translated


def test_api_requests_and_exports_are_named(supervisor, laf_caseworker, olena):
    audit_record(actor=laf_caseworker, action="view", obj=olena, fields=["azr_export", "xml"])
    audit_record(
        actor=laf_caseworker, action="view", obj=olena, fields=["channel:api", "api_key:12"]
    )
    body = supervisor.get(LOG).content.decode()
    assert "export in the AZR shape, XML" in body
    assert "through the API, API key no. 12" in body
    assert "channel:api" not in body and "api_key:12" not in body


def test_unknown_codes_are_shown_as_they_are(supervisor, laf_caseworker):
    audit_record(
        actor=laf_caseworker,
        action="view",
        object_type="ratelimit",
        object_id="search",
        fields=["user:30/m", "duplicate_check"],
        outcome="denied",
    )
    body = supervisor.get(LOG).content.decode()
    assert "user:30/m, duplicate check at intake" in body
    assert "Rate limit “search”" in body


def test_the_german_log_speaks_german(laf_supervisor, laf_caseworker, olena):
    laf_supervisor.language = "de"
    laf_supervisor.save(update_fields=["language"])
    browser = Browser()
    browser.force_login(laf_supervisor)
    audit_record(actor=laf_caseworker, action="view", obj=olena, fields=["identity"])
    response = browser.get(LOG)
    labels = _rows(response)
    event = next(event for event, _labels in response.context["rows"] if event.fields)
    with translation.override("de"):
        assert labels[str(event.pk)].fields == [str(SECTIONS["identity"].label)]
        assert str(SECTIONS["identity"].label) != "Identity"
        assert f"<td>{event.action_label}</td>" in response.content.decode()


def _mixed_events(count, *, laf_caseworker, sozialamt_caseworker, olena, hidden):
    kinds = [
        {"action": "view", "obj": olena, "fields": ["identity", "family_name"]},
        {"action": "view", "object_type": "clients.client", "object_id": str(hidden.pk)},
        {
            "action": "search",
            "object_type": "clients.client",
            "object_ids": [olena.pk, hidden.pk],
            "fields": ["name", "existence_hint"],
        },
        {"action": "share", "obj": olena, "fields": ["to:sozialamt-mh", "contact"]},
        {"action": "approve", "object_type": "agencies.accessrequest", "object_id": "3"},
        {"action": "login", "object_type": "auth.user", "object_id": str(laf_caseworker.pk)},
        {
            "action": "view",
            "object_type": "auth.user",
            "object_id": str(sozialamt_caseworker.pk),
        },
        {"action": "view", "object_type": "ratelimit", "object_id": "search"},
        {"action": "create", "object_type": "clients.identitydocument", "object_id": "5"},
    ]
    for index in range(count):
        audit_record(actor=laf_caseworker, **kinds[index % len(kinds)])


def test_a_page_of_fifty_mixed_events_costs_as_many_queries_as_one_of_nine(
    supervisor, laf_caseworker, sozialamt_caseworker, olena, hidden
):
    people = {
        "laf_caseworker": laf_caseworker,
        "sozialamt_caseworker": sozialamt_caseworker,
        "olena": olena,
        "hidden": hidden,
    }
    _mixed_events(9, **people)
    supervisor.get(LOG)  # the first request warms per-process caches
    with CaptureQueriesContext(connection) as few:
        small = supervisor.get(LOG, {"action": ""})
    _mixed_events(60, **people)
    with CaptureQueriesContext(connection) as many:
        full = supervisor.get(LOG, {"action": ""})
    assert len(small.context["rows"]) < len(full.context["rows"]) == 50
    assert len(many.captured_queries) == len(few.captured_queries)
    assert "SHEVCHENKO, Olena" in full.content.decode()


def test_who_saw_this_record_names_sections_and_the_receiving_agency(
    supervisor, laf_caseworker, olena, sozialamt
):
    audit_record(
        actor=laf_caseworker, action="share", obj=olena, fields=["to:sozialamt-mh", "contact"]
    )
    url = reverse("audit:record-accesses", args=[olena.pk])
    body = supervisor.get(url).content.decode()
    assert "handover to Sozialamt Marzahn-Hellersdorf, Contact, languages and address" in body
    assert "SHEVCHENKO, Olena" in body

    csv = supervisor.get(url, {"format": "csv"}).content.decode("utf-8-sig")
    header, *lines = csv.splitlines()
    assert header.split(";") == [
        "Time",
        "Agency",
        "User",
        "Role",
        "Action",
        "Object",
        "Sections",
        "Outcome",
        "Codes",
    ]
    share = next(line for line in lines if "hand over" in line)
    assert "handover to Sozialamt Marzahn-Hellersdorf" in share
    assert "to:sozialamt-mh, contact" in share  # the codes kept for whoever needs them


def test_naming_records_in_the_log_is_itself_a_read_of_them(
    supervisor, laf_supervisor, laf_caseworker, olena, hidden
):
    audit_record(actor=laf_caseworker, action="view", obj=olena)
    audit_record(
        actor=laf_caseworker, action="view", object_type="clients.client", object_id=str(hidden.pk)
    )
    supervisor.get(LOG)
    read = AuditEvent.objects.filter(
        actor=laf_supervisor, object_type="clients.client", fields=["identity", "audit_log"]
    ).get()
    assert read.object_ids == [olena.pk]  # the record named, not the one left unnamed
