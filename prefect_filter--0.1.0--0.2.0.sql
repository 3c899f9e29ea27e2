-- prefect_filter 0.1.0 -> 0.2.0: Prefect's csrf_token table and prefect.csrf_token_for_client(),
-- for the HTTP server's CSRF check. (0.2.0 also adds the setting prefect_filter.default_limit,
-- which lives in the shared library and needs no SQL.) A fresh CREATE EXTENSION prefect_filter
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

-- ---------------------------------------------------------------- csrf_token_for_client
-- The unexpired token of a client in the csrf_token table of the schema the filter functions
-- read (prefect_filter.schema, resolved as src/pg does: unset or empty means "prefect"), or
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
                   coalesce(nullif(current_setting('prefect_filter.schema', true), ''), 'prefect'))
       INTO found_token
      USING client;
    RETURN found_token;
END
$fn$;
COMMENT ON FUNCTION prefect.csrf_token_for_client(text) IS
    'The unexpired CSRF token of a client in the csrf_token table of prefect_filter.schema, or NULL';
