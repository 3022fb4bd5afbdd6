"""Property-based tests (issue 11): whatever text arrives in a query parameter or a form
field of the list, search and audit pages and the main forms, the portal never answers
500 and never writes half a record. A refused form leaves the database as it was; an
accepted one leaves a whole record that passes its own validation.

Each example runs inside a savepoint that is rolled back, so examples do not depend on
each other (a decided request stays pending for the next one).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from access.models import AccessRequest, Grant
from clients.models import CaseNote, Client, IdentityDocument
from tests.hostile.helpers import rolled_back
from workflows.duplicates.models import ClientMerge, DuplicatePair

pytestmark = pytest.mark.django_db

FAST = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# What reviewers and attackers type: digits int() refuses, numbers no column holds, the
# calendar's ends, control and direction characters, injections, very long strings.
SPECIAL = [
    "",
    "²",
    "¹²³",
    "١٢",
    "𝟙",
    "0",
    "-1",
    "9" * 19,
    "9" * 400,
    "1e309",
    "NaN",
    "9999-12-31",
    "0001-01-01",
    "31.12.9999",
    "00.00.0000",
    "\x00",
    "a\x00b",
    "\x1b[31m",
    "\u202eevil",
    "Ali\u2066x\u2069",
    "\u200b",
    "%00",
    "%",
    "_",
    "\\",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "{{ 7*7 }}",
    '=HYPERLINK("x")',
]
hostile_text = st.one_of(
    st.sampled_from(SPECIAL),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=40),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.builds(
        lambda char, n: char * n,
        st.sampled_from(["a", "Ä", "ش", "9", "\x00", " ", "\u202e"]),
        st.integers(min_value=100, max_value=20_000),
    ),
)


def params(*names: str):
    """A query string or form: some of `names` with hostile values."""
    return st.dictionaries(st.sampled_from(names), hostile_text, max_size=len(names))


def counts(*models) -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in models}


RECORD_MODELS = (Client, IdentityDocument, CaseNote, Grant, AccessRequest, ClientMerge)


@pytest.fixture(autouse=True)
def _no_rate_limits(settings):
    """Thirty examples a minute would meet the lookup limit (429) and test nothing."""
    settings.PORTAL_RATE_LIMITS = {
        group: {scope: ["100000/m"] for scope in scopes}
        for group, scopes in settings.PORTAL_RATE_LIMITS.items()
    }


def _answers(response) -> None:
    assert response.status_code < 500, response.status_code


def _whole(client: Client) -> None:
    """An accepted form left a record that passes its own validation."""
    client.refresh_from_db()
    client.full_clean()
    for document in client.documents.all():
        document.full_clean()


# GET query parameters of the list, search and audit pages.


@FAST
@given(query=params("actor", "client", "action", "outcome", "since", "until", "order", "after"))
def test_audit_list_answers_any_query(supervisor_client, query):
    with rolled_back():
        _answers(supervisor_client.get(reverse("audit:event-list"), query))


@FAST
@given(query=params("days", "format"))
def test_record_accesses_answer_any_query(supervisor_client, olena, query):
    with rolled_back():
        _answers(supervisor_client.get(reverse("audit:record-accesses", args=[olena.pk]), query))


@FAST
@given(query=params("page"))
def test_duplicate_queue_answers_any_page(supervisor_client, laf_pair, query):
    with rolled_back():
        _answers(supervisor_client.get(reverse("clients:duplicate-queue"), query))


@FAST
@given(query=params("name", "birth_date", "document_number", "page", "q"))
def test_search_page_answers_any_query(laf_client, olena, query):
    with rolled_back():
        _answers(laf_client.get(reverse("clients:client-search"), query))


@FAST
@given(query=params("agency"))
def test_handover_page_answers_any_agency(laf_client, olena, sozialamt, query):
    with rolled_back():
        _answers(laf_client.get(reverse("clients:client-handover", args=[olena.pk]), query))


# The main forms.


@FAST
@given(
    form=params(
        "name", "birth_date", "document_number", "azr_number", "phone", "reference_code", "page"
    )
)
def test_search_form_answers_anything(laf_client, olena, form):
    with rolled_back():
        before = counts(*RECORD_MODELS)
        _answers(laf_client.post(reverse("clients:client-search"), form))
        assert counts(*RECORD_MODELS) == before


INTAKE_FIELDS = (
    "family_name",
    "given_names",
    "family_name_original",
    "given_names_original",
    "birth_name",
    "former_names",
    "sex",
    "birth_date",
    "place_of_birth",
    "country_of_birth",
    "nationalities",
    "azr_number",
    "languages",
    "phone",
    "email",
    "street",
    "postcode",
    "district",
    "accommodation",
    "residence_status",
    "arrival_date",
    "sensitive_notes",
    "doc-doc_type",
    "doc-number",
    "doc-issuing_country",
    "doc-issued_on",
    "doc-expires_on",
    "intake_token",
    "duplicate_reason",
)
VALID_INTAKE = {
    "family_name": "Bondarenko",
    "given_names": "Iryna",
    "sex": "f",
    "residence_status": "temporary_protection",
}


@FAST
@given(form=params(*INTAKE_FIELDS), token=st.uuids())
def test_intake_never_writes_half_a_record(laf_client, form, token):
    data = {**VALID_INTAKE, "intake_token": str(token), **form}
    with rolled_back():
        before = counts(*RECORD_MODELS)
        response = laf_client.post(reverse("clients:client-create"), data)
        _answers(response)
        if response.status_code == 302:
            _whole(Client.objects.latest("pk"))
        else:
            assert counts(*RECORD_MODELS) == before


@FAST
@given(
    section=st.sampled_from(["identity", "contact", "residence", "sensitive"]),
    form=params(*INTAKE_FIELDS, "seen_version"),
)
def test_edit_never_writes_half_a_change(laf_client, olena, section, form):
    with rolled_back():
        stored = Client.objects.filter(pk=olena.pk).values().get()
        response = laf_client.post(reverse("clients:client-edit", args=[olena.pk, section]), form)
        _answers(response)
        if response.status_code == 302:
            _whole(Client.objects.get(pk=olena.pk))
        else:
            assert Client.objects.filter(pk=olena.pk).values().get() == stored


@FAST
@given(form=params("doc_type", "number", "issuing_country", "issued_on", "expires_on"))
def test_document_form_never_writes_half_a_document(laf_client, olena, form):
    with rolled_back():
        before = counts(*RECORD_MODELS)
        response = laf_client.post(reverse("clients:document-create", args=[olena.pk]), form)
        _answers(response)
        if response.status_code == 302:
            _whole(olena)
        else:
            assert counts(*RECORD_MODELS) == before


@FAST
@given(form=params("text"))
def test_case_note_form_answers_anything(laf_client, olena, form):
    with rolled_back():
        before = counts(*RECORD_MODELS)
        response = laf_client.post(reverse("clients:case-note-add", args=[olena.pk]), form)
        _answers(response)
        notes = CaseNote.objects.filter(client=olena)
        if counts(*RECORD_MODELS) != before:
            note = notes.latest("pk")
            note.full_clean()
            assert "\x00" not in note.text


@FAST
@given(
    form=params(
        "agency",
        "sections",
        "legal_basis",
        "legal_basis_note",
        "purpose",
        "expires_on",
        "include_household",
    )
)
def test_handover_form_never_writes_half_a_handover(laf_client, olena, sozialamt, sgb_ii, form):
    with rolled_back():
        before = counts(*RECORD_MODELS)
        response = laf_client.post(reverse("clients:client-handover", args=[olena.pk]), form)
        _answers(response)
        if response.status_code != 302:
            assert counts(*RECORD_MODELS) == before


@FAST
@given(form=params("decision", "sections", "expires_on", "note"))
def test_request_decision_never_writes_half_a_decision(
    client, laf_supervisor, pending_request, form
):
    client.force_login(laf_supervisor)
    with rolled_back():
        response = client.post(reverse("inbox:request-decide", args=[pending_request.pk]), form)
        _answers(response)
        pending_request.refresh_from_db()
        grants = Grant.objects.filter(agency=pending_request.requesting_agency)
        if response.status_code == 302:
            assert pending_request.status != AccessRequest.Status.PENDING
            approved = pending_request.status == AccessRequest.Status.APPROVED
            assert grants.exists() == approved
            if approved:
                assert pending_request.grant.expires_on is None or (
                    pending_request.grant.expires_on >= dt.date(2000, 1, 1)
                )
        else:
            assert pending_request.status == AccessRequest.Status.PENDING
            assert not grants.exists()


@FAST
@given(form=params(*INTAKE_FIELDS))
def test_duplicate_check_answers_anything(laf_client, olena, form):
    with rolled_back():
        before = counts(*RECORD_MODELS)
        _answers(laf_client.post(reverse("clients:duplicate-check"), form))
        assert counts(*RECORD_MODELS) == before


@FAST
@given(
    form=params(
        "decision",
        "survivor",
        "decision_note",
        "choice_family_name",
        "choice_given_names",
        "choice_phone",
    )
)
def test_merge_form_never_merges_by_half(supervisor_client, laf_pair, form):
    with rolled_back():
        response = supervisor_client.post(
            reverse("clients:duplicate-pair", args=[laf_pair.pk]), form
        )
        _answers(response)
        laf_pair.refresh_from_db()
        merges = ClientMerge.objects.filter(pair=laf_pair)
        if laf_pair.status == DuplicatePair.Status.OPEN:
            assert not merges.exists()
        if merges.exists():
            merge = merges.get()
            assert merge.merged.merged_into_id == merge.survivor_id
