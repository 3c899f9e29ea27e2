-- prefect_filter 0.1.0 -> 0.2.0: Prefect's csrf_token table and prefect.csrf_token_for_client(),
-- for the HTTP server's CSRF check; prefect.tables_schema() (where Prefect's tables are, found
-- by itself when prefect_filter.schema is empty, its new default); prefect.recommended_indexes();
-- and, in a database Prefect migrated, no empty copies of Prefect's tables. (0.2.0 also adds the
-- setting prefect_filter.default_limit and the check of Prefect's alembic head, which live in
-- the shared library.) A fresh CREATE EXTENSION prefect_filter
-- runs prefect_filter--0.1.0.sql and then this script; test/upgrade/run.sh checks that an
-- upgraded 0.1.0 database and a fresh one have the same catalogs.
\echo Use "ALTER EXTENSION prefect_filter UPDATE TO '0.2.0'" to load this file. \quit

-- ---------------------------------------------------------------- csrf_token
-- Exactly as Prefect's PostgreSQL migration creates it (PrefectHQ/prefect
-- src/prefect/server/database/_migrations/versions/postgresql/
-- 2024_03_13_111215_7a653837d9ba_create_csrf_token_toble.py; no later migration changes it):
-- same column order, types, NOT NULLs, server defaults, constraint and index names. Prefect's
-- CsrfMiddleware (api/middleware.py) reads the token of the Prefect-Csrf-Client header's client
-- whose expiration is in the future and compares it with the Prefect-Csrf-Token header; Prefect's
-- models.csrf_token.create_or_update_csrf_token writes it with ON CONFLICT (client) DO UPDATE.
CREATE TABLE prefect.csrf_token (
    token      varchar     NOT NULL,                             -- secrets.token_hex(32)
    client     varchar     NOT NULL,                             -- the client id the UI sends (one token per client)
    expiration timestamptz NOT NULL,                             -- now + PREFECT_SERVER_CSRF_TOKEN_EXPIRATION
    id         uuid        NOT NULL DEFAULT gen_random_uuid(),
    created    timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated    timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT pk_csrf_token PRIMARY KEY (id),
    CONSTRAINT uq_csrf_token__client UNIQUE (client)
);
CREATE INDEX ix_csrf_token__updated ON prefect.csrf_token (updated);

-- Its rows are user data like the other tables' (prefect_filter--0.1.0.sql): pg_dump dumps them.
SELECT pg_catalog.pg_extension_config_dump('prefect.csrf_token', '');

-- ---------------------------------------------------------------- tables_schema
-- The schema the filter functions read: prefect_filter.schema when it is set; otherwise
-- "prefect" where the extension's own tables are (a stand-alone database), else "public" when
-- public holds a database Prefect migrated (alembic_version and deployment). The library's own
-- rule (src/pg/tables_schema.cpp), so SQL and C cannot disagree.
CREATE FUNCTION prefect.tables_schema() RETURNS text
    AS 'MODULE_PATHNAME', 'pf_tables_schema'
    LANGUAGE C STABLE PARALLEL SAFE SECURITY INVOKER
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION prefect.tables_schema() IS
    'The schema holding the Prefect tables the filter functions read';

-- ---------------------------------------------------------------- csrf_token_for_client
-- The unexpired token of a client in the csrf_token table of the schema the filter functions
-- read (prefect.tables_schema()), or
-- NULL. The client is a bound parameter and the schema a quoted identifier, so neither can
-- change the statement. It does not compare tokens: the caller compares in constant time, as
-- Prefect's CsrfMiddleware does with hmac.compare_digest. now() is the transaction's start, the
-- same instant for every statement of the caller's transaction (Prefect compares with the
-- server's clock at the time of the query; in autocommit the two agree).
CREATE FUNCTION prefect.csrf_token_for_client(client text) RETURNS text
    LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY INVOKER
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    found_token text;
BEGIN
    EXECUTE format('SELECT t.token FROM %I.csrf_token t WHERE t.client = $1 AND t.expiration > now()',
                   prefect.tables_schema())
       INTO found_token
      USING client;
    RETURN found_token;
END
$fn$;
COMMENT ON FUNCTION prefect.csrf_token_for_client(text) IS
    'The unexpired CSRF token of a client in the csrf_token table of prefect_filter.schema, or NULL';

-- ---------------------------------------------------------------- recommended_indexes
-- The indexes the benchmark justified (README, "Indexes beyond Prefect's") that the tables the
-- functions read do not have yet, as CREATE INDEX CONCURRENTLY statements: on Prefect's live
-- tables they must not block writes, and CONCURRENTLY cannot run inside a function or a
-- transaction, so the operator runs them (psql: SELECT prefect.recommended_indexes() \gexec).
-- The definitions are the stand-alone tables' own (prefect_filter--0.1.0.sql).
CREATE FUNCTION prefect.recommended_indexes() RETURNS SETOF text
    LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY INVOKER
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    s text := prefect.tables_schema();
BEGIN
    IF to_regclass(format('%I.pf_ix_deployment__name_id', s)) IS NULL THEN
        RETURN NEXT format('CREATE INDEX CONCURRENTLY pf_ix_deployment__name_id ON %I.deployment (name, id)', s);
    END IF;
    IF to_regclass(format('%I.pf_ix_flow_run__deployment_id_state_type_start', s)) IS NULL THEN
        RETURN NEXT format('CREATE INDEX CONCURRENTLY pf_ix_flow_run__deployment_id_state_type_start ON %I.flow_run '
                           '(deployment_id, state_type, (COALESCE(start_time, expected_start_time)))', s);
    END IF;
END
$fn$;
COMMENT ON FUNCTION prefect.recommended_indexes() IS
    'CREATE INDEX CONCURRENTLY statements for the benchmark''s indexes missing on the tables the functions read';

-- ---------------------------------------------------------------- Prefect's own database
-- In a database Prefect migrated (public.alembic_version and public.deployment), the tables
-- this extension created in schema prefect would be a second, empty copy of Prefect's schema
-- beside Prefect's own: drop them (when they hold no row), so that prefect.tables_schema()
-- finds Prefect's tables by itself. A fresh CREATE EXTENSION runs prefect_filter--0.1.0.sql and
-- then this script, so there they are created above and dropped here; a 0.1.0 installation
-- whose copies hold rows keeps them (the functions keep reading them).
DO $do$
DECLARE
    copies text[] := ARRAY['task_run', 'flow_run', 'deployment_schedule', 'deployment', 'concurrency_limit_v2',
                           'work_queue', 'work_pool', 'block_document', 'flow', 'csrf_token'];
    t text;
    has_rows boolean;
BEGIN
    IF to_regclass('public.alembic_version') IS NULL OR to_regclass('public.deployment') IS NULL THEN
        RETURN;
    END IF;
    FOREACH t IN ARRAY copies LOOP
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM prefect.%I)', t) INTO has_rows;
        IF has_rows THEN
            RAISE NOTICE 'prefect_filter: prefect.% holds rows; keeping the extension''s tables in schema prefect', t;
            RETURN;
        END IF;
    END LOOP;
    -- one statement: the tables reference each other (flow_run <-> task_run, work_pool <-> work_queue)
    EXECUTE 'DROP TABLE ' || (SELECT string_agg(format('prefect.%I', c), ', ') FROM unnest(copies) c);
    DROP TYPE prefect.state_type, prefect.deployment_status, prefect.work_pool_status, prefect.work_queue_status;
    RAISE NOTICE 'prefect_filter: serving Prefect''s own tables in schema public';
END
$do$;
