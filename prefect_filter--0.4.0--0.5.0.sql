-- prefect_filter 0.4.0 -> 0.5.0: an index on flow_run (deployment_id, id), for the task-run
-- sub-filter's probe of each deployment's flow runs, and prefect.recommended_indexes() listing
-- it with the four before.
\echo Use "ALTER EXTENSION prefect_filter UPDATE TO '0.5.0'" to load this file. \quit

-- ---------------------------------------------------------------- the stand-alone tables
-- Only where this extension's own tables are in schema prefect (as in 0.4.0): in a database
-- Prefect migrated, the operator creates it on Prefect's table with prefect.recommended_indexes().
DO $do$
BEGIN
    IF to_regclass('prefect.flow_run') IS NULL THEN
        RETURN;
    END IF;
    -- A task-run filter (e.g. task runs FAILED) is an EXISTS over each deployment's flow runs
    -- and, per flow run, its task runs. Read index-only from here, a deployment's flow runs cost
    -- the planner a short range instead of a bitmap over ix_flow_run__deployment_id and the heap,
    -- so an unselective filter's page walks the deployments in page order and stops at the page's
    -- end, instead of joining every matching task run's flow run (doc/design.md, "Plans"). On
    -- dataset L (5 M flow runs, 10 M task runs) the page of deployments with a FAILED task run
    -- took 0.9-1.2 s before and 7-13 ms after, in the server.
    CREATE INDEX pf_ix_flow_run__deployment_id_id ON prefect.flow_run (deployment_id, id);
END
$do$;

-- ---------------------------------------------------------------- recommended_indexes
-- As in 0.4.0, with the index above.
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
        ['pf_ix_task_run__state_type_flow_run_id', 'task_run (state_type, flow_run_id)'],
        ['pf_ix_flow_run__deployment_id_id', 'flow_run (deployment_id, id)']];
BEGIN
    FOR i IN 1 .. array_length(wanted, 1) LOOP
        IF to_regclass(format('%I.%I', s, wanted[i][1])) IS NULL THEN
            RETURN NEXT format('CREATE INDEX CONCURRENTLY %I ON %I.%s', wanted[i][1], s, wanted[i][2]);
        END IF;
    END LOOP;
END
$fn$;
