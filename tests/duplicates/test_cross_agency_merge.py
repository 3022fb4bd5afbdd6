"""A merge across agencies (issue 10, point 7): LAF's supervisor proposes, the
Sozialamt's approves, only then it runs. LAF's record (registered earlier) survives; the
Sozialamt keeps every section of it through a grant on the legal basis "merge of
duplicate records", without end date, shown in the journey. Undo restores both."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from access import policy
from access.models import Grant
from audit.models import AuditEvent
from clients.models import CaseNote, Client, IdentityDocument
from core.sections import SECTIONS
from workflows.duplicates import merge as merging
from workflows.duplicates import proposals, services
from workflows.duplicates.models import ClientMerge, DuplicatePair, MergeProposal
from workflows.handover import selectors as handover_selectors

pytestmark = pytest.mark.django_db


def _propose(pair, actor, **choices) -> MergeProposal:
    return proposals.merge_proposal_create(pair=pair, actor=actor, choices=choices)


@pytest.fixture
def proposal(pair, laf_supervisor) -> MergeProposal:
    return _propose(pair, laf_supervisor, given_names="b")


@pytest.fixture
def merged(proposal, sozialamt_supervisor) -> ClientMerge:
    return proposals.merge_proposal_approve(proposal=proposal, actor=sozialamt_supervisor)


def test_a_proposal_waits_for_the_other_agency_and_merges_nothing(
    proposal, at_laf, at_sozialamt, laf_supervisor, pair
):
    assert proposal.status == MergeProposal.Status.PENDING
    assert proposal.survivor_id == at_laf.pk  # registered earlier
    assert proposal.agency == laf_supervisor.membership.agency
    at_sozialamt.refresh_from_db()
    assert at_sozialamt.merged_into_id is None
    assert DuplicatePair.objects.get(pk=pair.pk).status == DuplicatePair.Status.OPEN
    with pytest.raises(ValidationError) as twice:
        _propose(pair, laf_supervisor)
    assert twice.value.code == "proposed"


def test_the_proposer_cannot_approve_its_own_proposal(proposal, laf_supervisor, laf):
    from tests.factories import UserFactory

    colleague = UserFactory(username="laf.admin", agency=laf, agency__role="agency_admin")
    for actor in (laf_supervisor, colleague):
        with pytest.raises(ValidationError) as refused:
            proposals.merge_proposal_approve(proposal=proposal, actor=actor)
        assert refused.value.code == "agency"
    assert MergeProposal.objects.get(pk=proposal.pk).status == MergeProposal.Status.PENDING


def test_a_third_agency_and_caseworkers_cannot_approve(
    proposal, jobcenter_supervisor, sozialamt_caseworker
):
    for actor in (jobcenter_supervisor, sozialamt_caseworker):
        with pytest.raises(ValidationError):
            proposals.merge_proposal_approve(proposal=proposal, actor=actor)
    assert MergeProposal.objects.get(pk=proposal.pk).status == MergeProposal.Status.PENDING


def test_approval_merges_into_the_earlier_record_with_the_chosen_identity(
    merged, at_laf, at_sozialamt
):
    at_laf.refresh_from_db()
    at_sozialamt.refresh_from_db()
    assert merged.survivor_id == at_laf.pk
    assert at_sozialamt.merged_into_id == at_laf.pk
    assert at_laf.registered_by.slug == "laf"  # keeps its registration
    assert at_laf.given_names == "Jelena"  # chosen from the Sozialamt's record
    assert at_laf.family_name == "Kovalchuk"  # the survivor's by default
    # Not chosen (contact is not compared across agencies): empty ones filled in.
    assert at_laf.phone.as_e164 == "+4915123456789"
    assert at_laf.street == "Oranienburger Straße 12"
    assert CaseNote.objects.get(text="Antrag SGB XII offen").client_id == at_laf.pk
    proposal = MergeProposal.objects.get()
    assert proposal.status == MergeProposal.Status.APPROVED and proposal.merge == merged
    assert DuplicatePair.objects.get().status == DuplicatePair.Status.MERGED


def test_choices_outside_identity_are_ignored_across_agencies(
    pair, laf_supervisor, sozialamt_supervisor, at_laf
):
    proposal = _propose(pair, laf_supervisor, street="b", phone="a", family_name="b")
    assert proposal.choices == {"family_name": "b"}
    proposals.merge_proposal_approve(proposal=proposal, actor=sozialamt_supervisor)
    at_laf.refresh_from_db()
    assert at_laf.family_name == "Kowaltschuk"
    assert at_laf.street == "Oranienburger Straße 12"


def test_the_merged_records_agency_keeps_every_section_through_a_grant(
    merged, at_laf, at_sozialamt, sozialamt, laf, merge_basis, sozialamt_caseworker
):
    grant = Grant.objects.get(client=at_laf, origin=Grant.Origin.MERGE)
    assert grant.agency == sozialamt and grant.granted_by == laf
    assert grant.status == Grant.Status.ACTIVE
    assert grant.legal_basis == merge_basis
    assert grant.expires_on is None
    assert grant.sections == list(SECTIONS)
    assert merged.moved["merge_grant"] == grant.pk
    access = policy.access_for(sozialamt_caseworker, at_laf)
    assert access.view == frozenset(SECTIONS)
    # The Sozialamt's old address of the person now leads to the survivor.
    from access import selectors

    assert selectors.survivor_visible_to(sozialamt_caseworker, at_sozialamt.pk) == at_laf


def test_the_grant_is_in_the_journey_of_both_agencies(merged, at_laf, laf, sozialamt, merge_basis):
    for viewer in (laf, sozialamt):
        steps = handover_selectors.journey(at_laf, viewer=viewer)
        step = next(step for step in steps if step.what == "merge_access")
        assert step.agency == sozialamt.name and step.by_agency == laf.name
        assert step.legal_basis == merge_basis.title


def test_the_journey_page_names_the_merge(client, merged, at_laf, sozialamt_supervisor):
    client.force_login(sozialamt_supervisor)
    response = client.get(reverse("clients:client-detail", args=[at_laf.pk]))
    assert response.status_code == 200
    assert any(step.what == "merge_access" for step in response.context["journey"])
    assert "Zusammenführung doppelter Datensätze" in response.content.decode()


def test_every_step_is_audited_with_both_ids_and_no_values(
    pair, laf_supervisor, sozialamt_supervisor, at_laf, at_sozialamt
):
    proposal = _propose(pair, laf_supervisor, given_names="b")
    proposals.merge_proposal_approve(proposal=proposal, actor=sozialamt_supervisor)
    both = sorted([at_laf.pk, at_sozialamt.pk])
    proposed = AuditEvent.objects.get(object_type="duplicates.mergeproposal", action="create")
    approved = AuditEvent.objects.get(object_type="duplicates.mergeproposal", action="approve")
    merge = AuditEvent.objects.get(action="merge")
    shared = AuditEvent.objects.get(action="share", object_type="access.grant")
    for event in (proposed, approved, merge, shared):
        assert sorted(event.object_ids) == both
        assert "Jelena" not in str(event.fields) and "Kowaltschuk" not in str(event.fields)
    assert proposed.actor == laf_supervisor
    assert approved.actor == merge.actor == sozialamt_supervisor
    assert "merge_grant" in merge.fields


def test_declining_leaves_both_records_and_lets_either_propose_again(
    proposal, pair, sozialamt_supervisor, at_sozialamt
):
    proposals.merge_proposal_decline(
        proposal=proposal, actor=sozialamt_supervisor, note="Andere Eltern"
    )
    proposal.refresh_from_db()
    assert proposal.status == MergeProposal.Status.DECLINED
    assert proposal.decision_note == "Andere Eltern"
    at_sozialamt.refresh_from_db()
    assert at_sozialamt.merged_into_id is None
    assert AuditEvent.objects.filter(
        object_type="duplicates.mergeproposal", action="decline"
    ).exists()
    again = _propose(pair, sozialamt_supervisor)
    assert again.survivor_id == proposal.survivor_id  # still the earlier record
    with pytest.raises(ValidationError):
        proposals.merge_proposal_approve(proposal=proposal, actor=sozialamt_supervisor)


def test_the_proposer_may_withdraw_and_the_other_may_not(
    proposal, laf_supervisor, sozialamt_supervisor
):
    with pytest.raises(ValidationError):
        proposals.merge_proposal_withdraw(proposal=proposal, actor=sozialamt_supervisor)
    proposals.merge_proposal_withdraw(proposal=proposal, actor=laf_supervisor)
    assert MergeProposal.objects.get().status == MergeProposal.Status.WITHDRAWN


def test_not_the_same_person_waits_for_an_open_proposal(proposal, pair, sozialamt_supervisor):
    with pytest.raises(ValidationError) as refused:
        services.duplicate_pair_decide_not_same(pair=pair, actor=sozialamt_supervisor)
    assert refused.value.code == "proposed"


def test_a_merge_across_agencies_needs_the_approved_proposal(
    pair, at_laf, laf_supervisor, sozialamt_supervisor, proposal
):
    for actor in (laf_supervisor, sozialamt_supervisor):
        with pytest.raises(ValidationError) as refused:
            merging.client_merge(pair=pair, actor=actor, survivor_id=at_laf.pk, choices={})
        assert refused.value.code == "agency"
    # Even with the proposal, the later record cannot be made the survivor.
    proposal.status = MergeProposal.Status.APPROVED
    with pytest.raises(ValidationError) as refused:
        merging.client_merge(
            pair=pair,
            actor=sozialamt_supervisor,
            survivor_id=pair.client_b_id if pair.client_a_id == at_laf.pk else pair.client_a_id,
            choices={},
            proposal=proposal,
        )
    assert refused.value.code == "survivor"


@pytest.mark.parametrize("undoer", ["laf_supervisor", "sozialamt_supervisor"])
def test_either_agency_undoes_and_both_records_are_restored(
    request, pair, laf_supervisor, sozialamt_supervisor, at_laf, at_sozialamt, undoer
):
    fields = [f.attname for f in Client._meta.concrete_fields if f.name not in ("updated_at",)]

    def snapshot():
        rows = {
            "laf": Client.objects.filter(pk=at_laf.pk).values(*fields).get(),
            "sozialamt": Client.objects.filter(pk=at_sozialamt.pk).values(*fields).get(),
            "documents": set(IdentityDocument.objects.values_list("pk", "client_id")),
            "notes": set(CaseNote.objects.values_list("pk", "client_id")),
        }
        rows["laf"].pop("search_name")
        return rows

    before = snapshot()
    merge = proposals.merge_proposal_approve(
        proposal=_propose(pair, laf_supervisor, given_names="b"), actor=sozialamt_supervisor
    )
    assert snapshot() != before
    actor = request.getfixturevalue(undoer)
    merging.client_merge_undo(merge=merge, actor=actor)

    assert snapshot() == before
    grant = Grant.objects.get(origin=Grant.Origin.MERGE)
    assert grant.status == Grant.Status.REVOKED and grant.revoked_by == actor
    sozialamt_staff = sozialamt_supervisor
    assert not policy.clients_visible_to(sozialamt_staff).filter(pk=at_laf.pk).exists()
    assert policy.clients_visible_to(sozialamt_staff).filter(pk=at_sozialamt.pk).exists()
    assert DuplicatePair.objects.get().status == DuplicatePair.Status.OPEN
    revoked = AuditEvent.objects.get(action="revoke", object_type="access.grant")
    assert sorted(revoked.object_ids) == sorted([at_laf.pk, at_sozialamt.pk])
    steps = handover_selectors.journey(at_laf, viewer=at_laf.registered_by)
    assert [s.what for s in steps if s.what.startswith("merge")] == [
        "merge_access",
        "merge_access_ended",
    ]


def test_a_third_agency_may_not_undo(merged, jobcenter_supervisor):
    with pytest.raises(ValidationError) as refused:
        merging.client_merge_undo(merge=merged, actor=jobcenter_supervisor)
    assert refused.value.code == "agency"


def test_undo_waits_while_the_merged_agency_handed_the_survivor_on(
    merged, at_laf, sozialamt_caseworker, jobcenter, laf_supervisor, consent
):
    """Access the Sozialamt gave on the survivor after the merge is a decision to take
    back first; the merge grant itself does not stop the undo."""
    from workflows.handover import services as handover_services

    handover_services.handover_create(
        actor=sozialamt_caseworker,
        clients=[at_laf],
        agency=jobcenter,
        sections=["contact"],
        legal_basis=consent,
        purpose="SGB II",
    )
    with pytest.raises(ValidationError) as refused:
        merging.client_merge_undo(merge=merged, actor=laf_supervisor)
    assert refused.value.code == "granted_later"


def test_the_pages_across_agencies(client, pair, at_laf, laf_supervisor, sozialamt_supervisor):
    """Propose on LAF's pair page, approve on the Sozialamt's; undo from the pair page."""
    url = reverse("clients:duplicate-pair", args=[pair.pk])
    client.force_login(laf_supervisor)
    page = client.get(url)
    assert page.context["may_propose"] and not page.context["may_merge"]
    response = client.post(url, {"decision": "propose", "choice_given_names": "b"})
    assert response.status_code == 302 and response.url == url
    page = client.get(url)
    assert page.context["may_withdraw"] and not page.context["may_approve"]
    assert 'value="not_same"' not in page.content.decode()

    client.force_login(sozialamt_supervisor)
    queue = client.get(reverse("clients:duplicate-queue"))
    assert queue.context["rows"][0]["awaits_us"]
    page = client.get(url)
    assert page.context["may_approve"]
    assert "data-kept" in page.content.decode()
    response = client.post(url, {"decision": "approve"})
    assert response.status_code == 302
    assert response.url == reverse("clients:client-detail", args=[at_laf.pk])
    merge = ClientMerge.objects.get()
    detail = client.get(response.url)
    assert detail.status_code == 200
    assert reverse("clients:merge-undo", args=[merge.pk]) in detail.content.decode()
    response = client.post(reverse("clients:merge-undo", args=[merge.pk]))
    assert response.status_code == 302
    assert Client.objects.filter(merged_into__isnull=False).count() == 0


def test_an_ngos_record_is_not_merged_across(
    at_laf, caritas, caritas_caseworker, caritas_supervisor, laf_supervisor
):
    from tests.factories import ClientFactory

    theirs = ClientFactory(agency=caritas, actor=caritas_caseworker, family_name="Kovalchuk")
    ngo_pair = services.duplicate_pair_record(
        client_ids=(at_laf.pk, theirs.pk), score=0.97, reasons=[], source="report"
    )
    for actor in (laf_supervisor, caritas_supervisor):
        with pytest.raises(ValidationError) as refused:
            _propose(ngo_pair, actor)
        assert refused.value.code == "agency"


def test_without_the_legal_basis_nothing_is_merged(
    proposal, sozialamt_supervisor, merge_basis, at_sozialamt
):
    from agencies.models import LegalBasis

    LegalBasis.objects.filter(pk=merge_basis.pk).delete()
    with pytest.raises(ValidationError) as refused:
        proposals.merge_proposal_approve(proposal=proposal, actor=sozialamt_supervisor)
    assert refused.value.code == "legal_basis"
    at_sozialamt.refresh_from_db()
    assert at_sozialamt.merged_into_id is None
    assert MergeProposal.objects.get().status == MergeProposal.Status.PENDING


def test_the_access_a_merge_gave_is_not_revoked_alone(
    client, merged, at_laf, laf_caseworker, laf_supervisor
):
    """It ends with the merge's undo, which gives the other agency its record back."""
    grant = Grant.objects.get(client=at_laf, origin=Grant.Origin.MERGE)
    for user in (laf_caseworker, laf_supervisor):
        assert not policy.may_revoke(user, grant)
    client.force_login(laf_caseworker)
    response = client.post(reverse("clients:grant-revoke", args=[grant.pk]))
    assert response.status_code == 404
    grant.refresh_from_db()
    assert grant.status == Grant.Status.ACTIVE
    page = client.get(reverse("clients:client-detail", args=[at_laf.pk]))
    assert grant not in page.context["grants"]
