"""Writing the rows of one import chunk: on PostgreSQL with COPY, elsewhere (SQLite, the
try-out database) through the ORM. Both write the same rows: the records with ids
taken from their sequence, one history row each ("+", the importing user, the time of
the chunk) as `simple_history.utils.bulk_create_with_history` writes it, and the
blocking keys `clients.matchkeys.match_keys_write` derives from the records as saved.

Why COPY: the ORM spent about 1 ms a row preparing values of INSERT statements and
building historical and key model instances (27 s of 33 s for 20,000 rows); COPY
takes plain tuples. The caller's transaction makes a chunk all or nothing either way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence

from django.conf import settings
from django.db import connection, models
from phonenumber_field.modelfields import PhoneNumberField
from phonenumber_field.phonenumber import PhoneNumber
from simple_history.utils import bulk_create_with_history

from access.models import ClientGroupObjectPermission
from clients.matchkeys import match_keys_write, match_records
from clients.models import Client, ClientMatchKey, IdentityDocument
from clients.services import match_keys_refresh

# Fields whose Python value PostgreSQL takes as it is (psycopg adapts str, int, bool,
# dates, None): the exact classes, so that a subclass with its own conversion (a country
# or phone field) goes through Django's get_db_prep_save.
_PLAIN_FIELDS = (
    models.AutoField,
    models.BigAutoField,
    models.BigIntegerField,
    models.BooleanField,
    models.CharField,
    models.DateField,
    models.DateTimeField,
    models.EmailField,
    models.ForeignKey,
    models.IntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.SmallIntegerField,
    models.TextField,
)


def use_copy() -> bool:
    return connection.vendor == "postgresql"


def ids_reserve(model: type[models.Model], count: int) -> list[int]:
    """`count` primary keys from the table's sequence, for rows written by COPY."""
    if not count:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, count],
        )
        return [row[0] for row in cursor.fetchall()]


def _converter(field: models.Field) -> Callable | None:
    if type(field) in _PLAIN_FIELDS:
        return None
    if isinstance(field, PhoneNumberField):
        # As its get_prep_value stores a valid number, which checks validity three times
        # (truth value, str(), is_valid()): a tenth of the import's time.
        stored = PhoneNumber.format_map[getattr(settings, "PHONENUMBER_DB_FORMAT", "E164")]

        def phone(value):
            if isinstance(value, PhoneNumber) and value.is_valid():
                return value.format_as(stored)
            return field.get_db_prep_save(value, connection)

        return phone
    return lambda value: field.get_db_prep_save(value, connection)


def _prepared(fields: Sequence[models.Field], objs: Iterable[models.Model]) -> Iterator[list]:
    """Each object's values as PostgreSQL takes them, read from the instance's __dict__
    (a country field's descriptor would build Country objects on every read)."""
    steps = [(field.attname, _converter(field)) for field in fields]
    for obj in objs:
        values = obj.__dict__
        yield [
            values[attname] if convert is None else convert(values[attname])
            for attname, convert in steps
        ]


def copy_rows(
    model: type[models.Model], fields: Sequence[models.Field], rows: Iterable[Sequence]
) -> None:
    """COPY `rows` (one value per field, ready for the database) into the model's table."""
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    sql = f"COPY {table} ({columns}) FROM STDIN"  # noqa: S608 - names from the models
    # The driver's own cursor: its errors raised as Django's (DataError, IntegrityError).
    with connection.wrap_database_errors, connection.cursor() as cursor:
        with cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)


