"""The audit table, partitioned by month of `occurred_at` in PostgreSQL (docs/scaling.md).

Why: at tens of millions of events the retention purge deleted row by row and every
scan of a time window walked one big table. Now each month is a table of its own
(`audit_auditevent_2026_12`), plus a DEFAULT partition as a safety net for events no
month was created for; the purge drops whole old months and deletes only the rest.

In PostgreSQL the primary key becomes (id, occurred_at), since a partitioned table's
unique keys must contain the partition key; Django keeps `id` as its pk (ids still come
from one sequence, `audit_auditevent_id_seq`, so they still follow the chain). The hash
loses its unique index for the same reason (the chain is its own check). Indexes,
foreign keys, the append-only trigger (0002/0003, with its role argument) and the
table's grants are carried over as they are found; partitions are reached through the
table only (no grants of their own). The rows are copied, then the old table dropped:
the whole step holds the table locked, so appends wait for it (time per million events
measured in docs/scaling.md).

Two functions, owned by the migrating (owner) role:
- `audit_partitions_ensure(months_ahead, since)` creates the months up to
  `months_ahead` after the current one (audit.partitions; anyone may call it, it only
  ever creates empty future months);
- `audit_partition_drop(partition)` detaches and drops one month that ended at least a
  year ago; only the purge role is granted it (docs/roles.sql), and `audit_purge` calls
  it only for months wholly inside the chain prefix it removes.

SQLite (the try-out database) has no partitions: only the hash's unique index goes.
"""

from django.db import migrations, models

TABLE = "audit_auditevent"
OLD = "audit_auditevent_old"

FUNCTIONS = """
CREATE OR REPLACE FUNCTION audit_partitions_ensure(months_ahead integer DEFAULT 2,
                                                   since timestamptz DEFAULT NULL)
RETURNS SETOF text
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public SET timezone = 'UTC' AS $$
DECLARE
    month timestamptz := date_trunc('month', least(coalesce(since, now()), now()));
    last_month timestamptz := date_trunc('month', now()) + make_interval(months => months_ahead);
    part text;
    who oid;
BEGIN
    IF to_regclass('public.audit_auditevent_default') IS NULL THEN
        CREATE TABLE public.audit_auditevent_default PARTITION OF public.audit_auditevent DEFAULT;
        RETURN NEXT 'audit_auditevent_default';
    END IF;
    WHILE month <= last_month LOOP
        part := 'audit_auditevent_' || to_char(month, 'YYYY_MM');
        IF to_regclass('public.' || part) IS NULL THEN
            -- Events that fell into the safety net for this month would violate the new
            -- month's bounds: leave the month to an operator (docs/scaling.md).
            IF EXISTS (SELECT FROM public.audit_auditevent_default
                       WHERE occurred_at >= month AND occurred_at < month + interval '1 month') THEN
                RAISE WARNING 'audit events of % are in the default partition: % not created',
                    to_char(month, 'YYYY-MM'), part;
            ELSE
                EXECUTE format('CREATE TABLE public.%I PARTITION OF public.audit_auditevent '
                               'FOR VALUES FROM (%L) TO (%L)', part, month, month + interval '1 month');
                RETURN NEXT part;
            END IF;
        END IF;
        month := month + interval '1 month';
    END LOOP;
    -- Partitions are reached through the table, whose grants and trigger apply; grants
    -- of their own (default privileges) would let a role truncate a month directly.
    FOR part, who IN
        SELECT c.relname, a.grantee
        FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid, aclexplode(c.relacl) a
        WHERE i.inhparent = 'public.audit_auditevent'::regclass AND a.grantee <> c.relowner
    LOOP
        IF who = 0 THEN
            EXECUTE format('REVOKE ALL ON public.%I FROM PUBLIC', part);
        ELSE
            EXECUTE format('REVOKE ALL ON public.%I FROM %I', part, pg_get_userbyid(who));
        END IF;
    END LOOP;
END;
$$;

CREATE OR REPLACE FUNCTION audit_partition_drop(partition regclass) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public SET timezone = 'UTC' AS $$
DECLARE
    bound text;
    upper_bound timestamptz;
BEGIN
    IF NOT EXISTS (SELECT FROM pg_inherits WHERE inhrelid = partition
                   AND inhparent = 'public.audit_auditevent'::regclass) THEN
        RAISE EXCEPTION '% is not a month of the audit table', partition;
    END IF;
    SELECT pg_get_expr(relpartbound, oid) INTO bound FROM pg_class WHERE oid = partition;
    upper_bound := substring(bound FROM 'TO \\(''([^'']+)''\\)')::timestamptz;
    IF upper_bound IS NULL OR upper_bound > now() - interval '365 days' THEN
        RAISE EXCEPTION 'audit events are kept at least one year (% refused)', partition
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    EXECUTE format('ALTER TABLE public.audit_auditevent DETACH PARTITION %s', partition);
    EXECUTE format('DROP TABLE %s', partition);
END;
$$;
REVOKE ALL ON FUNCTION audit_partition_drop(regclass) FROM PUBLIC;
"""

DROP_FUNCTIONS = """
DROP FUNCTION IF EXISTS audit_partition_drop(regclass);
DROP FUNCTION IF EXISTS audit_partitions_ensure(integer, timestamptz);
"""


