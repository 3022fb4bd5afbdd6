"""Import remarks on the record page (issue 10): the importing agency sees the raw value
of what the record could not take, in the sections it sees, and resolves the remark;
nobody else sees it, and no value reaches the audit log."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from access import policy
from access.policy import ClientAccess
from audit.models import AuditEvent
from clients.models import Client
from core.sections import SECTIONS
from tests.factories import UserFactory
from workflows.handover import services as handover_services
from workflows.imports.models import ImportRemark
from workflows.imports.parsing import COLUMNS
from workflows.imports.services import client_import_run

pytestmark = pytest.mark.django_db

# Values no page contains by itself.
PHONE = "0151 Zorrowski"
PLACE = "Quastenhausen, Hamburg"


@pytest.fixture
def laf_admin(laf):
    return UserFactory(username="laf.admin", agency=laf, agency__role="agency_admin")


def import_row(agency, actor, **values) -> Client:
    row = {"external_ref": "R1", "family_name": "Zzyxkowa", "given_names": "Olena", **values}
    text = io.StringIO()
    csv.writer(text).writerows([COLUMNS, [row.get(column, "") for column in COLUMNS]])
    data = text.getvalue().encode()
    client_import_run(agency=agency, actor=actor, data=data, file_name="alt.csv")
    return Client.objects.get(external_ref=row["external_ref"], registered_by=agency)


@pytest.fixture
def person(laf, laf_admin) -> Client:
    """Imported by LAF with two remarks: the phone (contact), the sex code (identity)."""
    return import_row(
        laf, laf_admin, phone=PHONE, sex="7", address_street="Elbchaussee 1", address_city=PLACE
    )


def remark_of(person: Client, column: str) -> ImportRemark:
    return ImportRemark.objects.get(client=person, column=column)


def detail(http, person):
    return http.get(reverse("clients:client-detail", args=[person.pk]))


def resolve(http, person, remark, resolution="corrected"):
    url = reverse("clients:import-remark-resolve", args=[person.pk, remark.pk])
    return http.post(url, {"resolution": resolution})


def test_the_importing_agency_sees_the_raw_values_on_the_record_page(
    client, person, laf_caseworker
):
    client.force_login(laf_caseworker)
    page = detail(client, person).content.decode()

    assert 'id="import-remarks"' in page
    assert PHONE in page and "Elbchaussee 1, Quastenhausen, Hamburg" in page
    resolve_url = reverse(
        "clients:import-remark-resolve", args=[person.pk, remark_of(person, "phone").pk]
    )
    assert resolve_url in page
    # The read is audited, naming the sections whose remarks were shown.
    read = AuditEvent.objects.filter(action="view", object_type="clients.client").latest("pk")
    assert read.object_id == str(person.pk)
    assert {"contact", "identity"} <= set(read.fields)


def test_a_supervisor_reads_the_remarks_without_the_buttons(client, person, laf_supervisor):
    client.force_login(laf_supervisor)
    page = detail(client, person).content.decode()

    assert PHONE in page
    assert 'name="resolution"' not in page


def test_another_agency_never_sees_them_even_with_every_section_handed_over(
    client, person, laf_caseworker, sozialamt, sozialamt_caseworker, consent
):
    grants = handover_services.handover_create(
        actor=laf_caseworker,
        clients=[person],
        agency=sozialamt,
        sections=list(SECTIONS),
        legal_basis=consent,
        purpose="Leistungen nach dem AsylbLG",
    )
    handover_services.handover_decide(
        actor=sozialamt_caseworker, handover_id=grants[0].handover_id, accept=True
    )
    client.force_login(sozialamt_caseworker)

    response = detail(client, person)
    assert response.status_code == 200 and "Zzyxkowa".upper() in response.content.decode()
    assert PHONE not in response.content.decode()
    assert 'id="import-remarks"' not in response.content.decode()
    # Nor can it resolve one: 404, and the attempt is in the log.
    remark = remark_of(person, "phone")
    assert resolve(client, person, remark).status_code == 404
    remark.refresh_from_db()
    assert remark.resolved_at is None and remark.value == PHONE
    assert AuditEvent.objects.filter(
        outcome="denied", object_type="imports.importremark", object_id=str(remark.pk)
    ).exists()


def test_only_remarks_of_sections_the_reader_sees_are_shown(person, laf_caseworker):
    person.access = ClientAccess(frozenset({"identity"}), frozenset())
    remarks = ImportRemark.objects.filter(client=person)

    shown = policy.import_remarks_visible_to(laf_caseworker, person, remarks)

    assert [remark.column for remark in shown] == ["sex"]


def test_a_caseworker_resolves_a_remark_and_its_value_is_erased(client, person, laf_caseworker):
    client.force_login(laf_caseworker)
    remark = remark_of(person, "phone")

    response = resolve(client, person, remark)

    assert response.status_code == 302
    assert response.url.endswith("#import-remarks")
    remark.refresh_from_db()
    assert (remark.resolution, remark.resolved_by, remark.value) == (
        "corrected",
        laf_caseworker,
        "",
    )
    assert remark.resolved_at is not None
    event = AuditEvent.objects.get(action="update", object_type="imports.importremark")
    assert event.object_id == str(remark.pk) and event.actor == laf_caseworker
    # No raw value anywhere in the audit log, from the import to the resolution.
    log = str(list(AuditEvent.objects.values()))
    assert "Zorrowski" not in log and "Quastenhausen" not in log
    page = detail(client, person).content.decode()
    assert PHONE not in page and "Quastenhausen" in page  # the other remark is still open


def test_an_agency_admin_may_dismiss_and_a_supervisor_may_not(
    client, person, laf_admin, laf_supervisor
):
    remark = remark_of(person, "sex")
    client.force_login(laf_supervisor)
    assert resolve(client, person, remark, "dismissed").status_code == 403
    remark.refresh_from_db()
    assert remark.resolved_at is None

    client.force_login(laf_admin)
    assert resolve(client, person, remark, "dismissed").status_code == 302
    remark.refresh_from_db()
    assert (remark.resolution, remark.resolved_by) == ("dismissed", laf_admin)


def test_a_second_click_only_says_it_was_resolved(client, person, laf_caseworker, laf_admin):
    remark = remark_of(person, "phone")
    client.force_login(laf_admin)
    resolve(client, person, remark, "dismissed")
    client.force_login(laf_caseworker)

    response = resolve(client, person, remark, "corrected")

    assert response.status_code == 302
    remark.refresh_from_db()
    assert (remark.resolution, remark.resolved_by) == ("dismissed", laf_admin)
    assert [m.level_tag for m in get_messages(response.wsgi_request)][-1] == "info"


@pytest.mark.parametrize("data", [{}, {"resolution": "forgotten"}])
def test_a_post_without_a_valid_choice_changes_nothing(client, person, laf_caseworker, data):
    client.force_login(laf_caseworker)
    remark = remark_of(person, "phone")
    url = reverse("clients:import-remark-resolve", args=[person.pk, remark.pk])

    response = client.post(url, data)

    assert response.status_code == 302
    remark.refresh_from_db()
    assert remark.resolved_at is None and remark.value == PHONE
    assert [m.level_tag for m in get_messages(response.wsgi_request)] == ["error"]


def test_a_remark_of_another_record_is_404(client, laf, laf_admin, person, laf_caseworker):
    other = import_row(laf, laf_admin, external_ref="R2", email="zorro@")
    client.force_login(laf_caseworker)

    assert resolve(client, person, remark_of(other, "email")).status_code == 404
    assert (
        client.get(
            reverse("clients:import-remark-resolve", args=[person.pk, remark_of(person, "sex").pk])
        ).status_code
        == 405
    )


def test_a_merged_record_is_read_only(person, laf, laf_admin, laf_caseworker):
    survivor = import_row(laf, laf_admin, external_ref="R2")
    Client.objects.filter(pk=person.pk).update(merged_into=survivor)
    person.refresh_from_db()

    assert not policy.may_resolve_import_remark(laf_caseworker, person, remark_of(person, "sex"))


def test_the_record_page_reads_the_remarks_in_one_query(client, laf, laf_admin, laf_caseworker):
    few = import_row(laf, laf_admin, external_ref="F1", sex="7")
    many = import_row(
        laf, laf_admin, external_ref="F2", sex="7", phone="12", email="x@", birth_date="3.7.85"
    )
    client.force_login(laf_caseworker)
    # A first request fills the process's caches (permission ids) and saves the session.
    detail(client, few)
    counts = []
    for record in (few, many):
        with CaptureQueriesContext(connection) as queries:
            assert detail(client, record).status_code == 200
        counts.append([q["sql"][:90] for q in queries.captured_queries])

    assert len(counts[0]) == len(counts[1]), "\n".join(
        f"{a!r:95} {b!r}" for a, b in zip(counts[0], counts[1], strict=False)
    )
