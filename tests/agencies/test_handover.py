"""Handing a record over instead of retyping it: grants, acceptance, expiry, revocation."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from access import policy
from access.models import AccessRequest, Grant
from audit.models import AuditEvent
from tests.factories import ClientFactory
from workflows.handover.services import (
    access_request_create,
    access_request_decide,
    grant_revoke,
    handover_create,
    handover_decide,
)
from workflows.intake.services import household_member_add

pytestmark = pytest.mark.django_db


@pytest.fixture
def taras(olena, laf, laf_caseworker):
    return household_member_add(
        anchor=olena,
        agency=laf,
        actor=laf_caseworker,
        role="child",
        fields={"family_name": "Shevchenko", "given_names": "Taras"},
    )


def _hand_over(olena, laf_caseworker, sozialamt, consent, **kwargs):
    kwargs.setdefault("sections", ["contact"])
    return handover_create(
        actor=laf_caseworker,
        clients=[olena],
        agency=sozialamt,
        legal_basis=consent,
        purpose="Leistungen nach dem AsylbLG",
        **kwargs,
    )


def test_a_handover_is_invisible_to_the_receiver_until_accepted(
    olena, laf_caseworker, sozialamt, sozialamt_caseworker, consent
):
    grants = _hand_over(olena, laf_caseworker, sozialamt, consent)
    assert grants[0].status == Grant.Status.PENDING
    assert not policy.clients_visible_to(sozialamt_caseworker).exists()

    handover_decide(actor=sozialamt_caseworker, handover_id=grants[0].handover_id, accept=True)
    assert list(policy.clients_visible_to(sozialamt_caseworker)) == [olena]
    assert policy.access_for(sozialamt_caseworker, olena).view == {"identity", "contact"}


def test_a_household_is_handed_over_and_accepted_together(
    olena, taras, laf_caseworker, sozialamt, sozialamt_caseworker, consent
):
    grants = handover_create(
        actor=laf_caseworker,
        clients=[olena, taras],
        agency=sozialamt,
        sections=["contact", "household"],
        legal_basis=consent,
        purpose="AsylbLG",
    )
    assert len({grant.handover_id for grant in grants}) == 1
    handover_decide(actor=sozialamt_caseworker, handover_id=grants[0].handover_id, accept=True)
    assert set(policy.clients_visible_to(sozialamt_caseworker)) == {olena, taras}


def test_an_agency_can_only_pass_on_sections_it_holds(
    olena, laf_caseworker, sozialamt, sozialamt_caseworker, jobcenter, consent, sgb_ii
):
    grants = _hand_over(olena, laf_caseworker, sozialamt, consent, sections=["contact"])
    handover_decide(actor=sozialamt_caseworker, handover_id=grants[0].handover_id, accept=True)

    onward = handover_create(
        actor=sozialamt_caseworker,
        clients=[olena],
        agency=jobcenter,
        sections=["contact", "sensitive", "documents"],
        legal_basis=sgb_ii,
        purpose="Rechtskreiswechsel SGB II",
    )
    assert onward[0].sections == ["identity", "contact"]
    assert onward[0].granted_by == sozialamt


def test_supervisors_read_but_do_not_hand_over_or_edit(olena, laf_supervisor, sozialamt, consent):
    assert policy.access_for(laf_supervisor, olena).change == frozenset()
    with pytest.raises(PermissionDenied):
        _hand_over(olena, laf_supervisor, sozialamt, consent)


def test_an_expired_grant_stops_working_without_any_cleanup_job(
    olena, laf_caseworker, sozialamt, sozialamt_caseworker, consent
):
    grants = _hand_over(olena, laf_caseworker, sozialamt, consent, expires_on=timezone.localdate())
    handover_decide(actor=sozialamt_caseworker, handover_id=grants[0].handover_id, accept=True)
    assert policy.clients_visible_to(sozialamt_caseworker).exists()

    # The next day: nothing ran, the row is still there, but it no longer counts.
    Grant.objects.update(expires_on=timezone.localdate() - dt.timedelta(days=1))
    olena.clientgroupobjectpermission_set.filter(group=sozialamt.group).update(
        expires_on=timezone.localdate() - dt.timedelta(days=1)
    )
    assert not policy.clients_visible_to(sozialamt_caseworker).exists()
    assert policy.access_for(sozialamt_caseworker, olena).view == frozenset()


def test_an_end_date_in_the_past_is_refused(olena, laf_caseworker, sozialamt, consent):
    with pytest.raises(ValidationError):
        _hand_over(olena, laf_caseworker, sozialamt, consent, expires_on=dt.date(2020, 1, 1))
    assert not Grant.objects.exists()


def test_revoking_takes_access_away_at_once(
    olena, laf_caseworker, sozialamt, sozialamt_caseworker, consent
):
    grants = _hand_over(olena, laf_caseworker, sozialamt, consent)
    handover_decide(actor=sozialamt_caseworker, handover_id=grants[0].handover_id, accept=True)
    grant_revoke(actor=laf_caseworker, grant=grants[0])
    assert not policy.clients_visible_to(sozialamt_caseworker).exists()
    assert AuditEvent.objects.filter(action="revoke").count() == 1


def test_the_receiver_cannot_revoke_a_grant_it_did_not_give(
    olena, laf_caseworker, sozialamt, sozialamt_caseworker, consent
):
    grants = _hand_over(olena, laf_caseworker, sozialamt, consent)
    with pytest.raises(PermissionDenied):
        grant_revoke(actor=sozialamt_caseworker, grant=grants[0])


def test_overlapping_grants_keep_the_longer_end_date(
    olena, laf_caseworker, sozialamt, sozialamt_caseworker, consent
):
    today = timezone.localdate()
    for days in (5, 30):
        grants = _hand_over(
            olena, laf_caseworker, sozialamt, consent, expires_on=today + dt.timedelta(days=days)
        )
        handover_decide(actor=sozialamt_caseworker, handover_id=grants[0].handover_id, accept=True)
    row = olena.clientgroupobjectpermission_set.get(
        group=sozialamt.group, permission__codename="view_contact"
    )
    assert row.expires_on == today + dt.timedelta(days=30)


def test_access_request_approved_with_fewer_sections(
    olena, laf_supervisor, jobcenter_caseworker, sgb_ii
):
    request = access_request_create(
        actor=jobcenter_caseworker,
        client=olena,
        sections=["contact", "sensitive"],
        legal_basis=sgb_ii,
        purpose="SGB II",
    )
    assert request.holding_agency == olena.registered_by
    assert not policy.clients_visible_to(jobcenter_caseworker).exists()

    access_request_decide(actor=laf_supervisor, request=request, approve=True, sections=["contact"])
    request.refresh_from_db()
    assert request.status == AccessRequest.Status.APPROVED
    assert policy.access_for(jobcenter_caseworker, olena).view == {"identity", "contact"}


def test_only_the_holding_agencys_supervisor_decides(
    olena, laf_caseworker, jobcenter_caseworker, sgb_ii
):
    request = access_request_create(
        actor=jobcenter_caseworker, client=olena, sections=[], legal_basis=sgb_ii, purpose="SGB II"
    )
    with pytest.raises(PermissionDenied):
        access_request_decide(actor=laf_caseworker, request=request, approve=True)


def test_asking_twice_is_refused(olena, jobcenter_caseworker, sgb_ii):
    access_request_create(
        actor=jobcenter_caseworker, client=olena, sections=[], legal_basis=sgb_ii, purpose="a"
    )
    with pytest.raises(ValidationError):
        access_request_create(
            actor=jobcenter_caseworker, client=olena, sections=[], legal_basis=sgb_ii, purpose="b"
        )


def test_search_shows_only_a_hint_for_a_record_of_another_agency(
    client, jobcenter_caseworker, olena
):
    client.force_login(jobcenter_caseworker)
    response = client.post(
        reverse("clients:client-search"),
        {"name": "Schewtschenko Elena", "birth_date": str(olena.birth_date)},
    )
    page = response.content.decode()
    assert list(response.context["page"].object_list) == []
    [hint] = response.context["hints"]
    assert str(olena.pk) not in hint.token
    assert hint.family_initial == "S"
    assert hint.birth_year == 1985
    # The typed name stays in the search box; nothing else of the record is shown.
    assert "SHEVCHENKO" not in page
    assert "Olena" not in page
    assert "Kopernikus" not in page


@pytest.mark.parametrize(
    "criteria",
    [
        {"name": "Shev"},
        {"name": "Shevchenko", "birth_date": "03.07.1985"},  # one name word
        {"name": "Shevchenko Olena", "birth_date": "1985"},  # no full date
        {"name": "a a a a", "birth_date": "03.07.1985"},  # letters, no names
        {"name": "She Ole", "birth_date": "03.07.1985"},  # pieces of names
    ],
)
def test_a_vague_search_gives_no_hints(client, jobcenter_caseworker, olena, criteria):
    client.force_login(jobcenter_caseworker)
    response = client.post(reverse("clients:client-search"), criteria)
    assert response.context["hints"] == []


def test_a_search_answered_by_many_records_elsewhere_gives_no_hints(
    client, laf, laf_caseworker, jobcenter_caseworker
):
    for _ in range(4):  # namesakes born the same day, all at LAF
        ClientFactory(agency=laf, actor=laf_caseworker, family_name="Kovalenko", given_names="Ivan")
    client.force_login(jobcenter_caseworker)
    criteria = {"name": "Kovalenko Ivan", "birth_date": "03.07.1985"}
    assert client.post(reverse("clients:client-search"), criteria).context["hints"] == []


def test_the_reference_code_finds_the_record_as_a_hint(client, jobcenter_caseworker, olena):
    client.force_login(jobcenter_caseworker)
    typed = olena.reference_code_display.lower()
    response = client.post(reverse("clients:client-search"), {"reference_code": typed})
    assert len(response.context["hints"]) == 1


def test_a_hint_token_cannot_be_used_by_another_agency(
    client, jobcenter_caseworker, sozialamt_caseworker, olena
):
    client.force_login(jobcenter_caseworker)
    response = client.post(
        reverse("clients:client-search"), {"reference_code": olena.reference_code}
    )
    token = response.context["hints"][0].token
    client.force_login(sozialamt_caseworker)
    assert client.get(reverse("inbox:request-create", args=[token])).status_code == 404
    assert client.get(reverse("inbox:request-create", args=["forged"])).status_code == 404


def test_existence_hints_are_audited_by_record_id(client, jobcenter_caseworker, olena):
    client.force_login(jobcenter_caseworker)
    client.post(reverse("clients:client-search"), {"reference_code": olena.reference_code})
    event = AuditEvent.objects.get(action="search", fields__contains=["existence_hint"])
    assert event.object_ids == [olena.pk]
