"""Matching records read from the database, and their stored blocking and search keys.

One place turns client rows into `MatchRecord`s (flat `values()` rows, no model
instances: 100k records in seconds): the intake check, the batch report, the services
that keep a record's keys current and the rebuild of all keys (the data migration that
introduced them, `manage.py rebuild_match_keys` after the matcher's keys change). The
models are arguments so that a migration can pass historical ones.
"""

from __future__ import annotations

from core.dates import PartialDate
from core.identity.score import MatchRecord
from core.identity.search import search_keys

BATCH = 2000
# The Client columns a MatchRecord is built from.
MATCH_FIELDS = (
    "pk", "family_name", "given_names", "birth_name", "former_names", "family_name_original",
    "given_names_original", "sex", "birth_year", "birth_month", "birth_day", "nationalities",
    "household_id", "street", "postcode", "external_ref",
)  # fmt: skip


# The names of a record merged into another, which stay findable on the survivor.
_MERGED_NAME_FIELDS = (
    "merged_into_id", "family_name", "given_names", "family_name_original",
    "given_names_original", "birth_name",
)  # fmt: skip


def match_records(*, client_model, document_model, ids=None) -> list[MatchRecord]:
    """Unmerged records (those of `ids`, or all), in id order. Merged records are left
    out: they are never proposed again; their names count as other spellings of the
    record they were merged into."""
    clients = client_model.objects.filter(merged_into__isnull=True)
    numbers = document_model.objects.values_list("client_id", "number")
    merged = client_model.objects.filter(merged_into__isnull=False)
    if ids is not None:
        ids = list(ids)
        clients, numbers = clients.filter(pk__in=ids), numbers.filter(client_id__in=ids)
        merged = merged.filter(merged_into_id__in=ids)
    documents: dict[int, list[str]] = {}
    for client_id, number in numbers:
        documents.setdefault(client_id, []).append(number)
    other_names: dict[int, list[tuple[str, str, str, str, str]]] = {}
    for row in merged.values_list(*_MERGED_NAME_FIELDS):
        other_names.setdefault(row[0], []).append(row[1:])
    rows = clients.order_by("pk").values(*MATCH_FIELDS)
    return [
        MatchRecord(
            id=row["pk"],
            family_name=row["family_name"],
            given_names=row["given_names"],
            birth_name=row["birth_name"],
            former_names=row["former_names"],
            family_name_original=row["family_name_original"],
            given_names_original=row["given_names_original"],
            sex=row["sex"],
            birth=PartialDate(row["birth_year"], row["birth_month"], row["birth_day"]),
            nationalities=_codes(row["nationalities"]),
            documents=tuple(documents.get(row["pk"], ())),
            household_id=row["household_id"],
            street=row["street"],
            postcode=row["postcode"],
            external_ref=row["external_ref"],
            other_names=tuple(other_names.get(row["pk"], ())),
        )
        for row in (rows.iterator(5000) if ids is None else rows)
    ]


def _codes(stored) -> tuple[str, ...]:
    # `.values()` bypasses django-countries' descriptor: a multiple CountryField arrives as
    # its stored text "UA,PL", which iterated gave single letters ("U", "A").
    if isinstance(stored, str):
        return tuple(code for code in stored.split(",") if code)
    return tuple(str(code) for code in stored or ())


def match_keys_write(*, records: list[MatchRecord], key_model) -> None:
    """Insert the blocking and search keys of `records` (whose old keys are gone)."""
    key_model.objects.bulk_create(
        (
            key_model(client_id=record.id, key=key)
            for record in records
            for key in dict.fromkeys(
                k[:64] for k in (*record.blocking_keys(), *search_keys(record))
            )
        ),
        batch_size=5000,
    )


def match_keys_rebuild(*, client_model, document_model, key_model) -> int:
    """Rewrite the keys of all unmerged records; returns how many records have keys."""
    key_model.objects.all().delete()
    ids = list(
        client_model.objects.filter(merged_into__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for start in range(0, len(ids), BATCH):
        records = match_records(
            client_model=client_model, document_model=document_model, ids=ids[start : start + BATCH]
        )
        match_keys_write(records=records, key_model=key_model)
    return len(ids)
