"""'Who saw this record' follows the journey's rule: the registering agency sees every
agency's accesses; another agency its own staff's, and the registering agency's by the
agency's name only, never a third agency's (which offices a person visits is personal
data). LAF registered Olena and handed her record to Caritas and to the LEA."""

import pytest
from django.test import Client as Browser
from django.urls import reverse

from access import policy
from tests.factories import AgencyFactory, UserFactory
from workflows.handover.services import handover_create, handover_decide

pytestmark = pytest.mark.django_db


@pytest.fixture
def caritas(db):
    return AgencyFactory(name="Caritas Migrationsdienst", slug="caritas")


@pytest.fixture
def lea(db):
    return AgencyFactory(name="Landesamt für Einwanderung", slug="lea")


def _browser(user) -> Browser:
    browser = Browser()
    browser.force_login(user)
    return browser


def _hand_over(olena, laf_caseworker, agency, receiver, consent):
    grants = handover_create(
        actor=laf_caseworker,
        clients=[olena],
        agency=agency,
        sections=["contact"],
        legal_basis=consent,
        purpose="Beratung",
    )
    handover_decide(actor=receiver, handover_id=grants[0].handover_id, accept=True)


@pytest.fixture
def journey(olena, laf_caseworker, caritas, lea, consent):
    """Olena's record went from LAF to Caritas and to the LEA; a caseworker of each
    agency opened it."""
    caritas_caseworker = UserFactory(username="caritas.caseworker", agency=caritas)
    lea_caseworker = UserFactory(username="lea.caseworker", agency=lea)
    _hand_over(olena, laf_caseworker, caritas, caritas_caseworker, consent)
    _hand_over(olena, laf_caseworker, lea, lea_caseworker, consent)
    for user in (laf_caseworker, caritas_caseworker, lea_caseworker):
        _browser(user).get(reverse("clients:client-detail", args=[olena.pk]))
    return olena


@pytest.fixture
def lea_supervisor(lea):
    return UserFactory(username="lea.supervisor", agency=lea, agency__role="supervisor")


def test_the_registering_agency_sees_every_agencys_accesses(journey, laf_supervisor):
    page = _browser(laf_supervisor).get(reverse("audit:record-accesses", args=[journey.pk]))
    rows = page.context["rows"]
    assert {row.agency for row in rows if row.action == "view"} >= {
        "Landesamt für Flüchtlingsangelegenheiten",
        "Caritas Migrationsdienst",
        "Landesamt für Einwanderung",
    }
    assert {"laf.caseworker", "caritas.caseworker", "lea.caseworker"} <= {r.user for r in rows}
    assert all(row.in_full for row in rows)


def test_another_agency_never_sees_a_third_agency(journey, lea_supervisor):
    browser = _browser(lea_supervisor)
    page = browser.get(reverse("audit:record-accesses", args=[journey.pk]))
    csv = browser.get(reverse("audit:record-accesses", args=[journey.pk]), {"format": "csv"})
    assert page.status_code == csv.status_code == 200
    for body in (page.content.decode(), csv.content.decode()):
        assert "Caritas" not in body
        assert "caritas" not in body  # neither its name, its users nor "to:caritas"
    assert {row.agency for row in page.context["rows"]} == {
        "Landesamt für Flüchtlingsangelegenheiten",
        "Landesamt für Einwanderung",
    }


def test_another_agency_sees_its_own_staff_in_full(journey, lea_supervisor):
    page = _browser(lea_supervisor).get(reverse("audit:record-accesses", args=[journey.pk]))
    own = [row for row in page.context["rows"] if row.agency == "Landesamt für Einwanderung"]
    assert own and all(row.in_full for row in own)
    assert "lea.caseworker" in {row.user for row in own}
    assert "lea.caseworker" in page.content.decode()


def test_the_registering_agencys_accesses_show_its_name_only(journey, lea_supervisor):
    browser = _browser(lea_supervisor)
    page = browser.get(reverse("audit:record-accesses", args=[journey.pk]))
    csv = browser.get(reverse("audit:record-accesses", args=[journey.pk]), {"format": "csv"})
    laf = [
        r for r in page.context["rows"] if r.agency == "Landesamt für Flüchtlingsangelegenheiten"
    ]
    assert any(row.action == "view" for row in laf)
    assert all((r.user, r.role, r.sections, r.object) == ("", "", "", "") for r in laf)
    for body in (page.content.decode(), csv.content.decode()):
        assert "laf.caseworker" not in body


def test_handovers_to_a_third_agency_are_left_out(journey, lea_supervisor):
    """LAF handed the record over twice: its handovers would tell of the other one."""
    page = _browser(lea_supervisor).get(reverse("audit:record-accesses", args=[journey.pk]))
    laf = [
        r for r in page.context["rows"] if r.agency == "Landesamt für Flüchtlingsangelegenheiten"
    ]
    assert not [row for row in laf if row.action == "share"]
    accepted = [row for row in page.context["rows"] if row.action == "accept"]
    assert [row.user for row in accepted] == ["lea.caseworker"]  # its own handover


def test_the_rule_lives_in_the_policy(journey, laf_supervisor, lea_supervisor, lea):
    laf_scope = policy.record_accesses_scope(laf_supervisor, journey)
    lea_scope = policy.record_accesses_scope(lea_supervisor, journey)
    assert laf_scope.agency_ids is None and laf_scope.shows_in_full(None)
    assert lea_scope.agency_ids == {lea.pk}
    assert lea_scope.by_name == {journey.registered_by_id}
    assert lea_scope.shows_in_full(lea.pk)
    assert not lea_scope.shows_in_full(journey.registered_by_id)
