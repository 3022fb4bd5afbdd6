"""Rebuilding the stored blocking keys of every record in batches (the data migration
that introduced them, and `manage.py rebuild_match_keys` after the matcher's keys
change). Takes the models as arguments so that a migration can pass historical ones;
the services keep single records current (clients.services.match_keys_refresh)."""

from __future__ import annotations

from clients.dates import PartialDate
from clients.matching.score import MatchRecord

BATCH = 2000
# The Client columns a MatchRecord is built from (values() rows, no model instances).
MATCH_FIELDS = (
    "pk", "family_name", "given_names", "birth_name", "former_names", "family_name_original",
    "given_names_original", "sex", "birth_year", "birth_month", "birth_day", "nationalities",
    "household_id", "street", "postcode",
)  # fmt: skip


def match_record_from_row(row: dict, documents: dict[int, list[str]]) -> MatchRecord:
    """A MatchRecord from a `values(*MATCH_FIELDS)` row and document numbers by client id."""
    return MatchRecord(
        id=row["pk"],
        family_name=row["family_name"],
        given_names=row["given_names"],
        birth_name=row["birth_name"],
        former_names=row["former_names"],
        family_name_original=row["family_name_original"],
        given_names_original=row["given_names_original"],
        sex=row["sex"],
        birth=PartialDate(row["birth_year"], row["birth_month"], row["birth_day"]),
        nationalities=tuple(str(code) for code in row["nationalities"] or ()),
        documents=tuple(documents.get(row["pk"], ())),
        household_id=row["household_id"],
        street=row["street"],
        postcode=row["postcode"],
    )


def document_numbers(document_model, client_ids: list[int] | None) -> dict[int, list[str]]:
    """Document numbers by client id (of `client_ids`, or of all records)."""
    numbers = document_model.objects.values_list("client_id", "number")
    if client_ids is not None:
        numbers = numbers.filter(client_id__in=client_ids)
    documents: dict[int, list[str]] = {}
    for client_id, number in numbers:
        documents.setdefault(client_id, []).append(number)
    return documents


def match_keys_rebuild(*, client_model, document_model, key_model) -> int:
    """Rewrite the keys of all unmerged records; returns how many records have keys."""
    key_model.objects.all().delete()
    ids = list(
        client_model.objects.filter(merged_into__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        documents = document_numbers(document_model, batch)
        rows = client_model.objects.filter(pk__in=batch).values(*MATCH_FIELDS)
        key_model.objects.bulk_create(
            (
                key_model(client_id=row["pk"], key=key)
                for row in rows
                for key in dict.fromkeys(
                    k[:64] for k in match_record_from_row(row, documents).blocking_keys()
                )
            ),
            batch_size=5000,
        )
    return len(ids)
