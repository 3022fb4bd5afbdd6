"""The one policy: its answers for roles, and every permission question in the process
(`user.has_perm`) answered by it, not by guardian's rows as they are."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from access import policy
from access.models import ClientGroupObjectPermission
from audit.models import AuditEvent
from tests.factories import UserFactory
from workflows.handover import services as handover_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def laf_admin(laf):
    return UserFactory(username="laf.admin", agency=laf, agency__role="agency_admin")


def test_only_caseworkers_register_people(laf_caseworker, laf_supervisor, laf_admin, outsider):
    assert policy.may_register(laf_caseworker)
    assert not policy.may_register(laf_supervisor)
    assert not policy.may_register(laf_admin)
    assert not policy.may_register(outsider)


def test_a_supervisor_is_refused_the_intake_and_the_refusal_is_audited(client, laf_supervisor):
    client.force_login(laf_supervisor)
    url = reverse("clients:client-create")
    assert client.get(url).status_code == 403
    response = client.post(url, {"family_name": "Neu", "sex": "u", "residence_status": "unknown"})
    assert response.status_code == 403
    refusals = AuditEvent.objects.filter(
        actor=laf_supervisor, outcome="denied", object_id="clients:client-create"
    )
    assert refusals.count() == 2


def test_the_menu_offers_registering_only_to_caseworkers(client, laf_caseworker, laf_supervisor):
    url = reverse("clients:client-create")
    client.force_login(laf_caseworker)
    assert url in client.get(reverse("clients:client-search")).content.decode()
    client.force_login(laf_supervisor)
    assert url not in client.get(reverse("clients:client-search")).content.decode()


def test_a_role_refusal_on_the_audit_pages_is_audited(laf_client, laf_caseworker):
    assert laf_client.get(reverse("audit:event-list")).status_code == 403
    assert AuditEvent.objects.filter(
        actor=laf_caseworker, outcome="denied", object_id="audit:event-list"
    ).exists()


def _handed_over(olena, laf_caseworker, sozialamt, sozialamt_caseworker, consent, expires_on):
    grants = handover_services.handover_create(
        actor=laf_caseworker,
        clients=[olena],
        agency=sozialamt,
        sections=["contact"],
        legal_basis=consent,
        purpose="Beratung",
        expires_on=expires_on,
    )
    handover_services.handover_decide(
        actor=sozialamt_caseworker, handover_id=grants[0].handover_id, accept=True
    )


def test_has_perm_answers_as_the_policy_for_an_active_grant(
    olena, laf_caseworker, sozialamt, sozialamt_caseworker, consent
):
    _handed_over(olena, laf_caseworker, sozialamt, sozialamt_caseworker, consent, None)
    assert sozialamt_caseworker.has_perm("clients.view_contact", olena)
    assert sozialamt_caseworker.has_perm("clients.view_identity", olena)
    assert not sozialamt_caseworker.has_perm("clients.view_documents", olena)
    assert laf_caseworker.has_perm("clients.view_client", olena)


def test_has_perm_refuses_an_expired_grant_whose_rows_remain(
    olena, laf_caseworker, sozialamt, sozialamt_caseworker, consent
):
    """guardian's own backend answered True here: it reads the rows without their end."""
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    _handed_over(olena, laf_caseworker, sozialamt, sozialamt_caseworker, consent, tomorrow)
    ClientGroupObjectPermission.objects.filter(group=sozialamt.group).update(
        expires_on=timezone.localdate() - dt.timedelta(days=1)
    )
    assert not sozialamt_caseworker.has_perm("clients.view_contact", olena)
    assert not sozialamt_caseworker.has_perm("clients.view_identity", olena)
    assert sozialamt_caseworker.get_all_permissions(olena) == set()


def test_has_perm_gives_no_change_on_a_merged_record(olena, laf, laf_caseworker):
    from tests.factories import ClientFactory

    survivor = ClientFactory(agency=laf, actor=laf_caseworker)
    olena.merged_into = survivor
    olena.save(update_fields=["merged_into"])
    assert laf_caseworker.has_perm("clients.view_client", olena)
    assert not laf_caseworker.has_perm("clients.change_client", olena)
    assert laf_caseworker.has_perm("clients.change_client", survivor)
