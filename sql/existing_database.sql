-- Serving an existing Prefect database: Prefect keeps its tables (and enum types) in "public".
-- The GUC prefect_filter.schema points the compiled SQL there; prefect's own tables are untouched.
BEGIN;
\set QUIET on
CREATE TYPE public.state_type AS ENUM ('SCHEDULED', 'PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED',
                                       'CRASHED', 'PAUSED', 'CANCELLING');
CREATE TYPE public.deployment_status AS ENUM ('READY', 'NOT_READY');
CREATE TABLE public.flow (LIKE prefect.flow INCLUDING DEFAULTS);
CREATE TABLE public.work_pool (LIKE prefect.work_pool INCLUDING DEFAULTS);
CREATE TABLE public.work_queue (LIKE prefect.work_queue INCLUDING DEFAULTS);
CREATE TABLE public.concurrency_limit_v2 (LIKE prefect.concurrency_limit_v2 INCLUDING DEFAULTS);
CREATE TABLE public.deployment (LIKE prefect.deployment INCLUDING DEFAULTS);
CREATE TABLE public.deployment_schedule (LIKE prefect.deployment_schedule INCLUDING DEFAULTS);
CREATE TABLE public.flow_run (LIKE prefect.flow_run INCLUDING DEFAULTS);
CREATE TABLE public.task_run (LIKE prefect.task_run INCLUDING DEFAULTS);
ALTER TABLE public.flow_run ALTER COLUMN state_type TYPE public.state_type USING state_type::text::public.state_type;
ALTER TABLE public.task_run ALTER COLUMN state_type TYPE public.state_type USING state_type::text::public.state_type;
ALTER TABLE public.deployment ALTER COLUMN status DROP DEFAULT,
    ALTER COLUMN status TYPE public.deployment_status USING status::text::public.deployment_status,
    ALTER COLUMN status SET DEFAULT 'NOT_READY';
\set QUIET off

INSERT INTO public.flow (id, name) VALUES ('0f000000-0000-0000-0000-000000000001', 'public-flow');
INSERT INTO public.deployment (id, name, flow_id, created, updated) VALUES
  ('0d000000-0000-0000-0000-000000000001', 'in-public-a', '0f000000-0000-0000-0000-000000000001',
   '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z'),
  ('0d000000-0000-0000-0000-000000000002', 'in-public-b', '0f000000-0000-0000-0000-000000000001',
   '2024-01-02T00:00:00Z', '2024-01-02T00:00:00Z');
INSERT INTO public.flow_run (id, name, flow_id, deployment_id, state_type) VALUES
  ('1e000000-0000-0000-0000-000000000001', 'run', '0f000000-0000-0000-0000-000000000001',
   '0d000000-0000-0000-0000-000000000002', 'FAILED');
INSERT INTO prefect.flow (id, name) VALUES ('0f000000-0000-0000-0000-000000000009', 'prefect-flow');
INSERT INTO prefect.deployment (id, name, flow_id) VALUES
  ('0d000000-0000-0000-0000-000000000009', 'in-prefect', '0f000000-0000-0000-0000-000000000009');

SELECT json_array_length(prefect.deployments_filter('{}')) AS n, prefect.deployments_filter('{}')::jsonb -> 0 ->> 'name' AS first;
SHOW prefect_filter.schema;          -- empty (the default): the schema is found by itself
SELECT prefect.tables_schema();      -- the extension's own tables are in prefect
SET LOCAL prefect_filter.schema = 'public';
SELECT e->>'name' AS name FROM json_array_elements(prefect.deployments_filter('{}')) e;
SELECT e->>'name' AS name
  FROM json_array_elements(prefect.deployments_filter('{"flow_runs": {"state": {"type": {"any_": ["FAILED"]}}}}')) e;
SELECT prefect.deployments_count('{"flows": {"name": {"any_": ["public-flow"]}}}');
SELECT prefect.deployments_filter_sql('{"flow_runs": {"state": {"type": {"any_": ["FAILED"]}}}}') ->> 'sql' LIKE '%"public"."flow_run" fr%' AS reads_public;
-- a schema that does not exist is an ordinary ERROR, and switching back works
SET LOCAL prefect_filter.schema = 'no_such_schema';
SAVEPOINT s;
SELECT prefect.deployments_count('{}');
ROLLBACK TO SAVEPOINT s;
RESET prefect_filter.schema;
SELECT prefect.deployments_count('{}');
ROLLBACK;
