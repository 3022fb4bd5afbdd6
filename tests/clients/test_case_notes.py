"""Case notes belong to the agency that wrote them: a grant of the case notes shares the
granting agency's notes, never notes a third agency wrote on the same record (issue 12)."""

import pytest
from django.urls import reverse

from clients.services import case_note_add
from workflows.handover.services import handover_create, handover_decide

pytestmark = pytest.mark.django_db


def _share(record, *, sender, receiver, receiver_user, consent):
    [grant] = handover_create(
        actor=sender,
        clients=[record],
        agency=receiver,
        legal_basis=consent,
        purpose="Leistungen nach dem AsylbLG",
        sections=["case_notes"],
    )
    handover_decide(actor=receiver_user, handover_id=grant.handover_id, accept=True)


def _notes_seen(client, user, record):
    client.force_login(user)
    response = client.get(reverse("clients:client-detail", args=[record.pk]))
    return sorted(note.text for note in response.context["case_notes"])


def test_a_case_notes_grant_shares_the_granting_agencys_notes_not_a_third_agencys(
    client, olena, laf, laf_caseworker, sozialamt, sozialamt_caseworker,
    jobcenter, jobcenter_caseworker, consent,
):  # fmt: skip
    case_note_add(client=olena, agency=laf, actor=laf_caseworker, text="LAF: Unterkunft")
    _share(olena, sender=laf_caseworker, receiver=sozialamt,
           receiver_user=sozialamt_caseworker, consent=consent)  # fmt: skip
    _share(olena, sender=laf_caseworker, receiver=jobcenter,
           receiver_user=jobcenter_caseworker, consent=consent)  # fmt: skip
    case_note_add(client=olena, agency=jobcenter, actor=jobcenter_caseworker, text="JC: Termin")

    assert _notes_seen(client, sozialamt_caseworker, olena) == ["LAF: Unterkunft"]
    assert _notes_seen(client, jobcenter_caseworker, olena) == ["JC: Termin", "LAF: Unterkunft"]
    # The registering agency reads its own notes; the Jobcenter shared none with it.
    assert _notes_seen(client, laf_caseworker, olena) == ["LAF: Unterkunft"]


def test_an_agency_without_the_case_notes_section_sees_no_notes(
    client, olena, laf, laf_caseworker, sozialamt, sozialamt_caseworker, consent
):
    case_note_add(client=olena, agency=laf, actor=laf_caseworker, text="LAF: Unterkunft")
    [grant] = handover_create(
        actor=laf_caseworker, clients=[olena], agency=sozialamt, legal_basis=consent,
        purpose="Leistungen nach dem AsylbLG", sections=["contact"],
    )  # fmt: skip
    handover_decide(actor=sozialamt_caseworker, handover_id=grant.handover_id, accept=True)
    assert _notes_seen(client, sozialamt_caseworker, olena) == []
