-- prefect_filter 0.3.0 -> 0.4.0: indexes for flow-run windows and task-run states read once,
-- lz4 for the wide jsonb columns of the stand-alone deployment table, and
-- prefect.recommended_indexes() listing all four indexes for Prefect's own tables.
-- Also prefect.render_cache_stats() for the new per-session cache of rendered rows.
\echo Use "ALTER EXTENSION prefect_filter UPDATE TO '0.4.0'" to load this file. \quit

-- ---------------------------------------------------------------- the stand-alone tables
-- Only where this extension's own tables are in schema prefect: in a database Prefect migrated,
-- 0.2.0 dropped them and the operator creates the indexes on Prefect's tables with
-- prefect.recommended_indexes() (CONCURRENTLY, outside a transaction).
DO $do$
BEGIN
    IF to_regclass('prefect.flow_run') IS NULL THEN
        RETURN;
    END IF;
    -- A flow-run filter with a state and a start-time window (the UI's "failed in the last 7
    -- days"): the window is one range of this index, read once, index-only (the two columns
    -- under the COALESCE are included so that the planner may skip the heap), instead of a probe
    -- of (deployment_id, state_type, start) per deployment. On bench dataset M, a count of
    -- FAILED runs in a 7-day window took 37.6 ms in the server before and 19.3 ms after.
    CREATE INDEX pf_ix_flow_run__state_type_start_deployment_id ON prefect.flow_run
        (state_type, (COALESCE(start_time, expected_start_time)), deployment_id)
        INCLUDE (start_time, expected_start_time);
    -- A task-run state filter: the matching task runs' flow runs, index-only, instead of a
    -- bitmap over ix_task_run__state_type and the task_run heap.
    CREATE INDEX pf_ix_task_run__state_type_flow_run_id ON prefect.task_run (state_type, flow_run_id);

    -- Every page decompresses these columns of each row it renders; lz4 decompresses several
    -- times faster than pglz (PostgreSQL's default). Values written from now on use it; stored
    -- ones keep pglz until they are rewritten. Only when the server was built with lz4.
    IF EXISTS (SELECT FROM pg_catalog.pg_settings
                WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN
        ALTER TABLE prefect.deployment
            ALTER COLUMN parameter_openapi_schema SET COMPRESSION lz4,
            ALTER COLUMN parameters SET COMPRESSION lz4,
            ALTER COLUMN infra_overrides SET COMPRESSION lz4,
            ALTER COLUMN pull_steps SET COMPRESSION lz4;
    END IF;
END
$do$;

-- ---------------------------------------------------------------- recommended_indexes
-- As in 0.2.0, with the two indexes above. The definitions are the stand-alone tables' own.
CREATE OR REPLACE FUNCTION prefect.recommended_indexes() RETURNS SETOF text
    LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY INVOKER
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    s text := prefect.tables_schema();
    wanted text[][] := ARRAY[
        ['pf_ix_deployment__name_id', 'deployment (name, id)'],
        ['pf_ix_flow_run__deployment_id_state_type_start',
         'flow_run (deployment_id, state_type, (COALESCE(start_time, expected_start_time)))'],
        ['pf_ix_flow_run__state_type_start_deployment_id',
         'flow_run (state_type, (COALESCE(start_time, expected_start_time)), deployment_id) '
         'INCLUDE (start_time, expected_start_time)'],
        ['pf_ix_task_run__state_type_flow_run_id', 'task_run (state_type, flow_run_id)']];
BEGIN
    FOR i IN 1 .. array_length(wanted, 1) LOOP
        IF to_regclass(format('%I.%I', s, wanted[i][1])) IS NULL THEN
            RETURN NEXT format('CREATE INDEX CONCURRENTLY %I ON %I.%s', wanted[i][1], s, wanted[i][2]);
        END IF;
    END LOOP;
END
$fn$;

-- ---------------------------------------------------------------- render_cache_stats
-- This session's cache of rendered deployments (prefect_filter.render_cache_size): its size
-- limit, bytes and entries held, and its hits, misses and evictions since the session began.
CREATE FUNCTION prefect.render_cache_stats() RETURNS json
    AS 'MODULE_PATHNAME', 'pf_render_cache_stats'
    LANGUAGE C VOLATILE PARALLEL RESTRICTED SECURITY INVOKER
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION prefect.render_cache_stats() IS
    'This session''s cache of rendered deployments: size_limit_bytes, bytes, entries, hits, misses, evictions';
