import pytest
from django.urls import reverse

from audit.models import AuditEvent
from clients.models import Client
from workflows.handover.services import handover_create, handover_decide
from workflows.intake.services import household_member_add

pytestmark = pytest.mark.django_db


def test_first_member_founds_the_household_with_the_anchor_as_reference_person(
    olena, laf, laf_caseworker
):
    child = household_member_add(
        anchor=olena,
        agency=laf,
        actor=laf_caseworker,
        role="child",
        fields={"family_name": "Shevchenko", "given_names": "Taras"},
    )
    olena.refresh_from_db()
    assert olena.household_id is not None
    assert olena.household_role == "head"
    assert child.household_id == olena.household_id
    assert child.household_role == "child"


def test_mother_with_three_children_form_one_household(olena, laf, laf_caseworker):
    for given in ["Taras", "Iryna", "Mariia"]:
        household_member_add(
            anchor=olena,
            agency=laf,
            actor=laf_caseworker,
            role="child",
            fields={"family_name": "Shevchenko", "given_names": given},
        )
    olena.refresh_from_db()
    members = Client.objects.filter(household=olena.household)
    assert members.count() == 4
    assert sorted(members.values_list("household_role", flat=True)) == [
        "child",
        "child",
        "child",
        "head",
    ]


def test_an_agency_given_only_the_reference_person_is_told_the_members_exist_and_may_ask(
    client, olena, laf, laf_caseworker, sozialamt, sozialamt_caseworker, consent
):
    children = [
        household_member_add(
            anchor=olena,
            agency=laf,
            actor=laf_caseworker,
            role="child",
            fields={"family_name": "Shevchenko", "given_names": given},
        )
        for given in ("Taras", "Iryna")
    ]
    [grant] = handover_create(
        actor=laf_caseworker,
        clients=[olena],
        agency=sozialamt,
        legal_basis=consent,
        purpose="Leistungen nach dem AsylbLG",
        sections=["household"],
    )
    handover_decide(actor=sozialamt_caseworker, handover_id=grant.handover_id, accept=True)

    client.force_login(sozialamt_caseworker)
    response = client.get(reverse("clients:client-detail", args=[olena.pk]))
    html = response.content.decode()
    assert len(response.context["members_not_shared"]) == 2
    assert 'id="household-not-shared"' in html
    assert "Taras" not in html and "Iryna" not in html  # that they exist, not who they are
    # Each can be asked for, and the hints shown are in the audit log.
    token = response.context["members_not_shared"][0].token
    assert client.get(reverse("inbox:request-create", args=[token])).status_code == 200
    hinted = AuditEvent.objects.filter(
        actor=sozialamt_caseworker, fields=["household", "existence_hint"]
    ).get()
    assert sorted(hinted.object_ids) == sorted(child.pk for child in children)


def test_the_registering_agency_sees_its_members_and_no_notice(client, olena, laf, laf_caseworker):
    household_member_add(
        anchor=olena,
        agency=laf,
        actor=laf_caseworker,
        role="child",
        fields={"family_name": "Shevchenko", "given_names": "Taras"},
    )
    client.force_login(laf_caseworker)
    response = client.get(reverse("clients:client-detail", args=[olena.pk]))
    assert response.context["members_not_shared"] == []
    assert [m.given_names for m in response.context["members"]] == ["Taras"]
