"""Make the audit table append-only in PostgreSQL, also for the application's own role.

A row trigger rejects UPDATE and DELETE. The one exception is the retention purge
(`manage.py audit_purge`), which deletes old events inside a transaction that sets
`audit.purge = on` and records itself as an audit event. TRUNCATE is not a row event;
the production role must not own the table, so it cannot truncate or drop the trigger.
A GIN index answers "which lists and searches showed this record" (object_ids @> [id]).
SQLite (the try-out database) gets neither: it says so in docs/operations.md.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('audit.purge', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit events are append-only (%% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_event_append_only
    BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();

CREATE INDEX IF NOT EXISTS audit_object_ids_gin
    ON audit_auditevent USING gin (object_ids jsonb_path_ops);
"""

BACKWARD = """
DROP INDEX IF EXISTS audit_object_ids_gin;
DROP TRIGGER IF EXISTS audit_event_append_only ON audit_auditevent;
DROP FUNCTION IF EXISTS audit_event_append_only();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