_GRANTEES = (
    "SELECT DISTINCT CASE a.grantee WHEN 0 THEN 'PUBLIC' "
    "ELSE quote_ident(pg_get_userbyid(a.grantee)) END "
    "FROM pg_class c, aclexplode(c.relacl) a WHERE c.oid = %s::regclass AND a.grantee <> c.relowner"
)


def _fetch(cursor, sql, params=()):
    cursor.execute(sql, params)
    return cursor.fetchall()


def _rebuild(schema_editor, *, partitioned: bool) -> None:
    """Replace the table by a partitioned one (or back), carrying over rows, sequence,
    indexes, constraints, triggers and grants as the catalogue holds them."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {TABLE} IN ACCESS EXCLUSIVE MODE")
        cursor.execute(f"ALTER TABLE {TABLE} RENAME TO {OLD}")
        (sequence,) = _fetch(cursor, "SELECT pg_get_serial_sequence(%s, 'id')", [OLD])[0]
        cursor.execute(f"ALTER SEQUENCE {sequence} RENAME TO {OLD}_id_seq")
        cursor.execute(f"ALTER TABLE {OLD} RENAME CONSTRAINT {TABLE}_pkey TO {OLD}_pkey")
        (next_id,) = _fetch(cursor, f"SELECT nextval('{OLD}_id_seq')")[0]
        indexes = [
            definition
            for (definition,) in _fetch(
                cursor,
                "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i "
                "WHERE i.indrelid = %s::regclass "
                "AND NOT EXISTS (SELECT FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
                [OLD],
            )
        ]
        constraints = _fetch(
            cursor,
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype IN ('f', 'u', 'c') ORDER BY conname",
            [OLD],
        )
        triggers = [
            definition
            for (definition,) in _fetch(
                cursor,
                "SELECT pg_get_triggerdef(oid) FROM pg_trigger "
                "WHERE tgrelid = %s::regclass AND NOT tgisinternal",
                [OLD],
            )
        ]
        grants = {
            relation: _fetch(
                cursor,
                "SELECT CASE a.grantee WHEN 0 THEN 'PUBLIC' "
                "ELSE quote_ident(pg_get_userbyid(a.grantee)) END, a.privilege_type "
                "FROM pg_class c, aclexplode(c.relacl) a "
                "WHERE c.oid = %s::regclass AND a.grantee <> c.relowner",
                [source],
            )
            for relation, source in ((TABLE, OLD), (f"{TABLE}_id_seq", f"{OLD}_id_seq"))
        }

        partition_by = " PARTITION BY RANGE (occurred_at)" if partitioned else ""
        cursor.execute(
            f"CREATE TABLE {TABLE} (LIKE {OLD} INCLUDING DEFAULTS INCLUDING STORAGE "
            f"INCLUDING COMMENTS){partition_by}"
        )
        cursor.execute(f"ALTER TABLE {TABLE} ALTER COLUMN id DROP DEFAULT")  # the old sequence's
        if partitioned:
            # Identity columns on partitioned tables come with PostgreSQL 17: a sequence.
            cursor.execute(f"CREATE SEQUENCE {TABLE}_id_seq OWNED BY {TABLE}.id")
            cursor.execute(f"ALTER TABLE {TABLE} ALTER COLUMN id SET DEFAULT nextval('{TABLE}_id_seq')")
            cursor.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_pkey PRIMARY KEY (id, occurred_at)")
            cursor.execute(FUNCTIONS)
            cursor.execute(
                f"SELECT audit_partitions_ensure(2, (SELECT min(occurred_at) FROM {OLD}))"
            )
        else:
            cursor.execute(f"ALTER TABLE {TABLE} ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY")
            cursor.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_pkey PRIMARY KEY (id)")
        cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, false)", [TABLE, next_id])
        cursor.execute(f"INSERT INTO {TABLE} SELECT * FROM {OLD}")
        cursor.execute(f"DROP TABLE {OLD}")
        if not partitioned:
            cursor.execute(DROP_FUNCTIONS)

        for definition in indexes:
            definition = definition.replace(" ON ONLY ", " ON ", 1)
            cursor.execute(definition.replace(f".{OLD} ", f".{TABLE} ", 1))
        for name, definition in constraints:
            cursor.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT {name} {definition}")
        for definition in triggers:
            cursor.execute(definition.replace(f".{OLD} ", f".{TABLE} ", 1))
        for relation, entries in grants.items():
            kind = "SEQUENCE " if relation.endswith("_seq") else ""
            # The new relation's grants as the old one's, not as default privileges say.
            for (grantee,) in _fetch(cursor, _GRANTEES, [relation]):
                cursor.execute(f"REVOKE ALL ON {kind}{relation} FROM {grantee}")
            for grantee, privilege in entries:
                cursor.execute(f"GRANT {privilege} ON {kind}{relation} TO {grantee}")
        cursor.execute(f"ANALYZE {TABLE}")


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        _rebuild(schema_editor, partitioned=True)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        _rebuild(schema_editor, partitioned=False)


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_auditevent_action_alert")]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="hash",
            field=models.CharField(max_length=64, verbose_name="hash"),
        ),
        migrations.RunPython(forward, backward),
    ]
