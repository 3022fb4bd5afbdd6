-- Database roles of the registration portal (docs/operations.md, "Audit log: anchor,
-- purge role, restore"). Printed by `manage.py audit_roles_sql`; do not edit by hand.
--
-- Run as a superuser in the portal's database, before the first `migrate` and again
-- after every `migrate` (it is idempotent):
--     psql -v ON_ERROR_STOP=1 -d portal -f docs/roles.sql
-- Then give the three roles passwords (\password portal_owner) or certificates.
--
--   portal_owner  owns the database, its tables and the audit trigger; runs `migrate`,
--                 nothing else (an owner can disable triggers and truncate tables).
--   portal_app    the web application and its commands: reads and writes the records;
--                 audit events SELECT and INSERT only.
--   portal_purge  `manage.py audit_purge` only: SELECT, INSERT and DELETE on audit events;
--                 the audit trigger lets DELETE through for this role alone; and the
--                 job tables its worker needs (procrastinate_*, jobs_jobrun).
-- No role is a member of another: a member could SET ROLE portal_purge.

DO $$
DECLARE
    name text;
BEGIN
    FOREACH name IN ARRAY ARRAY['portal_owner', 'portal_app', 'portal_purge'] LOOP
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = name) THEN
            EXECUTE format('CREATE ROLE %I LOGIN', name);
        END IF;
        EXECUTE format(
            'ALTER ROLE %I NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS', name
        );
    END LOOP;
    IF pg_has_role('portal_app', 'portal_purge', 'MEMBER')
        OR pg_has_role('portal_app', 'portal_owner', 'MEMBER')
        OR pg_has_role('portal_purge', 'portal_owner', 'MEMBER') THEN
        RAISE EXCEPTION 'a portal role is a member of another: revoke that membership';
    END IF;

    -- The database and its objects belong to the owner (whoever ran `migrate` before).
    EXECUTE format('ALTER DATABASE %I OWNER TO portal_owner', current_database());
    EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO portal_app, portal_purge', current_database());
    FOR name IN
        SELECT format('%s %I.%I', CASE c.relkind WHEN 'v' THEN 'VIEW'
                                                  WHEN 'm' THEN 'MATERIALIZED VIEW'
                                                  WHEN 'S' THEN 'SEQUENCE'
                                                  ELSE 'TABLE' END,
                      n.nspname, c.relname)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
          AND pg_get_userbyid(c.relowner) <> 'portal_owner'
          -- identity and serial sequences follow their table
          AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i'))
          AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')
    LOOP
        EXECUTE format('ALTER %s OWNER TO portal_owner', name);
    END LOOP;
    FOR name IN
        SELECT p.oid::regprocedure::text
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) <> 'portal_owner'
          AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
    LOOP
        EXECUTE format('ALTER FUNCTION %s OWNER TO portal_owner', name);
    END LOOP;
END
$$;

REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE, CREATE ON SCHEMA public TO portal_owner;
GRANT USAGE ON SCHEMA public TO portal_app, portal_purge;

-- The application: every table, now and as migrations create them.
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO portal_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO portal_app;
ALTER DEFAULT PRIVILEGES FOR ROLE portal_owner IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO portal_app;
ALTER DEFAULT PRIVILEGES FOR ROLE portal_owner IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO portal_app;

-- The audit log (once `migrate` has created it): append-only for the application,
-- deletable by the purge role alone.
DO $$
BEGIN
    IF to_regclass('public.audit_auditevent') IS NULL THEN
        RAISE NOTICE 'audit_auditevent does not exist yet: run this again after migrate';
        RETURN;
    END IF;
    REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON audit_auditevent FROM portal_app, portal_purge;
    GRANT SELECT, INSERT ON audit_auditevent TO portal_app;
    GRANT SELECT, INSERT, DELETE ON audit_auditevent TO portal_purge;
    EXECUTE format(
        'GRANT USAGE ON SEQUENCE %s TO portal_purge', pg_get_serial_sequence('audit_auditevent', 'id')
    );
    CREATE OR REPLACE TRIGGER audit_event_append_only
        BEFORE UPDATE OR DELETE ON audit_auditevent
        FOR EACH ROW EXECUTE FUNCTION audit_event_append_only('portal_purge');
    -- Whole months a year old are dropped by the purge through this function alone
    -- (audit.0005: it runs as the owner and refuses younger months).
    IF to_regprocedure('audit_partition_drop(regclass)') IS NOT NULL THEN
        REVOKE ALL ON FUNCTION audit_partition_drop(regclass) FROM PUBLIC;
        GRANT EXECUTE ON FUNCTION audit_partition_drop(regclass) TO portal_purge;
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
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO portal_purge', name);
    END LOOP;
    FOR name IN
        SELECT format('%I', sequencename) FROM pg_sequences
        WHERE schemaname = 'public'
          AND (left(sequencename, 14) = 'procrastinate_' OR left(sequencename, 12) = 'jobs_jobrun_')
    LOOP
        EXECUTE format('GRANT USAGE, SELECT ON SEQUENCE %s TO portal_purge', name);
    END LOOP;
END
$$;
