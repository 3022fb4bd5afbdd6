"""Only the purge role may delete audit events; re-anchoring the chain is an action.

Before, the trigger let DELETE through in any transaction that set `audit.purge = on`:
a session setting the application's own role can set, so no control. Now DELETE is
allowed only when `current_user` is the role named as the trigger's argument
(`portal_purge`), which the application's role is neither nor a member of
(docs/roles.sql; the retention purge runs with that role's DATABASE_URL). UPDATE stays
refused for everyone. SQLite (the try-out database) has no trigger.
"""

from django.db import migrations, models

PURGE_ROLE = "portal_purge"

FORWARD = f"""
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
    -- TG_ARGV[0]: the one role that may delete (the retention purge).
    IF TG_OP = 'DELETE' AND TG_NARGS > 0 AND current_user::text = TG_ARGV[0] THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit events are append-only (%% refused for %%)', TG_OP, current_user
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS audit_event_append_only ON audit_auditevent;
CREATE TRIGGER audit_event_append_only
    BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only('{PURGE_ROLE}');
"""

# As migration 0002 left them.
BACKWARD = """
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('audit.purge', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit events are append-only (%% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS audit_event_append_only ON audit_auditevent;
CREATE TRIGGER audit_event_append_only
    BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_trigger_and_indexes")]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="action",
            field=models.CharField(
                choices=[
                    ("view", "view"),
                    ("search", "search"),
                    ("export", "export"),
                    ("create", "create"),
                    ("update", "update"),
                    ("delete", "delete"),
                    ("share", "hand over"),
                    ("accept", "accept handover"),
                    ("decline", "decline"),
                    ("revoke", "revoke"),
                    ("request", "request access"),
                    ("approve", "approve request"),
                    ("merge", "merge"),
                    ("login", "login"),
                    ("login_failed", "failed login"),
                    ("logout", "logout"),
                    ("permission_change", "permission change"),
                    ("purge", "retention purge"),
                    ("reanchor", "chain re-anchored"),
                ],
                max_length=24,
                verbose_name="action",
            ),
        ),
        migrations.RunPython(forward, backward),
    ]
