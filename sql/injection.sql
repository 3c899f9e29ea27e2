-- Injection: hostile strings in every string-valued field reach SQL only as bound parameters.
-- Every call succeeds (or fails validation only where the JSON type is wrong), matching is
-- literal where Prefect's is, and no table changes.
BEGIN;
\i test/data/fixture.sql
\set QUIET on
INSERT INTO prefect.deployment (id, name, flow_id) VALUES
  ('0d000000-0000-0000-0000-0000000000e1', 'O''Brien"; DROP TABLE prefect.flow; -- $1 /* */ \x',
   '0f000000-0000-0000-0000-000000000001');
CREATE TEMP TABLE hostile(s text);
INSERT INTO hostile VALUES ($q$'$q$), ($q$"$q$), ($q$\$q$), ($q$\\$q$), ('$1'), ('$2::text'), (';'), ('--'), ('/*'),
  ('*/'), ('%'), ('_'), ('%_%'), ($q$'); DROP TABLE prefect.flow; --$q$), ('ü✓🚀'), (E'\t\n\r'), (E'\u2028'),
  (repeat('x', 100000)), ($q$\u0000$q$), ('NULL'), ('null'), (''), (' ');
CREATE TEMP TABLE paths(path text[]);
INSERT INTO paths VALUES
  ('{deployments,name,any_}'), ('{deployments,name,like_}'), ('{deployments,flow_or_deployment_name,like_}'),
  ('{deployments,tags,all_}'), ('{deployments,tags,any_}'), ('{deployments,work_queue_name,any_}'),
  ('{flows,name,any_}'), ('{flows,name,like_}'), ('{flows,tags,all_}'),
  ('{flow_runs,name,any_}'), ('{flow_runs,name,like_}'), ('{flow_runs,tags,all_}'), ('{flow_runs,tags,any_}'),
  ('{flow_runs,work_queue_name,any_}'), ('{flow_runs,state,name,any_}'), ('{flow_runs,state,name,not_any_}'),
  ('{flow_runs,flow_version,any_}'), ('{flow_runs,idempotency_key,any_}'), ('{flow_runs,idempotency_key,not_any_}'),
  ('{flow_runs,created_by,type_}'), ('{task_runs,name,any_}'), ('{task_runs,name,like_}'), ('{task_runs,tags,all_}'),
  ('{task_runs,state,name,any_}'), ('{work_pools,name,any_}'), ('{work_pools,type,any_}'),
  ('{work_pool_queues,name,any_}'), ('{work_pool_queues,name,startswith_}');
CREATE FUNCTION pg_temp.snapshot() RETURNS text LANGUAGE sql AS $$
  SELECT md5(string_agg(t, '|' ORDER BY t)) FROM (
    SELECT 'flow' || f::text AS t FROM prefect.flow f UNION ALL SELECT 'dep' || d::text FROM prefect.deployment d
    UNION ALL SELECT 'fr' || r::text FROM prefect.flow_run r UNION ALL SELECT 'tr' || r::text FROM prefect.task_run r
    UNION ALL SELECT 'wq' || q::text FROM prefect.work_queue q UNION ALL SELECT 'wp' || p::text FROM prefect.work_pool p
    UNION ALL SELECT 's' || s::text FROM prefect.deployment_schedule s) x $$;
CREATE TEMP TABLE before AS SELECT pg_temp.snapshot() AS h;
\set QUIET off

DO $$
DECLARE
    h record;
    p record;
    body jsonb;
    value jsonb;
    calls int := 0;
BEGIN
    FOR h IN SELECT s FROM hostile LOOP
        FOR p IN SELECT path FROM paths LOOP
            value := CASE WHEN p.path[array_length(p.path, 1)] = 'like_' THEN to_jsonb(h.s)
                          ELSE jsonb_build_array(h.s) END;
            body := jsonb_set('{}'::jsonb, p.path[1:1], '{}'::jsonb);
            IF array_length(p.path, 1) = 4 THEN
                body := jsonb_set(body, p.path[1:2], '{}'::jsonb);
            END IF;
            body := jsonb_set(body, p.path[1:array_length(p.path, 1) - 1], '{}'::jsonb);
            body := jsonb_set(body, p.path, value);
            PERFORM prefect.deployments_filter(body);
            PERFORM prefect.deployments_count(body);
            PERFORM prefect.deployments_paginate(body);
            calls := calls + 3;
        END LOOP;
    END LOOP;
    RAISE NOTICE 'hostile calls without error: %', calls;
END $$;

SELECT pg_temp.snapshot() = h AS no_table_changed FROM before;
-- literal matches where Prefect's are literal (= ANY), wildcards where Prefect's are (ILIKE)
SELECT e->>'name' AS found FROM json_array_elements(prefect.deployments_filter(
  jsonb_build_object('deployments', jsonb_build_object('name', jsonb_build_object('any_',
    jsonb_build_array('O''Brien"; DROP TABLE prefect.flow; -- $1 /* */ \x')))))) e;
SELECT e->>'name' AS found FROM json_array_elements(prefect.deployments_filter(
  '{"deployments": {"name": {"like_": "brien\"; drop table"}}}')) e;
SELECT prefect.deployments_count('{"deployments": {"name": {"like_": "%"}}}') AS percent_matches_all,
       prefect.deployments_count('{"deployments": {"name": {"like_": "$1"}}}') AS dollar_one_literal;
ROLLBACK;
