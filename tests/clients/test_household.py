import pytest

from clients.models import Client
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
