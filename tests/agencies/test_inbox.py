"""The inbox and the steps around it (issue 12): one agency select on the handover form,
people named (and linked) as far as the agency may see them, a count of waiting items in
the menu, confirmation and a reason before a decline or a revocation, pages of 25."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from access.models import AccessRequest, Grant
from audit.models import AuditEvent
from core.dates import PartialDate
from tests.factories import ClientFactory, UserFactory
from workflows.handover.services import access_request_create, handover_create

pytestmark = pytest.mark.django_db

REASON = "Zuständigkeit liegt beim Bezirksamt Mitte"


def _offer(client, laf_caseworker, sozialamt, consent):
    return handover_create(
        actor=laf_caseworker,
        clients=[client],
        agency=sozialamt,
        sections=["contact"],
        legal_basis=consent,
        purpose="Leistungen nach dem AsylbLG",
    )


def _ask(olena, jobcenter_caseworker, sgb_ii):
    return access_request_create(
        actor=jobcenter_caseworker,
        client=olena,
        sections=["contact"],
        legal_basis=sgb_ii,
        purpose="Bürgergeld",
    )


def _badge(response) -> str:
    match = re.search(rb'data-inbox-waiting="(\d+)"', response.content)
    return match.group(1).decode() if match else ""


# --- The handover form ---------------------------------------------------------------------


def test_the_handover_form_has_one_agency_select(laf_client, olena, sozialamt):
    url = reverse("clients:client-handover", args=[olena.pk])
    first = laf_client.get(url).content.decode()
    assert first.count("<select") == 1 and 'name="agency"' in first
    assert 'name="purpose"' not in first  # the agency comes first

    chosen = laf_client.get(f"{url}?agency={sozialamt.pk}").content.decode()
    assert chosen.count('name="agency"') == 2  # the select to change it, the form's hidden
    assert re.search(rf'<input type="hidden" name="agency" value="{sozialamt.pk}"', chosen)
    assert len(re.findall(r"<select[^>]*name=\"agency\"", chosen)) == 1


def test_the_handover_form_still_hands_over(laf_client, olena, sozialamt, consent):
    url = reverse("clients:client-handover", args=[olena.pk])
    response = laf_client.post(
        url,
        {
            "agency": sozialamt.pk,
            "sections": ["contact"],
            "legal_basis": consent.pk,
            "purpose": "AsylbLG",
        },
    )
    assert response.status_code == 302
    assert Grant.objects.get(client=olena).agency == sozialamt


# --- Names and links -----------------------------------------------------------------------


def test_a_pending_handover_names_the_person_offered_without_a_link(
    sozialamt_client, olena, laf_caseworker, sozialamt, consent
):
    _offer(olena, laf_caseworker, sozialamt, consent)
    body = sozialamt_client.get(reverse("inbox:inbox")).content.decode()
    assert "SHEVCHENKO, Olena" in body
    assert reverse("clients:client-detail", args=[olena.pk]) not in body


def test_my_requests_give_only_a_hint_until_approved_then_name_and_link(
    client, olena, jobcenter, sgb_ii, laf_supervisor
):
    jobcenter_caseworker = UserFactory(agency=jobcenter, agency__role="caseworker")
    request = _ask(olena, jobcenter_caseworker, sgb_ii)
    client.force_login(jobcenter_caseworker)
    detail = reverse("clients:client-detail", args=[olena.pk])

    body = client.get(reverse("inbox:inbox")).content.decode()
    assert "Shevchenko" not in body and "SHEVCHENKO" not in body and "Olena" not in body
    assert "S…" in body
    assert detail not in body

    client.force_login(laf_supervisor)
    to_decide = client.get(reverse("inbox:inbox")).content.decode()
    assert f'<a href="{detail}">SHEVCHENKO, Olena</a>' in to_decide  # the holder's own record
    client.post(
        reverse("inbox:request-decide", args=[request.pk]),
        {"decision": "approve", "sections": ["contact"]},
    )

    client.force_login(jobcenter_caseworker)
    body = client.get(reverse("inbox:inbox")).content.decode()
    assert f'<a href="{detail}">SHEVCHENKO, Olena</a>' in body


# --- The count in the menu -----------------------------------------------------------------


def test_the_menu_counts_waiting_handovers_and_requests_to_decide(
    client,
    olena,
    laf,
    laf_caseworker,
    laf_supervisor,
    sozialamt,
    sozialamt_caseworker,
    jobcenter,
    consent,
    sgb_ii,
):
    _offer(olena, laf_caseworker, sozialamt, consent)
    taras = ClientFactory(agency=laf, actor=laf_caseworker, family_name="Bondar")
    _offer(taras, laf_caseworker, sozialamt, consent)
    _ask(olena, UserFactory(agency=jobcenter, agency__role="caseworker"), sgb_ii)

    client.force_login(sozialamt_caseworker)
    response = client.get(reverse("clients:client-search"))
    assert _badge(response) == "2"
    assert "2 warten" in response.content.decode()  # German, the default language

    client.force_login(laf_supervisor)  # decides LAF's requests
    assert _badge(client.get(reverse("clients:client-search"))) == "1"
    client.force_login(laf_caseworker)  # nothing waits for LAF's caseworkers
    assert _badge(client.get(reverse("clients:client-search"))) == ""


def test_the_count_costs_at_most_two_queries(client, laf_supervisor):
    client.force_login(laf_supervisor)
    client.get(reverse("clients:client-search"))  # warm the session and caches
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("clients:client-search"))
    counting = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert 1 <= len(counting) <= 2, counting


def test_no_count_for_someone_who_is_not_staff(client, outsider):
    client.force_login(outsider)
    response = client.get("/")
    assert b"data-inbox-waiting" not in response.content


# --- Decline and revoke: confirmation and a reason -----------------------------------------


def test_declining_a_handover_asks_to_confirm_and_for_a_reason(
    client, olena, laf_caseworker, sozialamt, sozialamt_caseworker, consent
):
    grant = _offer(olena, laf_caseworker, sozialamt, consent)[0]
    url = reverse("inbox:handover-decide", args=[grant.handover_id])
    client.force_login(sozialamt_caseworker)

    first = client.post(url, {"decision": "decline"})  # the button in the inbox
    assert first.status_code == 200
    assert b'name="reason"' in first.content and b'name="confirm"' in first.content
    grant.refresh_from_db()
    assert grant.status == Grant.Status.PENDING

    no_reason = client.post(url, {"decision": "decline", "confirm": "1", "reason": " "})
    assert no_reason.status_code == 200
    assert "Bitte geben Sie den Grund der Ablehnung an." in no_reason.content.decode()
    grant.refresh_from_db()
    assert grant.status == Grant.Status.PENDING

    done = client.post(url, {"decision": "decline", "confirm": "1", "reason": REASON})
    assert done.status_code == 302
    grant.refresh_from_db()
    assert grant.status == Grant.Status.DECLINED
    assert grant.decision_note == REASON
    event = AuditEvent.objects.filter(action="decline").latest("pk")
    assert "decision_note" in event.fields
    assert REASON not in str(event.fields)

    # The agency that offered it reads the reason in its inbox.
    client.force_login(laf_caseworker)
    body = client.get(reverse("inbox:inbox")).content.decode()
    assert REASON in body and sozialamt.name in body


def test_declining_a_handover_of_another_agency_is_not_found(
    client, olena, laf_caseworker, sozialamt, consent, jobcenter
):
    grant = _offer(olena, laf_caseworker, sozialamt, consent)[0]
    client.force_login(UserFactory(agency=jobcenter, agency__role="caseworker"))
    url = reverse("inbox:handover-decide", args=[grant.handover_id])
    assert client.post(url, {"decision": "decline"}).status_code == 404
    assert (
        client.post(url, {"decision": "decline", "confirm": "1", "reason": "x"}).status_code == 404
    )
    grant.refresh_from_db()
    assert grant.status == Grant.Status.PENDING


def test_declining_a_request_asks_to_confirm_and_for_a_reason(
    client, olena, jobcenter, sgb_ii, laf_supervisor
):
    jobcenter_caseworker = UserFactory(agency=jobcenter, agency__role="caseworker")
    request = _ask(olena, jobcenter_caseworker, sgb_ii)
    url = reverse("inbox:request-decide", args=[request.pk])
    client.force_login(laf_supervisor)

    first = client.post(url, {"decision": "decline", "note": "Bitte"})
    assert first.status_code == 200
    assert b'name="confirm"' in first.content and b"Bitte" in first.content
    request.refresh_from_db()
    assert request.status == AccessRequest.Status.PENDING

    no_reason = client.post(url, {"decision": "decline", "confirm": "1", "reason": ""})
    assert "Bitte geben Sie den Grund der Ablehnung an." in no_reason.content.decode()
    request.refresh_from_db()
    assert request.status == AccessRequest.Status.PENDING

    assert (
        client.post(url, {"decision": "decline", "confirm": "1", "reason": REASON}).status_code
        == 302
    )
    request.refresh_from_db()
    assert request.status == AccessRequest.Status.DECLINED
    assert request.decision_note == REASON
    event = AuditEvent.objects.filter(action="decline").latest("pk")
    assert "decision_note" in event.fields and REASON not in str(event.fields)

    client.force_login(jobcenter_caseworker)
    assert REASON in client.get(reverse("inbox:inbox")).content.decode()


def test_revoking_asks_to_confirm(
    laf_client, olena, laf_caseworker, sozialamt, sozialamt_caseworker, consent
):
    grant = _offer(olena, laf_caseworker, sozialamt, consent)[0]
    url = reverse("clients:grant-revoke", args=[grant.pk])

    first = laf_client.post(url)  # the button on the record
    assert first.status_code == 200
    assert sozialamt.name in first.content.decode()
    grant.refresh_from_db()
    assert grant.status == Grant.Status.PENDING

    assert laf_client.post(url, {"confirm": "1"}).status_code == 302
    grant.refresh_from_db()
    assert grant.status == Grant.Status.REVOKED


# --- Pages ---------------------------------------------------------------------------------


def test_the_inbox_shows_25_handovers_a_page(
    client, laf, laf_caseworker, sozialamt, sozialamt_caseworker, consent
):
    for number in range(27):
        person = ClientFactory(
            agency=laf,
            actor=laf_caseworker,
            family_name=f"Person{number:02d}",
            birth_date=PartialDate(1990, 1, 1),
        )
        _offer(person, laf_caseworker, sozialamt, consent)
    client.force_login(sozialamt_caseworker)

    first = client.get(reverse("inbox:inbox")).content.decode()
    assert first.count('<article class="card mb-3">') == 25
    assert "?handovers=2" in first
    second = client.get(reverse("inbox:inbox"), {"handovers": "2"}).content.decode()
    assert second.count('<article class="card mb-3">') == 2
    assert "PERSON00" in second  # the oldest last
    assert client.get(reverse("inbox:inbox"), {"handovers": "x\x00"}).status_code == 200


def test_the_inbox_costs_the_same_queries_for_3_or_20_handovers(
    client, laf, laf_caseworker, sozialamt, sozialamt_caseworker, consent
):
    def offer(count: int) -> None:
        for _ in range(count):
            person = ClientFactory(agency=laf, actor=laf_caseworker)
            _offer(person, laf_caseworker, sozialamt, consent)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("inbox:inbox")).status_code == 200
        return len(captured.captured_queries)

    client.force_login(sozialamt_caseworker)
    offer(3)
    queries()  # the first request of a session does more (session, caches)
    few = queries()
    offer(17)
    assert queries() == few
