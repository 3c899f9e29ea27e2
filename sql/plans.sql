-- Plan shapes of the compiled statements (regression guard for speed): with sequential scans
-- disabled and the planner pinned, each selective filter must be answerable through an index
-- and as a semi-join, and related rows (queue, pool, limit, schedules) come from one index scan
-- per table and page (no per-row statements or subplans). Parameters are inlined as literals
-- here, which is what a custom plan sees.
BEGIN;
\i test/data/fixture.sql
ANALYZE prefect.flow, prefect.deployment, prefect.flow_run, prefect.task_run, prefect.work_queue,
        prefect.work_pool, prefect.deployment_schedule, prefect.concurrency_limit_v2;
SET LOCAL enable_seqscan = off;
SET LOCAL jit = off;
SET LOCAL max_parallel_workers_per_gather = 0;
SET LOCAL random_page_cost = 1.1;
\set QUIET on
CREATE FUNCTION pg_temp.plan(body jsonb, which text DEFAULT 'rows') RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
    compiled jsonb := prefect.deployments_filter_sql(body);
    sql text := compiled->>(CASE WHEN which = 'count' THEN 'count_sql' ELSE 'sql' END);
    params jsonb := compiled->(CASE WHEN which = 'count' THEN 'count_params' ELSE 'params' END);
    p jsonb;
    literal text;
    line text;
BEGIN
    FOR i IN REVERSE jsonb_array_length(params) .. 1 LOOP
        p := params->(i - 1);
        literal := CASE jsonb_typeof(p)
            WHEN 'array' THEN quote_literal(ARRAY(SELECT jsonb_array_elements_text(p))::text)
            ELSE quote_literal(p #>> '{}') END;
        sql := replace(sql, '$' || i || '::', literal || '::');
    END LOOP;
    FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || sql LOOP
        RETURN NEXT line;
    END LOOP;
END $$;
\set QUIET off

-- the default page: the rows themselves in the sort's index order (no filter, the first page;
-- related rows are not read per row: see below)
SELECT * FROM pg_temp.plan('{"limit": 100}');
-- deeper down: the page's ids from the index alone, then one primary-key lookup per row
SELECT * FROM pg_temp.plan('{"limit": 100, "offset": 500}');
-- a sort no index serves (here: the extension's name index dropped, as in a Prefect database
-- without the recommended indexes) sorts the narrow ids, not the wide rows; the sort read from
-- Prefect's own index on created stays direct
SAVEPOINT no_name_index;
DROP INDEX prefect.pf_ix_deployment__name_id;
SELECT * FROM pg_temp.plan('{"limit": 100}');
SELECT * FROM pg_temp.plan('{"limit": 100, "sort": "CREATED_DESC"}');
ROLLBACK TO SAVEPOINT no_name_index;
SELECT * FROM pg_temp.plan('{"limit": 100}');
-- related rows: one load per table for the whole page (the page's keys as one uuid[]), by index,
-- in the generic plan the extension prepares them with
CREATE FUNCTION pg_temp.related_plan(i int) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
    line text;
BEGIN
    EXECUTE 'PREPARE pf_related(uuid[]) AS ' || (prefect.deployments_filter_sql('{}')->'related_sql'->>i);
    FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) EXECUTE pf_related(NULL)' LOOP
        RETURN NEXT line;
    END LOOP;
    DEALLOCATE pf_related;
END $$;
SET LOCAL plan_cache_mode = force_generic_plan;
SELECT * FROM pg_temp.related_plan(0);
SELECT * FROM pg_temp.related_plan(1);
SELECT * FROM pg_temp.related_plan(2);
RESET plan_cache_mode;
-- flow runs by state and time window: the window is one range of the extension's
-- (state_type, start, deployment_id) index, read index-only, then a semi-join
SELECT * FROM pg_temp.plan('{"flow_runs": {"state": {"type": {"any_": ["COMPLETED"]}}, "start_time": {"after_": "2024-04-01T00:00:00Z"}}}', 'count');
-- ... and a page of them: each deployment's probe is one range of the extension's
-- (deployment_id, state_type, start) index
SELECT * FROM pg_temp.plan('{"flow_runs": {"state": {"type": {"any_": ["FAILED", "CRASHED"]}}, "start_time": {"after_": "2024-04-01T00:00:00Z", "before_": "2024-05-01T00:00:00Z"}}, "limit": 10}');
-- task runs by state (one value: `=`, so the index range comes in flow-run order, no sort)
SELECT * FROM pg_temp.plan('{"task_runs": {"state": {"type": {"any_": ["FAILED"]}}}}', 'count');
-- flows by name, work pools by name
SELECT * FROM pg_temp.plan('{"flows": {"name": {"any_": ["etl"]}}}', 'count');
SELECT * FROM pg_temp.plan('{"work_pools": {"name": {"any_": ["k8s-pool"]}}}', 'count');
-- a flows (or work pool/queue) condition is resolved first: deployments_filter_sql shows the resolving statement and,
-- as the value of the page's and the count's parameter, the ids it finds in this snapshot
SELECT r->'resolve' AS resolve,
       (SELECT array_agg(x ORDER BY x) FROM jsonb_array_elements_text(r->'params'->0) x)
         = (SELECT array_agg(id::text ORDER BY id::text) FROM prefect.flow WHERE name ILIKE '%e%') AS page_ids_found,
       jsonb_array_length(r->'params'->0) > 0 AS some_ids,
       r->'count_params'->0 = r->'params'->0 AS count_ids_same
FROM (SELECT prefect.deployments_filter_sql('{"flows": {"name": {"like_": "e"}}}') r) s;
SELECT prefect.deployments_filter_sql('{"flows": {"name": {"like_": "no such flow"}}}')->'params' AS no_flow_no_ids;
SELECT prefect.deployments_filter_sql('{"flows": {}}') ? 'resolve' AS no_condition_resolves;
-- deployments_filter_sql shows each parameter's own value (two timestamps, then LIMIT/OFFSET)
SELECT prefect.deployments_filter_sql('{"flow_runs": {"start_time": {"after_": "2024-01-01T00:00:00Z", "before_": "2024-02-01T00:00:00Z"}}}') -> 'params' AS params,
       prefect.deployments_filter_sql('{"flow_runs": {"start_time": {"after_": "2024-01-01T00:00:00Z", "before_": "2024-02-01T00:00:00Z"}}}') -> 'count_params' AS count_params;
ROLLBACK;
