-- Privileges: the functions run as the caller (SECURITY INVOKER) with a pinned search_path.
-- A role with SELECT can call them, a role without gets "permission denied", row-level security
-- policies are honoured, and objects planted in the caller's schemas cannot capture the SQL.
BEGIN;
\i test/data/fixture.sql
\set QUIET on
CREATE ROLE pf_reader NOLOGIN;
CREATE ROLE pf_nobody NOLOGIN;
GRANT USAGE ON SCHEMA prefect TO pf_reader, pf_nobody;
GRANT SELECT ON ALL TABLES IN SCHEMA prefect TO pf_reader;
GRANT CREATE ON SCHEMA public TO pf_reader;
INSERT INTO prefect.csrf_token (token, client, expiration) VALUES ('5ec7e7', 'ui', now() + interval '1 hour');
\set QUIET off

SELECT p.proname, p.prosecdef AS security_definer, p.provolatile, p.proparallel, p.proconfig
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname = 'prefect' AND (p.proname LIKE 'deployments%' OR p.proname = 'csrf_token_for_client')
 ORDER BY 1;

SET LOCAL ROLE pf_reader;
SELECT prefect.deployments_count('{}') AS reader_count, prefect.csrf_token_for_client('ui') AS reader_csrf;
RESET ROLE;

SET LOCAL ROLE pf_nobody;
\set VERBOSITY terse
SAVEPOINT s;
SELECT prefect.deployments_count('{}');
ROLLBACK TO SAVEPOINT s;
SAVEPOINT s;
SELECT prefect.deployments_filter('{}');
ROLLBACK TO SAVEPOINT s;
SAVEPOINT s;
SELECT prefect.csrf_token_for_client('ui');
ROLLBACK TO SAVEPOINT s;
\set VERBOSITY default
RESET ROLE;

-- row-level security on deployment and flow_run applies to the caller
ALTER TABLE prefect.deployment ENABLE ROW LEVEL SECURITY;
ALTER TABLE prefect.flow_run ENABLE ROW LEVEL SECURITY;
CREATE POLICY only_unpaused ON prefect.deployment FOR SELECT TO pf_reader USING (NOT paused);
CREATE POLICY no_failed_runs ON prefect.flow_run FOR SELECT TO pf_reader USING (state_type IS DISTINCT FROM 'FAILED');
SELECT prefect.deployments_count('{}') AS owner_sees,
       prefect.deployments_count('{"flow_runs": {"state": {"type": {"any_": ["FAILED"]}}}}') AS owner_failed;
SET LOCAL ROLE pf_reader;
SELECT prefect.deployments_count('{}') AS reader_sees,
       prefect.deployments_count('{"flow_runs": {"state": {"type": {"any_": ["FAILED"]}}}}') AS reader_failed,
       json_array_length(prefect.deployments_filter('{}')) AS reader_rows,
       prefect.deployments_paginate('{"limit": 2}')::jsonb -> 'count' AS reader_paginate_count;
RESET ROLE;

-- hostile objects in the caller's schemas: a table named like ours, an always-true ILIKE and
-- = operator, a function named like a builtin; none of them is reached by the compiled SQL
SET LOCAL ROLE pf_reader;
CREATE TABLE public.deployment (id uuid, name text);
CREATE FUNCTION public.always_true(varchar, text) RETURNS boolean LANGUAGE sql AS 'SELECT true';
CREATE OPERATOR public.~~* (LEFTARG = varchar, RIGHTARG = text, FUNCTION = public.always_true);
CREATE FUNCTION public.always_true_eq(uuid, uuid) RETURNS boolean LANGUAGE sql AS 'SELECT true';
CREATE OPERATOR public.= (LEFTARG = uuid, RIGHTARG = uuid, FUNCTION = public.always_true_eq);
CREATE FUNCTION public.count(anyelement) RETURNS bigint LANGUAGE sql AS 'SELECT 42::bigint';
CREATE FUNCTION public.always_true_vt(varchar, text) RETURNS boolean LANGUAGE sql AS 'SELECT true';
CREATE OPERATOR public.= (LEFTARG = varchar, RIGHTARG = text, FUNCTION = public.always_true_vt);
CREATE FUNCTION public.always_true_tt(timestamptz, timestamptz) RETURNS boolean LANGUAGE sql AS 'SELECT true';
CREATE OPERATOR public.> (LEFTARG = timestamptz, RIGHTARG = timestamptz, FUNCTION = public.always_true_tt);
CREATE TABLE public.csrf_token (token text, client text, expiration timestamptz);
INSERT INTO public.csrf_token VALUES ('planted', 'nobody', 'infinity');
CREATE TEMP TABLE deployment (id uuid, name text);
SET LOCAL search_path = public, pg_temp, pg_catalog;
SELECT prefect.deployments_count('{"deployments": {"name": {"like_": "zzz-no-match"}}}') AS ilike_not_hijacked,
       prefect.deployments_count('{"deployments": {"id": {"any_": ["0d000000-0000-0000-0000-000000000001"]}}}') AS eq_not_hijacked,
       prefect.deployments_count('{}') AS count_not_hijacked,
       prefect.csrf_token_for_client('nobody') AS csrf_not_hijacked;
RESET ROLE;
ROLLBACK;
