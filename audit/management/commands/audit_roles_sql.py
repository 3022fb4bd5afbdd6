"""Print the SQL that sets up the database roles: owner, application, purge.

`manage.py audit_roles_sql > docs/roles.sql` keeps the reviewed copy in the docs (a test
compares them). Role names are options, for a cluster that names roles its own way.
"""

from __future__ import annotations

import re

from django.core.management.base import BaseCommand, CommandError, CommandParser

_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

TEMPLATE = """\
-- Database roles of the registration portal (docs/operations.md, "Audit log: anchor,
-- purge role, restore"). Printed by `manage.py audit_roles_sql`; do not edit by hand.
--
-- Run as a superuser in the portal's database, before the first `migrate` and again
-- after every `migrate` (it is idempotent):
--     psql -v ON_ERROR_STOP=1 -d portal -f docs/roles.sql
-- Then give the three roles passwords (\\password {owner}) or certificates.
--
--   {owner}  owns the database, its tables and the audit trigger; runs `migrate`,
--                 nothing else (an owner can disable triggers and truncate tables).
--   {app}    the web application and its commands: reads and writes the records;
--                 audit events SELECT and INSERT only.
--   {purge}  `manage.py audit_purge` only: SELECT, INSERT and DELETE on audit events;
--                 the audit trigger lets DELETE through for this role alone; and the
--                 job tables its worker needs (procrastinate_*, jobs_jobrun).
-- No role is a member of another: a member could SET ROLE {purge}.

DO $$
DECLARE
    name text;
BEGIN
    FOREACH name IN ARRAY ARRAY['{owner}', '{app}', '{purge}'] LOOP
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = name) THEN
            EXECUTE format('CREATE ROLE %I LOGIN', name);
        END IF;
        EXECUTE format(
            'ALTER ROLE %I NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS', name
        );
    END LOOP;
    IF pg_has_role('{app}', '{purge}', 'MEMBER')
        OR pg_has_role('{app}', '{owner}', 'MEMBER')
        OR pg_has_role('{purge}', '{owner}', 'MEMBER') THEN
        RAISE EXCEPTION 'a portal role is a member of another: revoke that membership';
    END IF;

    -- The database and its objects belong to the owner (whoever ran `migrate` before).
    EXECUTE format('ALTER DATABASE %I OWNER TO {owner}', current_database());
    EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO {app}, {purge}', current_database());
    FOR name IN
        SELECT format('%s %I.%I', CASE c.relkind WHEN 'v' THEN 'VIEW'
                                                  WHEN 'm' THEN 'MATERIALIZED VIEW'
                                                  WHEN 'S' THEN 'SEQUENCE'
                                                  ELSE 'TABLE' END,
                      n.nspname, c.relname)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
          AND pg_get_userbyid(c.relowner) <> '{owner}'
          -- identity and serial sequences follow their table
          AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i'))
          AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')
    LOOP
        EXECUTE format('ALTER %s OWNER TO {owner}', name);
    END LOOP;
    FOR name IN
        SELECT p.oid::regprocedure::text
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) <> '{owner}'
          AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
    LOOP
        EXECUTE format('ALTER FUNCTION %s OWNER TO {owner}', name);
    END LOOP;
END
$$;

REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE, CREATE ON SCHEMA public TO {owner};
GRANT USAGE ON SCHEMA public TO {app}, {purge};

-- The application: every table, now and as migrations create them.
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {app};
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {app};
ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {app};
ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO {app};

-- The audit log (once `migrate` has created it): append-only for the application,
-- deletable by the purge role alone.
DO $$
BEGIN
    IF to_regclass('public.audit_auditevent') IS NULL THEN
        RAISE NOTICE 'audit_auditevent does not exist yet: run this again after migrate';
        RETURN;
    END IF;
    REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON audit_auditevent FROM {app}, {purge};
    GRANT SELECT, INSERT ON audit_auditevent TO {app};
    GRANT SELECT, INSERT, DELETE ON audit_auditevent TO {purge};
    EXECUTE format(
        'GRANT USAGE ON SEQUENCE %s TO {purge}', pg_get_serial_sequence('audit_auditevent', 'id')
    );
    CREATE OR REPLACE TRIGGER audit_event_append_only
        BEFORE UPDATE OR DELETE ON audit_auditevent
        FOR EACH ROW EXECUTE FUNCTION audit_event_append_only('{purge}');
    -- Whole months a year old are dropped by the purge through this function alone
    -- (audit.0005: it runs as the owner and refuses younger months).
    IF to_regprocedure('audit_partition_drop(regclass)') IS NOT NULL THEN
        REVOKE ALL ON FUNCTION audit_partition_drop(regclass) FROM PUBLIC;
        GRANT EXECUTE ON FUNCTION audit_partition_drop(regclass) TO {purge};
    END IF;
END
$$;

-- The purge runs as a job on a worker of its own connected as the purge role (queue
-- `purge`, docs/operations.md "Background jobs"): it takes its job from procrastinate's
-- tables and records its run in jobs_jobrun, and reads or writes nothing else.
DO $$
DECLARE
    name text;
BEGIN
    FOR name IN
        SELECT format('%I', tablename) FROM pg_tables
        WHERE schemaname = 'public'
          AND (left(tablename, 14) = 'procrastinate_' OR tablename = 'jobs_jobrun')
    LOOP
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO {purge}', name);
    END LOOP;
    FOR name IN
        SELECT format('%I', sequencename) FROM pg_sequences
        WHERE schemaname = 'public'
          AND (left(sequencename, 14) = 'procrastinate_' OR left(sequencename, 12) = 'jobs_jobrun_')
    LOOP
        EXECUTE format('GRANT USAGE, SELECT ON SEQUENCE %s TO {purge}', name);
    END LOOP;
END
$$;
"""


class Command(BaseCommand):
    help = "Print the SQL that creates the owner, application and purge roles with their grants."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--owner", default="portal_owner")
        parser.add_argument("--app", default="portal_app")
        parser.add_argument("--purge", default="portal_purge")

    def handle(self, *args, owner: str, app: str, purge: str, **options) -> None:
        names = {"owner": owner, "app": app, "purge": purge}
        for option, name in names.items():
            if not _NAME.match(name):
                raise CommandError(f"--{option}: a lower-case SQL name, not {name!r}.")
        if len(set(names.values())) != 3:
            raise CommandError("The three roles need three names.")
        self.stdout.write(roles_sql(**names), ending="")


def roles_sql(*, owner: str, app: str, purge: str) -> str:
    return TEMPLATE.format(owner=owner, app=app, purge=purge)
