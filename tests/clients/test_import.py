"""Client import from CSV (issue 5, capability 2): command, service and upload page."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from access import policy
from access.models import ClientGroupObjectPermission
from audit.chain import chain_verify
from audit.models import AuditEvent
from clients.models import Client, ClientMatchKey, IdentityDocument
from tests.factories import UserFactory
from workflows.imports.models import ClientImport, ImportRemark
from workflows.imports.parsing import COLUMNS, ImportFileError
from workflows.imports.services import client_import_run

pytestmark = pytest.mark.django_db

HEADER = ",".join(COLUMNS)


@pytest.fixture(autouse=True)
def jobs_inline(settings):
    """The upload's result is read at once: the import job runs in the request, as
    without a queue (tests/jobs run it through the queue and a worker)."""
    settings.JOBS_INLINE = True


@pytest.fixture
def laf_admin(laf):
    return UserFactory(username="laf.admin", agency=laf, agency__role="agency_admin")


@pytest.fixture
def sozialamt_admin(sozialamt):
    return UserFactory(username="sozialamt.admin", agency=sozialamt, agency__role="agency_admin")


def row(**values: str) -> str:
    defaults = {"family_name": "Shevchenko", "given_names": "Olena"}
    merged = {**defaults, **values}
    return ",".join(merged.get(name, "") for name in COLUMNS)


def csv_bytes(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def run_import(agency, actor, *rows: str, **kwargs) -> ClientImport:
    return client_import_run(
        agency=agency, actor=actor, data=csv_bytes(*rows), file_name="laf.csv", **kwargs
    )


def test_each_birth_date_form_keeps_its_precision(laf, laf_admin):
    forms = {
        "A1": ("1985-07-03", (1985, 7, 3)),
        "A2": ("03.07.1985", (1985, 7, 3)),
        "A3": ("00.07.1985", (1985, 7, None)),
        "A4": ("00.00.1985", (1985, None, None)),
        "A5": ("1985-07", (1985, 7, None)),
        "A6": ("1985", (1985, None, None)),
        "A7": ("", (None, None, None)),
    }
    rows = [row(external_ref=ref, birth_date=text) for ref, (text, _parts) in forms.items()]
    run = run_import(laf, laf_admin, *rows)

    assert run.row_errors == []
    stored = {
        c.external_ref: (c.birth_year, c.birth_month, c.birth_day) for c in Client.objects.all()
    }
    assert stored == {ref: parts for ref, (_text, parts) in forms.items()}


def test_a_file_with_bom_and_semicolons_is_read(laf, laf_admin):
    text = ";".join(COLUMNS) + "\r\n" + ";".join(
        ["B1", "Kovalenko", "Mykola", "Коваленко", "Микола", "1979-01-30", "m", "UKR", "Kyiv",
         "passport", "fa 123-456", "+380 67 1234567", "m@example.org", "Hauptstr. 1", "10115",
         "Berlin"]
    ) + "\r\n"  # fmt: skip
    run = client_import_run(
        agency=laf, actor=laf_admin, data=b"\xef\xbb\xbf" + text.encode(), file_name="x.csv"
    )

    assert (run.rows_total, run.rows_imported, run.row_errors) == (1, 1, [])
    client = Client.objects.get()
    assert client.external_ref == "B1"
    assert client.family_name_original == "Коваленко"
    assert client.sex == "m"
    assert [c.code for c in client.nationalities] == ["UA"]
    assert str(client.phone) == "+380 67 123 4567"
    assert client.postcode == "10115"
    document = client.documents.get()
    assert (document.doc_type, document.number, document.issuing_country.code) == (
        "passport",
        "FA123456",
        "UA",
    )
    assert client.search_name == "kovalenko mykola коваленко микола"
    assert len(client.reference_code) == 11


def test_only_a_row_without_family_name_is_rejected_and_bad_values_become_remarks(laf, laf_admin):
    run = run_import(
        laf,
        laf_admin,
        row(external_ref="G1"),
        row(external_ref="G2", sex="q"),
        row(external_ref="G3", address_postcode="80331", email="zorro-at-example"),
        row(external_ref="G4", birth_date="31.02.1990"),
        row(external_ref="G5", nationality="ZZ"),
        row(external_ref="G6", address_city="Hamburg", address_street="Elbchaussee 1"),
        row(external_ref="G7", family_name=""),
        row(external_ref="G8"),
    )

    imported = {c.external_ref: c for c in Client.objects.all()}
    assert sorted(imported) == ["G1", "G2", "G3", "G4", "G5", "G6", "G8"]
    assert (run.rows_total, run.rows_imported, run.rows_with_remarks) == (8, 7, 5)
    assert (run.rows_imported_clean, run.rows_skipped) == (2, 0)
    errors = {entry["row"]: entry["errors"] for entry in run.row_errors}
    assert sorted(errors) == [8]
    assert [e.split(":")[0] for e in errors[8]] == ["family_name"]
    # The fields the record could not take are empty; the raw values wait as remarks.
    assert imported["G2"].sex == "u"
    assert (imported["G3"].postcode, imported["G3"].email) == ("", "")
    assert imported["G4"].birth_date.year is None
    assert list(imported["G5"].nationalities) == []
    assert (imported["G6"].street, imported["G6"].postcode) == ("", "")
    remarks = {
        (remark.row, remark.column): (remark.reason, remark.value, remark.section)
        for remark in ImportRemark.objects.filter(run=run)
    }
    assert remarks == {
        (3, "sex"): ("sex_unknown_code", "q", "identity"),
        (4, "address_postcode"): ("address_outside_berlin", "80331", "contact"),
        (4, "email"): ("email_invalid", "zorro-at-example", "contact"),
        (5, "birth_date"): ("birth_date_invalid", "31.02.1990", "identity"),
        (6, "nationality"): ("nationality_unknown", "ZZ", "identity"),
        (7, "address_city"): ("address_outside_berlin", "Elbchaussee 1, Hamburg", "contact"),
    }
    # Reasons name the column, never the value; the value is only on the remark.
    assert "zorro" not in str(run.row_errors)
    assert "zorro" not in str(list(AuditEvent.objects.values()))


def test_a_document_the_record_cannot_take_becomes_a_remark_and_the_person_is_imported(
    laf, laf_admin
):
    run = run_import(
        laf,
        laf_admin,
        row(external_ref="D1", nationality="UA", document_type="passport", document_number="12"),
        row(external_ref="D2", nationality="UA", document_type="driving_licence",
            document_number="AB123456"),
        row(external_ref="D3", document_type="passport", document_number="AB123456"),
        row(external_ref="D4", nationality="UA", document_number="AB123456"),
        row(external_ref="D5", nationality="SY", document_type="Reisepass",
            document_number="N0123456"),
        row(external_ref="D6", document_type="ankunftsnachweis", document_number="ANR 4711 0815"),
    )  # fmt: skip

    assert Client.objects.count() == 6 and run.row_errors == []
    assert IdentityDocument.objects.count() == 2
    remarks = {
        remark.row: (remark.column, remark.reason, remark.value, remark.section)
        for remark in ImportRemark.objects.all()
    }
    assert remarks == {
        2: ("document_number", "document_number_invalid", "passport 12", "documents"),
        3: ("document_type", "document_type_unknown", "driving_licence AB123456", "documents"),
        4: ("document_type", "document_no_issuing_country", "passport AB123456", "documents"),
        5: ("document_type", "document_incomplete", "AB123456", "documents"),
    }
    arrival = IdentityDocument.objects.get(client__external_ref="D6")
    assert (arrival.doc_type, arrival.issuing_country.code, arrival.number) == (
        "arrival_certificate",
        "DE",
        "ANR47110815",
    )


def test_a_rerun_skips_rows_already_imported_and_imports_rows_without_ref_again(laf, laf_admin):
    rows = [row(external_ref="R1"), row(external_ref="R2"), row(external_ref="")]
    first = run_import(laf, laf_admin, *rows)
    second = run_import(laf, laf_admin, *rows, row(external_ref="R3"))

    assert (first.rows_imported, first.rows_skipped) == (3, 0)
    assert (second.rows_imported, second.rows_skipped, second.row_errors) == (2, 2, [])
    assert Client.objects.filter(external_ref="R1").count() == 1
    assert Client.objects.filter(external_ref="").count() == 2
    assert Client.objects.count() == 5


def test_the_same_external_ref_at_another_agency_is_its_own_record(laf, laf_admin, sozialamt):
    run_import(laf, laf_admin, row(external_ref="X1"))
    run = run_import(sozialamt, None, row(external_ref="X1"))

    assert run.rows_imported == 1
    assert Client.objects.filter(external_ref="X1").count() == 2


def test_a_repeated_external_ref_in_one_file_is_a_bad_row(laf, laf_admin):
    run = run_import(laf, laf_admin, row(external_ref="E1"), row(external_ref="E1"))

    assert run.rows_imported == 1
    assert [e["row"] for e in run.row_errors] == [3]
    assert run.row_errors[0]["errors"][0].startswith("external_ref:")
    assert "2" in run.row_errors[0]["errors"][0]  # points at the first occurrence


def test_rows_are_written_in_chunks_and_all_are_kept(laf, laf_admin):
    rows = [row(external_ref=f"C{i}", given_names=f"Olena{i}", sex="q") for i in range(7)]
    run = run_import(laf, laf_admin, *rows, row(external_ref="C9", family_name="-"), chunk_size=2)

    assert (run.rows_imported, run.rows_with_remarks, len(run.row_errors)) == (7, 7, 1)
    assert ImportRemark.objects.filter(run=run).count() == 7
    assert run.finished_at is not None
    creates = AuditEvent.objects.filter(action="create", object_type="clients.client")
    assert creates.count() == 4  # chunks of 2, 2, 2, 1


def test_imported_record_is_visible_to_the_agency_and_not_to_another(
    laf, laf_admin, laf_caseworker, sozialamt_caseworker, client
):
    run_import(laf, laf_admin, row(external_ref="V1", family_name="Zzyxkowa"))
    imported = Client.objects.get(external_ref="V1")

    assert list(policy.clients_visible_to(laf_caseworker)) == [imported]
    assert list(policy.clients_visible_to(sozialamt_caseworker)) == []
    assert ClientGroupObjectPermission.objects.get(content_object=imported).expires_on is None
    client.force_login(laf_caseworker)
    response = client.get(reverse("clients:client-detail", args=[imported.pk]))
    assert response.status_code == 200
    assert "ZZYXKOWA" in response.content.decode()
    client.force_login(sozialamt_caseworker)
    assert client.get(reverse("clients:client-detail", args=[imported.pk])).status_code == 404


def test_history_rows_and_blocking_keys_exist(laf, laf_admin):
    run_import(
        laf,
        laf_admin,
        row(external_ref="H1", nationality="UA", document_type="passport",
            document_number="FA123456", birth_date="1985"),
    )  # fmt: skip
    imported = Client.objects.get()

    history = imported.history.get()
    assert (history.history_type, history.history_user, history.family_name) == (
        "+",
        laf_admin,
        "Shevchenko",
    )
    assert imported.documents.get().history.get().history_type == "+"
    keys = set(ClientMatchKey.objects.filter(client=imported).values_list("key", flat=True))
    assert keys
    assert any("FA123456" in key for key in keys)


def test_audit_events_name_the_created_ids_and_the_run(laf, laf_admin):
    run = run_import(
        laf,
        laf_admin,
        row(external_ref="A1", nationality="UA", document_type="passport",
            document_number="FA123456"),
        row(external_ref="A2"),
    )  # fmt: skip
    ids = set(Client.objects.values_list("pk", flat=True))

    created = AuditEvent.objects.get(action="create", object_type="clients.client")
    assert set(created.object_ids) == ids
    assert created.actor == laf_admin
    assert "family_name" in created.fields and "birth_date" in created.fields
    document = AuditEvent.objects.get(action="create", object_type="clients.identitydocument")
    assert document.object_ids == [IdentityDocument.objects.get().pk]
    assert AuditEvent.objects.filter(
        action="create", object_type="imports.clientimport", object_id=str(run.pk)
    ).exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00", "CSV"),  # a workbook
        (b"", "leer"),  # German is the default language
        (b"family_name,given_names\nA,B\n", "external_ref"),
        ("\ufeffx\n".encode("utf-16-le"), "external_ref"),  # UTF-16 is read
    ],
    ids=["not-text", "empty", "missing-columns", "utf16-missing-columns"],
)
def test_an_unreadable_file_is_refused_with_nothing_written(laf, laf_admin, data, message):
    with pytest.raises(ImportFileError, match=message):
        client_import_run(agency=laf, actor=laf_admin, data=data, file_name="x.csv")
    assert Client.objects.count() == 0
    assert ClientImport.objects.count() == 0


def test_an_unclosed_quotation_mark_is_reported_by_line_with_nothing_written(laf, laf_admin):
    rows = [row(external_ref="Q1"), row(external_ref="Q2", family_name='"Kovalenko')]
    data = csv_bytes(*rows, *[row(external_ref=f"Q{i}") for i in range(3, 20_000)])

    with pytest.raises(ImportFileError, match=r"\b3\b"):
        client_import_run(agency=laf, actor=laf_admin, data=data, file_name="x.csv")
    assert Client.objects.count() == 0
    assert ClientImport.objects.count() == 0


def test_the_command_imports_and_reports_bad_rows(laf, tmp_path):
    path = tmp_path / "clients.csv"
    path.write_bytes(
        csv_bytes(
            row(external_ref="K1"),
            row(external_ref="K2", family_name=""),
            row(external_ref="K3", phone="0151 zorro"),
        )
    )
    out = io.StringIO()

    call_command(
        "import_clients", str(path), agency="laf", quiet_progress=True, verbosity=2, stdout=out
    )

    assert "row 3: rejected: family_name:" in out.getvalue()
    assert "row 4: remark: phone:" in out.getvalue()
    assert "zorro" not in out.getvalue()
    assert "2 imported (1 of them with remarks)" in out.getvalue()
    assert "1 rejected" in out.getvalue() and "rows/s" in out.getvalue()
    assert {c.registered_by for c in Client.objects.all()} == {laf}


def test_synthetic_csv_imports_with_only_its_deliberate_errors(laf, sozialamt, tmp_path):
    clean, faulty = tmp_path / "clean.csv", tmp_path / "faulty.csv"
    call_command("synthetic_clients_csv", persons=300, output=clean, seed=3, stdout=io.StringIO())
    call_command(
        "synthetic_clients_csv",
        persons=300,
        output=faulty,
        seed=3,
        with_errors=True,
        semicolon=True,
        stdout=io.StringIO(),
    )
    first = client_import_run(agency=laf, actor=None, data=clean.read_bytes(), file_name="c")
    other = client_import_run(agency=sozialamt, actor=None, data=faulty.read_bytes(), file_name="f")
    again = client_import_run(agency=laf, actor=None, data=faulty.read_bytes(), file_name="f")

    assert first.row_errors == [] and first.rows_with_remarks == 0
    assert first.rows_imported == first.rows_total > 300  # persons plus their duplicates
    assert other.rows_with_remarks  # the deliberately bad values
    assert other.rows_imported == other.rows_total - len(other.row_errors)
    # Only rows without a family name or with a repeated reference are rejected.
    assert {e["errors"][0].split(":")[0] for e in other.row_errors} <= {
        "family_name",
        "external_ref",
    }
    # Rows already held are skipped unchecked; only the repeated reference is reported.
    assert again.rows_imported == 0
    assert all(e["errors"][0].startswith("external_ref:") for e in again.row_errors)


# --- The upload page ------------------------------------------------------------------


def upload(http, content: bytes, name: str = "clients.csv"):
    return http.post(
        reverse("clients:client-import"),
        {"file": SimpleUploadedFile(name, content, content_type="text/csv")},
    )


def test_agency_admin_uploads_a_file_and_sees_counts_and_bad_rows(client, laf, laf_admin):
    client.force_login(laf_admin)
    assert client.get(reverse("clients:client-import")).status_code == 200

    response = upload(
        client,
        csv_bytes(
            row(external_ref="U1"),
            row(external_ref="U2", family_name="NN"),
            row(external_ref="U3", phone="0151 zorro"),
        ),
    )

    run = ClientImport.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("clients:client-import-detail", args=[run.pk])
    page = client.get(response.url).content.decode()
    assert 'data-count="imported">1<' in page
    assert 'data-count="remarks">1<' in page
    assert 'data-count="rejected">1<' in page
    assert "<td>3</td>" in page and "family_name:" in page
    assert '<tr data-row="4"><td>4</td><td>phone:' in page
    assert "zorro" not in page
    u3 = Client.objects.get(external_ref="U3")
    assert reverse("clients:client-detail", args=[u3.pk]) in page
    assert sorted(Client.objects.values_list("external_ref", flat=True)) == ["U1", "U3"]
    assert AuditEvent.objects.filter(
        action="view", object_type="imports.clientimport", object_id=str(run.pk)
    ).exists()
    assert chain_verify()[1] is None  # the chunks' events were appended in order


def test_the_navigation_links_the_import_for_agency_admins_only(client, laf_admin, laf_caseworker):
    client.force_login(laf_admin)
    assert (
        reverse("clients:client-import")
        in client.get(reverse("clients:client-search")).content.decode()
    )
    client.force_login(laf_caseworker)
    assert (
        reverse("clients:client-import")
        not in client.get(reverse("clients:client-search")).content.decode()
    )


def test_an_unreadable_upload_shows_why_and_imports_nothing(client, laf_admin):
    client.force_login(laf_admin)
    response = upload(client, b"family_name\nA\n")

    assert response.status_code == 200
    assert "external_ref" in response.content.decode()
    assert ClientImport.objects.count() == 0


def test_a_file_over_the_size_limit_is_refused(client, laf_admin, monkeypatch):
    monkeypatch.setattr("workflows.imports.forms.MAX_UPLOAD_BYTES", 10)
    client.force_login(laf_admin)
    response = upload(client, csv_bytes(row(external_ref="S1")))

    assert response.status_code == 200
    assert "20 MB" in response.content.decode()
    assert Client.objects.count() == 0


@pytest.mark.parametrize("user", ["laf_caseworker", "laf_supervisor"])
def test_other_roles_are_refused_the_upload_page(client, request, user):
    client.force_login(request.getfixturevalue(user))
    assert client.get(reverse("clients:client-import")).status_code == 403
    assert upload(client, csv_bytes(row(external_ref="S1"))).status_code == 403
    assert Client.objects.count() == 0
    assert AuditEvent.objects.filter(outcome="denied", object_id="clients:client-import").exists()


def test_the_result_page_is_only_for_admins_of_that_agency(
    client, laf, laf_admin, laf_caseworker, sozialamt_admin
):
    run = run_import(laf, laf_admin, row(external_ref="P1", family_name=""))
    url = reverse("clients:client-import-detail", args=[run.pk])

    for other in (sozialamt_admin, laf_caseworker):
        client.force_login(other)
        assert client.get(url).status_code == 404
    assert (
        AuditEvent.objects.filter(
            outcome="denied", object_type="imports.clientimport", object_id=str(run.pk)
        ).count()
        == 2
    )
    client.force_login(sozialamt_admin)
    assert client.get(reverse("clients:client-import")).status_code == 200
    assert url not in client.get(reverse("clients:client-import")).content.decode()


def test_the_result_page_shows_at_most_a_thousand_bad_rows(client, laf, laf_admin, monkeypatch):
    monkeypatch.setattr("web.views.imports.ERRORS_SHOWN", 2)
    rows = [row(external_ref=f"M{i}", family_name="") for i in range(5)]
    run = run_import(laf, laf_admin, *rows)
    client.force_login(laf_admin)

    page = client.get(reverse("clients:client-import-detail", args=[run.pk])).content.decode()

    assert "<td>3</td>" in page and "<td>4</td>" not in page
    assert 'data-count="rejected">5<' in page
    assert 'data-not-shown="3"' in page  # the rows not shown are counted


def test_the_result_page_shows_at_most_a_thousand_rows_with_remarks(
    client, laf, laf_admin, monkeypatch
):
    monkeypatch.setattr("web.views.imports.ERRORS_SHOWN", 2)
    rows = [row(external_ref=f"W{i}", sex="q", email="zorro") for i in range(5)]
    run = run_import(laf, laf_admin, *rows)
    client.force_login(laf_admin)

    page = client.get(reverse("clients:client-import-detail", args=[run.pk])).content.decode()

    assert 'data-row="3"' in page and 'data-row="4"' not in page
    assert 'data-count="remarks">5<' in page
    assert 'data-remarks-not-shown="3"' in page
    assert "sex:" in page and "email:" in page and "zorro" not in page
