"""The import's writes (issue 10): COPY on PostgreSQL writes the rows the ORM path writes
(records, history, documents, blocking keys, permission rows, remarks, audit events),
the keys are those `match_keys_refresh` derives, and a crash leaves no half chunk."""

from __future__ import annotations

import pytest
from django.forms.models import model_to_dict

from access.models import ClientGroupObjectPermission
from audit.models import AuditEvent
from clients.models import Client, ClientMatchKey, IdentityDocument
from clients.services import match_keys_refresh
from tests.factories import UserFactory
from tools.synthetic.legacy import legacy_csv, legacy_export
from workflows.imports import writing
from workflows.imports.models import ClientImport, ImportRemark
from workflows.imports.services import client_import_run

# Differ between two imports of the same file by design.
VOLATILE = {"id", "reference_code", "registered_by", "created_at", "updated_at", "search_name"}


@pytest.fixture(scope="module")
def legacy_file() -> bytes:
    return legacy_csv(legacy_export(400, seed=4), encoding="cp1252", semicolon=True)


@pytest.fixture
def laf_admin(laf):
    return UserFactory(username="laf.admin", agency=laf, agency__role="agency_admin")


@pytest.fixture
def sozialamt_admin(sozialamt):
    return UserFactory(username="sozialamt.admin", agency=sozialamt, agency__role="agency_admin")


def written(agency) -> dict[str, dict]:
    """Everything an import wrote for the agency's records, by external_ref, without ids."""
    result = {}
    clients = Client.objects.filter(registered_by=agency).prefetch_related("documents")
    for client in clients:
        fields = {k: v for k, v in model_to_dict(client).items() if k not in VOLATILE}
        histories = [
            (
                h.history_type,
                h.history_user_id,
                h.history_change_reason,
                {k: v for k, v in model_to_dict(h, fields=fields).items() if k not in VOLATILE},
            )
            for h in client.history.all()
        ]
        documents = [
            (d.doc_type, d.number, d.issuing_country.code, d.history.get().history_type)
            for d in client.documents.all()
        ]
        keys = set(ClientMatchKey.objects.filter(client=client).values_list("key", flat=True))
        rows = list(
            ClientGroupObjectPermission.objects.filter(content_object=client).values_list(
                "group_id", "permission__codename", "expires_on"
            )
        )
        remarks = sorted(
            ImportRemark.objects.filter(client=client).values_list(
                "row", "column", "section", "reason", "value", "agency_id"
            )
        )
        result[client.external_ref] = {
            "fields": fields,
            "history": histories,
            "documents": documents,
            "keys": keys,
            "rows": rows,
            "remarks": remarks,
        }
    return result


@pytest.mark.django_db
def test_copy_writes_what_the_orm_writes(
    legacy_file, laf, laf_admin, sozialamt, sozialamt_admin, monkeypatch
):
    by_copy = client_import_run(agency=laf, actor=laf_admin, data=legacy_file, file_name="a")
    with monkeypatch.context() as patch:
        patch.setattr(writing, "use_copy", lambda: False)
        by_orm = client_import_run(
            agency=sozialamt, actor=sozialamt_admin, data=legacy_file, file_name="a"
        )

    copied, created = written(laf), written(sozialamt)
    assert len(copied) == by_copy.rows_imported > 390
    assert by_copy.rows_with_remarks == by_orm.rows_with_remarks > 100
    assert copied.keys() == created.keys()
    for ref, values in copied.items():
        other = created[ref]
        assert values["fields"] == other["fields"], ref
        assert [h[0] for h in values["history"]] == ["+"]
        assert values["history"][0][1] == laf_admin.pk and other["history"][0][1] == (
            sozialamt_admin.pk
        )
        assert values["history"][0][2:] == other["history"][0][2:], ref
        # The history row holds the record as written.
        assert values["history"][0][3] == values["fields"], ref
        assert values["documents"] == other["documents"], ref
        assert values["keys"] == other["keys"] and values["keys"], ref
        assert [r[1:] for r in values["rows"]] == [r[1:] for r in other["rows"]]
        assert [r[1:] for r in values["rows"]] == [("view_client", None)]
        assert [r[:5] for r in values["remarks"]] == [r[:5] for r in other["remarks"]], ref
    creates = {
        agency: list(
            AuditEvent.objects.filter(action="create", agency=agency).values_list(
                "object_type", "fields"
            )
        )
        for agency in (laf, sozialamt)
    }
    assert creates[laf] == creates[sozialamt]


@pytest.mark.django_db
def test_the_keys_written_are_those_match_keys_refresh_writes(legacy_file, laf, laf_admin):
    client_import_run(agency=laf, actor=laf_admin, data=legacy_file, file_name="a")
    keys = set(ClientMatchKey.objects.values_list("client_id", "key"))

    match_keys_refresh(clients=list(Client.objects.all()))

    assert set(ClientMatchKey.objects.values_list("client_id", "key")) == keys


@pytest.mark.django_db(transaction=True)
def test_a_crash_keeps_the_chunks_before_it_whole_and_nothing_of_its_own(
    laf, laf_admin, monkeypatch
):
    data = legacy_csv(legacy_export(5, seed=8))
    original = writing.match_keys_copy
    calls = []

    def crash_in_the_second_chunk(client_ids):
        calls.append(client_ids)
        if len(calls) == 2:
            raise RuntimeError("the database server went away")
        original(client_ids)

    monkeypatch.setattr(writing, "match_keys_copy", crash_in_the_second_chunk)
    with pytest.raises(RuntimeError):
        client_import_run(agency=laf, actor=laf_admin, data=data, file_name="a", chunk_size=2)

    run = ClientImport.objects.get()
    first = set(Client.objects.values_list("pk", flat=True))
    assert len(first) == run.rows_imported == 2 and run.finished_at is None
    assert Client.history.count() == 2
    assert set(ClientMatchKey.objects.values_list("client_id", flat=True)) == first
    assert ClientGroupObjectPermission.objects.count() == 2
    assert set(ImportRemark.objects.values_list("client_id", flat=True)) <= first
    assert set(IdentityDocument.objects.values_list("client_id", flat=True)) <= first
    created = AuditEvent.objects.get(action="create", object_type="clients.client")
    assert set(created.object_ids) == first

    monkeypatch.setattr(writing, "match_keys_copy", original)
    again = client_import_run(agency=laf, actor=laf_admin, data=data, file_name="a", chunk_size=2)

    # The same file continues the stopped run after its last committed row (row 3).
    assert run.last_row == 3
    assert (again.continued_from, again.first_row) == (run, 4)
    assert (again.rows_skipped, again.rows_imported) == (0, 3)
    assert Client.objects.count() == Client.history.count() == 5
    assert ClientMatchKey.objects.values("client_id").distinct().count() == 5
