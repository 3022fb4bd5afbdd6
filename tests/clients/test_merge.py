"""Merging two records of one person, and undoing it (issue 5, capability 4).

LAF registered Olena twice: once from her passport (Shevchenko), once from a phone call
(Schewtschenko, with a phone number the first record lacks). LAF's supervisor merges.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.urls import reverse

from access import policy, selectors
from access.models import Grant
from audit import selectors as audit_selectors
from audit.models import AuditEvent
from audit.services import audit_record
from clients import services as client_services
from clients.models import CaseNote, Client, ClientMatchKey, IdentityDocument
from core.dates import PartialDate
from tests.factories import ClientFactory, DocumentFactory
from workflows.duplicates import merge as merging
from workflows.duplicates import services
from workflows.duplicates.models import ClientMerge, DuplicatePair
from workflows.handover import services as handover_services
from workflows.intake import services as intake_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def first(laf, laf_caseworker):
    client = ClientFactory(
        agency=laf,
        actor=laf_caseworker,
        family_name="Shevchenko",
        given_names="Olena",
        sex="f",
        birth_date=PartialDate(1985, 7, 3),
        street="Kopernikusstraße 5",
        postcode="10243",
    )
    DocumentFactory(client=client, actor=laf_caseworker, number="FA123456")
    return client


@pytest.fixture
def second(laf, laf_caseworker):
    client = ClientFactory(
        agency=laf,
        actor=laf_caseworker,
        family_name="Schewtschenko",
        given_names="Olena",
        sex="u",
        birth_date=PartialDate(1985, 3, 7),
        phone="+49 30 1234567",
    )
    DocumentFactory(client=client, actor=laf_caseworker, number="FB654321")
    client_services.case_note_add(client=client, agency=laf, actor=laf_caseworker, text="Termin Mo")
    return client


@pytest.fixture
def pair(first, second):
    return services.duplicate_pair_record(
        client_ids=(first.pk, second.pk),
        score=0.93,
        reasons=["name_translit", "birth_dm_swapped"],
        source=DuplicatePair.Source.REPORT,
    )


@pytest.fixture
def grant_to_sozialamt(second, sozialamt, laf_caseworker, sozialamt_caseworker, consent):
    grant = handover_services.handover_create(
        actor=laf_caseworker,
        clients=[second],
        agency=sozialamt,
        sections=["contact"],
        legal_basis=consent,
        purpose="Leistungen",
    )[0]
    handover_services.handover_decide(
        actor=sozialamt_caseworker, handover_id=grant.handover_id, accept=True
    )
    return Grant.objects.get(pk=grant.pk)


def _merge(pair, supervisor, survivor, **choices) -> ClientMerge:
    return merging.client_merge(
        pair=pair, actor=supervisor, survivor_id=survivor.pk, choices=choices
    )


def test_merge_keeps_chosen_values_and_fills_empty_ones_from_the_other(
    pair, first, second, laf_supervisor
):
    _merge(pair, laf_supervisor, first, birth_date="b")
    first.refresh_from_db()
    assert first.family_name == "Shevchenko"  # survivor's value by default
    assert first.birth_date == PartialDate(1985, 3, 7)  # chosen from the other record
    assert first.phone.as_e164 == "+49301234567"  # survivor had none: the other's
    assert first.sex == "f"


def test_merge_moves_documents_notes_and_grants_and_sets_merged_into(
    pair, first, second, laf_supervisor, grant_to_sozialamt, sozialamt_caseworker
):
    document = second.documents.get()
    note = CaseNote.objects.get(client=second)
    merge = _merge(pair, laf_supervisor, first)

    second.refresh_from_db()
    assert second.merged_into_id == first.pk
    assert IdentityDocument.objects.get(pk=document.pk).client_id == first.pk
    assert CaseNote.objects.get(pk=note.pk).client_id == first.pk
    assert Grant.objects.get(pk=grant_to_sozialamt.pk).client_id == first.pk
    assert merge.moved["documents"] == [document.pk]
    assert merge.moved["grants"] == [grant_to_sozialamt.pk]
    pair.refresh_from_db()
    assert pair.status == DuplicatePair.Status.MERGED
    assert pair.decided_by == laf_supervisor
    # The Sozialamt's grant now opens the survivor, and no longer the merged record.
    from access import policy

    visible = policy.clients_visible_to(sozialamt_caseworker)
    assert list(visible.filter(pk__in=[first.pk, second.pk])) == [first]
    # Blocking keys: none for the merged record, the survivor's cover both documents.
    assert not ClientMatchKey.objects.filter(client=second).exists()
    assert ClientMatchKey.objects.filter(client=first).exists()


def test_survivor_history_shows_the_merge_as_a_change(pair, first, second, laf_supervisor):
    _merge(pair, laf_supervisor, first)
    latest = first.history.order_by("-history_id").first()
    assert latest.history_change_reason == f"merge of {second.reference_code}"
    assert latest.history_user == laf_supervisor
    assert latest.phone.as_e164 == "+49301234567"
    assert not latest.prev_record.phone
    merged_latest = second.history.order_by("-history_id").first()
    assert merged_latest.merged_into_id == first.pk


def test_merge_is_audited_with_both_ids_and_field_names(pair, first, second, laf_supervisor):
    _merge(pair, laf_supervisor, first)
    event = AuditEvent.objects.get(action=AuditEvent.Action.MERGE)
    assert event.object_id == str(first.pk)
    assert sorted(event.object_ids) == sorted([first.pk, second.pk])
    assert "phone" in event.fields and "documents" in event.fields
    assert "Schewtschenko" not in str(event.fields)


def test_merged_record_redirects_to_the_survivor(client, pair, first, second, laf_supervisor):
    _merge(pair, laf_supervisor, first)
    client.force_login(laf_supervisor)
    response = client.get(reverse("clients:client-detail", args=[second.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("clients:client-detail", args=[first.pk])
    body = response.content.decode()
    shown = [str(message) for message in response.context["messages"]]
    assert any(first.reference_code_display in message for message in shown)
    # The survivor's page names the merged record and links to its history.
    assert second.reference_code_display in body
    assert reverse("clients:client-history", args=[second.pk]) in body
    # The merged record's own history stays readable.
    history = client.get(reverse("clients:client-history", args=[second.pk]))
    assert history.status_code == 200
    assert "schewtschenko" in history.content.decode().casefold()


def test_a_grant_holder_of_the_merged_record_is_redirected_to_the_survivor(
    client, pair, first, second, laf_supervisor, grant_to_sozialamt, sozialamt_caseworker
):
    _merge(pair, laf_supervisor, first)
    client.force_login(sozialamt_caseworker)
    response = client.get(reverse("clients:client-detail", args=[second.pk]))
    assert response.status_code == 302
    assert response.url == reverse("clients:client-detail", args=[first.pk])


def test_someone_who_may_not_see_the_survivor_gets_404(
    client, pair, first, second, laf_supervisor, jobcenter_caseworker
):
    _merge(pair, laf_supervisor, first)
    client.force_login(jobcenter_caseworker)
    assert client.get(reverse("clients:client-detail", args=[second.pk])).status_code == 404


def test_search_no_longer_finds_the_merged_record(pair, first, second, laf_supervisor):
    found = selectors.client_search(laf_supervisor, name="Olena").clients
    assert set(found) == {first, second}
    _merge(pair, laf_supervisor, first)
    assert selectors.client_search(laf_supervisor, name="Olena").clients == [first]
    # The merged record's spelling now finds the survivor, and only the survivor.
    assert selectors.client_search(laf_supervisor, name="Schewtschenko").clients == [first]
    everywhere = selectors.client_search(laf_supervisor, name="Olena", everywhere=True)
    assert second not in everywhere.clients


def test_who_saw_the_survivor_includes_events_of_the_merged_record(
    pair, first, second, laf_supervisor, sozialamt_caseworker
):
    before = audit_record(actor=sozialamt_caseworker, action="view", obj=second, fields=["x"])
    assert before not in audit_selectors.record_accesses(selectors.record_objects(first.pk))
    _merge(pair, laf_supervisor, first)
    assert before in audit_selectors.record_accesses(selectors.record_objects(first.pk))


def test_undo_restores_fields_and_rows_exactly(
    pair, first, second, laf_supervisor, grant_to_sozialamt, sozialamt_caseworker
):
    fields = [f.attname for f in Client._meta.concrete_fields if f.name != "updated_at"]

    def snapshot():
        rows = {
            "first": Client.objects.filter(pk=first.pk).values(*fields).get(),
            "second": Client.objects.filter(pk=second.pk).values(*fields).get(),
            "documents": set(IdentityDocument.objects.values_list("pk", "client_id")),
            "notes": set(CaseNote.objects.values_list("pk", "client_id")),
            "grants": set(Grant.objects.values_list("pk", "client_id")),
            "keys": set(ClientMatchKey.objects.values_list("client_id", "key")),
        }
        rows["first"].pop("search_name")
        return rows

    before = snapshot()
    merge = _merge(pair, laf_supervisor, first, family_name="b", birth_date="b")
    assert snapshot() != before
    merging.client_merge_undo(merge=merge, actor=laf_supervisor)
    assert snapshot() == before
    merge.refresh_from_db()
    assert merge.undone_by == laf_supervisor and merge.undone_at is not None
    pair.refresh_from_db()
    assert pair.status == DuplicatePair.Status.OPEN
    from access import policy

    visible = policy.clients_visible_to(sozialamt_caseworker)
    assert list(visible.filter(pk__in=[first.pk, second.pk])) == [second]
    undo = AuditEvent.objects.filter(action=AuditEvent.Action.MERGE).order_by("-pk").first()
    assert undo.fields[0] == "undo"


def test_a_pending_access_request_follows_to_the_survivor_and_back(
    pair, first, second, laf_supervisor, jobcenter_caseworker, consent
):
    request = handover_services.access_request_create(
        actor=jobcenter_caseworker,
        client=second,
        sections=["contact"],
        legal_basis=consent,
        purpose="SGB II",
    )
    merge = _merge(pair, laf_supervisor, first)
    request.refresh_from_db()
    assert request.client_id == first.pk
    merging.client_merge_undo(merge=merge, actor=laf_supervisor)
    request.refresh_from_db()
    assert request.client_id == second.pk


def test_undo_by_post_and_twice_is_refused(client, pair, first, second, laf_supervisor):
    merge = _merge(pair, laf_supervisor, first)
    client.force_login(laf_supervisor)
    url = reverse("clients:merge-undo", args=[merge.pk])
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.merged_into_id is None
    with pytest.raises(ValidationError):
        merging.client_merge_undo(merge=merge, actor=laf_supervisor)


def test_caseworker_may_not_undo(client, pair, first, laf_supervisor, laf_caseworker):
    merge = _merge(pair, laf_supervisor, first)
    client.force_login(laf_caseworker)
    assert client.post(reverse("clients:merge-undo", args=[merge.pk])).status_code == 403
    assert ClientMerge.objects.get(pk=merge.pk).undone_at is None


def test_a_cross_agency_pair_is_not_merged_without_the_other_agencys_approval(
    sozialamt, sozialamt_caseworker, first, laf_supervisor, laf_caseworker, consent
):
    theirs = ClientFactory(
        agency=sozialamt, actor=sozialamt_caseworker, family_name="Shevchenko", given_names="Olena"
    )
    grant = handover_services.handover_create(
        actor=sozialamt_caseworker,
        clients=[theirs],
        agency=first.registered_by,
        sections=["contact"],
        legal_basis=consent,
        purpose="Unterbringung",
    )[0]
    handover_services.handover_decide(
        actor=laf_caseworker, handover_id=grant.handover_id, accept=True
    )
    pair = services.duplicate_pair_record(
        client_ids=(first.pk, theirs.pk), score=0.99, reasons=["name_same"], source="report"
    )
    assert not policy.may_merge_at_once(laf_supervisor, first, theirs)
    assert policy.may_propose_merge(laf_supervisor, first, theirs)
    with pytest.raises(ValidationError) as error:
        _merge(pair, laf_supervisor, first)
    assert error.value.code == "agency"
    theirs.refresh_from_db()
    assert theirs.merged_into_id is None
    assert DuplicatePair.objects.get(pk=pair.pk).status == DuplicatePair.Status.OPEN


def test_a_failing_merge_leaves_nothing_half_written(pair, first, second, laf_supervisor):
    """The last insert of the merge (its ClientMerge row) hits a taken primary key: every
    earlier step (values, documents, keys, merged_into, pair, audit) must roll back."""
    moved_before = set(IdentityDocument.objects.values_list("pk", "client_id"))
    keys_before = set(ClientMatchKey.objects.values_list("client_id", "key"))
    taken = ClientMerge.objects.create(
        survivor=first, merged=second, merged_by=laf_supervisor, undone_by=laf_supervisor
    )
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('duplicates_clientmerge', 'id'), %s, false)",
            [taken.pk],
        )
    with pytest.raises(IntegrityError):
        _merge(pair, laf_supervisor, first, family_name="b")
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.family_name == "Shevchenko"
    assert second.merged_into_id is None
    assert set(IdentityDocument.objects.values_list("pk", "client_id")) == moved_before
    assert set(ClientMatchKey.objects.values_list("client_id", "key")) == keys_before
    assert DuplicatePair.objects.get(pk=pair.pk).status == DuplicatePair.Status.OPEN
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.MERGE).exists()


def test_a_document_both_records_hold_stays_with_the_merged_record(
    pair, first, second, laf_supervisor, laf_caseworker
):
    twin = DocumentFactory(client=second, actor=laf_caseworker, number="FA123456")
    merge = _merge(pair, laf_supervisor, first)
    assert merge.moved["documents_kept"] == [twin.pk]
    assert IdentityDocument.objects.get(pk=twin.pk).client_id == second.pk


def test_merge_through_the_pair_page(client, pair, first, second, laf_supervisor):
    client.force_login(laf_supervisor)
    url = reverse("clients:duplicate-pair", args=[pair.pk])
    response = client.post(
        url, {"decision": "merge", "survivor": second.pk, "choice_family_name": "a"}
    )
    assert response.status_code == 302
    assert response.url == reverse("clients:client-detail", args=[second.pk])
    second.refresh_from_db()
    first.refresh_from_db()
    assert first.merged_into_id == second.pk
    assert second.family_name == "Shevchenko"  # chosen: record a's value
    assert second.sex == "f"  # default: the survivor's is unknown, the other's is known
    assert second.street == "Kopernikusstraße 5"  # default: survivor's empty
    assert str(second.phone)  # survivor's own value kept
    merge = ClientMerge.objects.get(pair=pair)
    page = client.get(url).content.decode()
    assert reverse("clients:merge-undo", args=[merge.pk]) in page
    assert 'value="merge"' not in page


def test_household_membership_moves_with_the_chosen_value(
    laf, laf_caseworker, laf_supervisor, first, second
):
    son = intake_services.household_member_add(
        anchor=second,
        agency=laf,
        actor=laf_caseworker,
        role="child",
        fields={"family_name": "Schewtschenko", "given_names": "Taras", "sex": "m"},
    )
    second.refresh_from_db()
    pair = services.duplicate_pair_record(
        client_ids=(first.pk, second.pk), score=0.9, reasons=[], source="report"
    )
    merge = _merge(pair, laf_supervisor, first)  # default: survivor has none -> other's
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.household_id == son.household_id
    assert first.household_role == "head"
    assert second.household_id is None
    assert list(selectors.household_members(laf_supervisor, son)) == [first]
    merging.client_merge_undo(merge=merge, actor=laf_supervisor)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.household_id is None
    assert second.household_id == son.household_id and second.household_role == "head"


def test_undo_is_newest_first_when_the_survivor_was_merged_again(
    pair, first, second, laf, laf_caseworker, laf_supervisor
):
    merge = _merge(pair, laf_supervisor, first)
    third = ClientFactory(agency=laf, actor=laf_caseworker, family_name="Shevchenko")
    later_pair = services.duplicate_pair_record(
        client_ids=(first.pk, third.pk), score=0.9, reasons=[], source="report"
    )
    later = merging.client_merge(
        pair=later_pair, actor=laf_supervisor, survivor_id=third.pk, choices={}
    )

    with pytest.raises(ValidationError) as refused:
        merging.client_merge_undo(merge=merge, actor=laf_supervisor)
    assert refused.value.code == "merged_later"
    merging.client_merge_undo(merge=later, actor=laf_supervisor)
    merging.client_merge_undo(merge=merge, actor=laf_supervisor)
    assert second.documents.count() == 1
    assert CaseNote.objects.get().client_id == second.pk


def test_undo_waits_while_access_granted_after_the_merge_is_active(
    pair, first, second, laf_supervisor, jobcenter_caseworker, consent
):
    request = handover_services.access_request_create(
        actor=jobcenter_caseworker,
        client=second,
        sections=["contact"],
        legal_basis=consent,
        purpose="SGB II",
    )
    merge = _merge(pair, laf_supervisor, first)
    request.refresh_from_db()
    handover_services.access_request_decide(actor=laf_supervisor, request=request, approve=True)

    with pytest.raises(ValidationError) as refused:
        merging.client_merge_undo(merge=merge, actor=laf_supervisor)
    assert refused.value.code == "granted_later"
    second.refresh_from_db()
    assert second.merged_into_id == first.pk


def test_a_merged_record_can_no_longer_be_changed(client, pair, first, second, laf_supervisor):
    _merge(pair, laf_supervisor, first)
    client.force_login(second.registered_by.memberships.get(role="caseworker").user)

    response = client.get(reverse("clients:client-edit", args=[second.pk, "contact"]))

    assert response.status_code == 404


def test_an_agency_holding_only_grants_cannot_close_the_pair(
    pair, first, second, laf_caseworker, sozialamt_caseworker, sozialamt_supervisor, consent
):
    handed = handover_services.handover_create(
        actor=laf_caseworker,
        clients=[first, second],
        agency=sozialamt_caseworker.membership.agency,
        sections=["contact"],
        legal_basis=consent,
        purpose="Leistungen",
    )
    handover_services.handover_decide(
        actor=sozialamt_caseworker, handover_id=handed[0].handover_id, accept=True
    )

    with pytest.raises(ValidationError) as refused:
        services.duplicate_pair_decide(pair=pair, actor=sozialamt_supervisor, decision="not_same")
    assert refused.value.code == "role"
    pair.refresh_from_db()
    assert pair.status == DuplicatePair.Status.OPEN


def test_undo_refuses_to_overwrite_a_field_changed_after_the_merge(
    pair, first, second, laf_supervisor, laf_caseworker
):
    merge = _merge(pair, laf_supervisor, first, birth_date="b")
    client_services.client_update(
        client=first,
        actor=laf_caseworker,
        fields={"phone": "+49 30 7654321"},
        seen_version=client_services.IGNORE_VERSION,
    )

    with pytest.raises(ValidationError) as refused:
        merging.client_merge_undo(merge=merge, actor=laf_supervisor)

    assert refused.value.code == "edited_later"
    first.refresh_from_db()
    assert first.phone.as_e164 == "+49307654321"
    assert first.birth_date == PartialDate(1985, 3, 7)