def objects_insert(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    """Insert new objects whose ids nobody needs back (COPY on PostgreSQL)."""
    if not use_copy():
        model.objects.bulk_create(objs, batch_size=5000)
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    copy_rows(model, fields, _prepared(fields, objs))


def objects_copy_with_history(
    model: type[models.Model], objs: Sequence[models.Model], *, user_id: int | None, when
) -> None:
    """COPY new objects whose primary keys are set (`ids_reserve`), and the "+" history
    row of each as simple-history's bulk_history_create writes it: the tracked fields'
    values, the user, the time, no change reason."""
    fields = model._meta.concrete_fields
    rows = list(_prepared(fields, objs))
    copy_rows(model, fields, rows)
    history = model.history.model
    position = {field.attname: index for index, field in enumerate(fields)}
    constants = {
        "history_date": when,
        "history_change_reason": None,
        "history_type": "+",
        "history_user_id": user_id,
    }
    history_fields = [f for f in history._meta.concrete_fields if f.name != "history_id"]
    # Each history column takes the object's value (by its index in a row) or a constant.
    picks = [(position.get(f.attname), constants.get(f.attname)) for f in history_fields]
    unknown = [f.attname for f in history_fields if f.attname not in {*position, *constants}]
    if unknown:  # a history field added by a later simple-history: write it like it does
        raise NotImplementedError(f"history columns not written by COPY: {unknown}")
    copy_rows(
        history,
        history_fields,
        ([constant if index is None else row[index] for index, constant in picks] for row in rows),
    )


class _KeyRows:
    """Stands in for the key model in `clients.matchkeys.match_keys_write` (which takes
    the model as an argument): the keys are derived there, by the one function that
    derives them, and collected here as (client_id, key) rows for COPY."""

    def __init__(self) -> None:
        self.objects = self
        self.rows: list[tuple[int, str]] = []

    def __call__(self, *, client_id: int, key: str) -> tuple[int, str]:
        return (client_id, key)

    def bulk_create(self, rows: Iterable[tuple[int, str]], batch_size: int | None = None):
        self.rows.extend(rows)


def match_keys_copy(client_ids: list[int]) -> None:
    """The blocking keys of new records (which have none yet), as `match_keys_refresh`
    writes them: from the records read back as saved."""
    records = match_records(client_model=Client, document_model=IdentityDocument, ids=client_ids)
    keys = _KeyRows()
    match_keys_write(records=records, key_model=keys)
    fields = [ClientMatchKey._meta.get_field("client"), ClientMatchKey._meta.get_field("key")]
    copy_rows(ClientMatchKey, fields, keys.rows)


def records_write(
    *,
    clients: list[Client],
    documents: list[tuple[int, IdentityDocument]],  # (index into clients, document)
    user,
    when: dt.datetime,
) -> list[IdentityDocument]:
    """Write new records with their documents, history rows and blocking keys. Sets the
    ids on `clients` and on the documents, and returns the documents."""
    for client in clients:
        client.created_at = client.updated_at = when
    for _index, document in documents:
        document.created_at = when
    if not use_copy():
        bulk_create_with_history(clients, Client, default_user=user, default_date=when)
        for index, document in documents:
            document.client_id = clients[index].pk
        saved = bulk_create_with_history(
            [document for _index, document in documents],
            IdentityDocument,
            default_user=user,
            default_date=when,
        )
        match_keys_refresh(clients=clients)
        return saved
    user_id = user.pk if user is not None else None
    for client, pk in zip(clients, ids_reserve(Client, len(clients)), strict=True):
        client.pk = pk
        client._state.adding, client._state.db = False, connection.alias
    objects_copy_with_history(Client, clients, user_id=user_id, when=when)
    saved = [document for _index, document in documents]
    for (index, document), pk in zip(
        documents, ids_reserve(IdentityDocument, len(documents)), strict=True
    ):
        document.pk, document.client_id = pk, clients[index].pk
        document._state.adding, document._state.db = False, connection.alias
    objects_copy_with_history(IdentityDocument, saved, user_id=user_id, when=when)
    match_keys_copy([client.pk for client in clients])
    return saved


class Statistics:
    """Keeps the planner's statistics of the tables an import fills current while it
    runs. A bulk load outdates them faster than autovacuum (once a minute) notices: with
    the statistics of an empty table the planner scans a table of 200,000 records for
    every chunk's lookup by id (measured: 0.17 s instead of 0.04 s a chunk). ANALYZE
    whenever the run has doubled the records there were at the last one (at least a
    chunk's worth): a few times a run, 0.05-0.3 s each."""

    TABLES = (Client, IdentityDocument, ClientMatchKey, ClientGroupObjectPermission)
    MIN_ROWS = 1000

    def __init__(self) -> None:
        self.active = use_copy()
        self.baseline = self._records() if self.active else 0
        self.written = 0

    def _records(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples FROM pg_class WHERE oid = %s::regclass",
                [Client._meta.db_table],
            )
            (estimate,) = cursor.fetchone()
        return max(int(estimate), 0)  # -1: never analyzed

    def written_rows(self, count: int) -> None:
        if not self.active:
            return
        self.written += count
        if self.written < max(self.MIN_ROWS, self.baseline):
            return
        tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in self.TABLES)
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {tables}")
        self.baseline, self.written = self._records(), 0
