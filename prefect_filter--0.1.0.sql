-- prefect_filter 0.1.0: Prefect's server tables (as in Prefect's PostgreSQL schema) and the
-- filter functions of POST /api/deployments/filter, /count and /paginate.
\echo Use "CREATE EXTENSION prefect_filter" to load this file. \quit

-- =============================================================================================
-- Part 1: Prefect's tables, enum types and indexes.
-- Reference: PrefectHQ/prefect src/prefect/server/database/orm_models.py and the PostgreSQL
-- migrations in src/prefect/server/database/_migrations/versions/postgresql/ (end state at
-- ce79dd3d6cfa, 3.8.4.dev6). Names, types, NOT NULLs, server defaults, keys and indexes match
-- what Prefect's migrations create, so an INSERT written for Prefect's database works here.
-- Checked by replaying all 116 PostgreSQL migrations (alembic upgrade head) into a scratch
-- database and diffing the catalogs. Columns are declared in the physical order the migrations
-- leave them in (ADD COLUMN appends), so INSERT ... VALUES without a column list, COPY without
-- one and pg_dump --inserts output from a Prefect database load unchanged.
-- Left out on purpose: tables outside this endpoint, so the FKs block_document -> block_type /
-- block_schema and flow_run.state_id -> flow_run_state are not declared (the columns are).
-- =============================================================================================

-- ---------------------------------------------------------------- enum types
-- Label order = order in which Prefect created/added them (ALTER TYPE ... ADD VALUE).
CREATE TYPE prefect.state_type AS ENUM (
    'SCHEDULED', 'PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED',
    'CRASHED',      -- added 2022-07
    'PAUSED',       -- added 2022-11
    'CANCELLING'    -- added 2023-01
);
CREATE TYPE prefect.deployment_status AS ENUM ('READY', 'NOT_READY');
CREATE TYPE prefect.work_pool_status  AS ENUM ('READY', 'NOT_READY', 'PAUSED');
CREATE TYPE prefect.work_queue_status AS ENUM ('READY', 'NOT_READY', 'PAUSED');

-- ---------------------------------------------------------------- flow
CREATE TABLE prefect.flow (
    id       uuid                     NOT NULL DEFAULT gen_random_uuid(),  -- [F][J] flows.id
    created  timestamptz              NOT NULL DEFAULT CURRENT_TIMESTAMP,   -- [-]
    updated  timestamptz              NOT NULL DEFAULT CURRENT_TIMESTAMP,   -- [-]
    name     varchar                  NOT NULL,                             -- [F] flows.name, deployments.flow_or_deployment_name
    tags     jsonb                    NOT NULL DEFAULT '[]',                -- [F] flows.tags (JSON array of strings)
    labels   jsonb,                                                         -- [-] (no labels filter exists)
    CONSTRAINT pk_flow PRIMARY KEY (id),
    CONSTRAINT uq_flow__name UNIQUE (name)
);
CREATE INDEX ix_flow__created   ON prefect.flow (created);
CREATE INDEX ix_flow__updated   ON prefect.flow (updated);

-- ---------------------------------------------------------------- block_document (subset)
CREATE TABLE prefect.block_document (
    id               uuid        NOT NULL DEFAULT gen_random_uuid(),   -- [J] FK target only
    created          timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated          timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
    name             varchar     NOT NULL,
    data             jsonb       NOT NULL DEFAULT '{}',
    block_schema_id  uuid        NOT NULL,   -- real schema: FK fk_block__block_schema_id__block_schema ON DELETE CASCADE (omitted)
    block_type_id    uuid        NOT NULL,   -- real schema: FK fk_block_document__block_type_id__block_type ON DELETE CASCADE (omitted)
    is_anonymous     boolean     NOT NULL DEFAULT false,
    block_type_name  varchar,
    CONSTRAINT pk_block_document PRIMARY KEY (id)
);
CREATE UNIQUE INDEX uq_block__type_id_name ON prefect.block_document (block_type_id, name);
CREATE INDEX ix_block_document__block_type_name__name ON prefect.block_document (block_type_name, name);
CREATE INDEX ix_block_document__is_anonymous ON prefect.block_document (is_anonymous);
CREATE INDEX ix_block_document__name         ON prefect.block_document (name);
CREATE INDEX ix_block_document__updated      ON prefect.block_document (updated);

-- ---------------------------------------------------------------- work_pool
CREATE TABLE prefect.work_pool (
    id                          uuid        NOT NULL DEFAULT gen_random_uuid(), -- [F] work_pools.id; [J]
    created                     timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated                     timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
    name                        varchar     NOT NULL,                            -- [F] work_pools.name; [R] work_pool_name
    description                 varchar,
    type                        varchar     NOT NULL,                            -- [F] work_pools.type
    base_job_template           jsonb       NOT NULL DEFAULT '{}',
    is_paused                   boolean     NOT NULL DEFAULT false,
    concurrency_limit           integer,
    default_queue_id            uuid,                                            -- FK added below (circular)
    status                      prefect.work_pool_status NOT NULL DEFAULT 'NOT_READY',
    last_transitioned_status_at timestamptz,
    last_status_event_id        uuid,
    storage_configuration       jsonb       NOT NULL DEFAULT '{}',
    CONSTRAINT pk_work_pool PRIMARY KEY (id),
    CONSTRAINT uq_work_pool__name UNIQUE (name)
);
CREATE INDEX ix_work_pool__type    ON prefect.work_pool (type);
CREATE INDEX ix_work_pool__updated ON prefect.work_pool (updated);

-- ---------------------------------------------------------------- work_queue
CREATE TABLE prefect.work_queue (
    id                uuid        NOT NULL DEFAULT gen_random_uuid(),   -- [F] work_pool_queues.id; [J][R] work_queue_id
    created           timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated           timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
    name              varchar     NOT NULL,                             -- [F] work_pool_queues.name; [R] work_queue_name
    filter            jsonb,                                            -- legacy queue filter
    description       varchar     NOT NULL DEFAULT '',
    is_paused         boolean     NOT NULL DEFAULT false,
    concurrency_limit integer,
    last_polled       timestamptz,
    priority          integer     NOT NULL DEFAULT 1,
    work_pool_id      uuid        NOT NULL,                             -- [J] -> work_pool
    status            prefect.work_queue_status NOT NULL DEFAULT 'NOT_READY',
    CONSTRAINT pk_work_queue PRIMARY KEY (id),
    CONSTRAINT uq_work_queue__work_pool_id_name UNIQUE (work_pool_id, name),
    CONSTRAINT fk_work_queue__work_pool_id__work_pool
        FOREIGN KEY (work_pool_id) REFERENCES prefect.work_pool (id) ON DELETE CASCADE
);
CREATE INDEX ix_work_queue__work_pool_id          ON prefect.work_queue (work_pool_id);
CREATE INDEX ix_work_queue__work_pool_id_priority ON prefect.work_queue (work_pool_id, priority);
CREATE INDEX ix_work_queue__updated               ON prefect.work_queue (updated);

ALTER TABLE prefect.work_pool
    ADD CONSTRAINT fk_work_pool__default_queue_id__work_queue
    FOREIGN KEY (default_queue_id) REFERENCES prefect.work_queue (id) ON DELETE RESTRICT;

-- ---------------------------------------------------------------- concurrency_limit_v2
CREATE TABLE prefect.concurrency_limit_v2 (
    id                         uuid             NOT NULL DEFAULT gen_random_uuid(), -- [J][R]
    created                    timestamptz      NOT NULL DEFAULT CURRENT_TIMESTAMP, -- [R]
    updated                    timestamptz      NOT NULL DEFAULT CURRENT_TIMESTAMP, -- [R]
    active                     boolean          NOT NULL,   -- [R] ORM default true (no server default)
    name                       varchar          NOT NULL,   -- [R]
    "limit"                    integer          NOT NULL,   -- [R] (reserved word: quote it)
    active_slots               integer          NOT NULL,   -- [R] ORM default 0
    denied_slots               integer          NOT NULL,   -- [-] ORM default 0
    slot_decay_per_second      double precision NOT NULL,   -- [R] ORM default 0.0
    avg_slot_occupancy_seconds double precision NOT NULL,   -- [-] ORM default 2.0
    CONSTRAINT pk_concurrency_limit_v2 PRIMARY KEY (id),
    CONSTRAINT uq_concurrency_limit_v2__name UNIQUE (name)
);
CREATE INDEX ix_concurrency_limit_v2__updated ON prefect.concurrency_limit_v2 (updated);

-- ---------------------------------------------------------------- deployment
CREATE TABLE prefect.deployment (
    id                         uuid        NOT NULL DEFAULT gen_random_uuid(), -- [F] deployments.id; [J][R] id
    created                    timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP, -- [S] CREATED_DESC; [R]
    updated                    timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP, -- [S] UPDATED_DESC; [R]
    name                       varchar     NOT NULL,   -- [F] deployments.name / flow_or_deployment_name; [S] NAME_*; [R]
    tags                       jsonb       NOT NULL DEFAULT '[]',   -- [F] deployments.tags; [R]
    parameters                 jsonb       NOT NULL DEFAULT '{}',   -- [R]
    flow_id                    uuid        NOT NULL,   -- [J] flows EXISTS; [R] flow_id
    infrastructure_document_id uuid,                   -- [R]
    description                text,                   -- [R]
    parameter_openapi_schema   jsonb,                  -- [R] (ORM default {} on insert; no server default)
    storage_document_id        uuid,                   -- [R]
    version                    varchar,                -- [R]
    infra_overrides            jsonb       NOT NULL DEFAULT '{}',   -- [R] job_variables
    path                       varchar,                -- [R]
    entrypoint                 varchar,                -- [R]
    work_queue_name            varchar,                -- [F] deployments.work_queue_name; [R] fallback for work_queue_name
    created_by                 jsonb,                  -- [R] {"id","type","display_value"}
    updated_by                 jsonb,                  -- [R]
    work_queue_id              uuid,                   -- [J] work_pools / work_pool_queues EXISTS; [R] work_queue_id
    pull_steps                 jsonb,                  -- [R] (ORM default [] on insert; no server default)
    enforce_parameter_schema   boolean     NOT NULL DEFAULT false,  -- [R] NB: ORM/API default is true
    last_polled                timestamptz,            -- [R]
    paused                     boolean     NOT NULL DEFAULT false,  -- [F] deployments.paused; [R]
    status                     prefect.deployment_status NOT NULL DEFAULT 'NOT_READY', -- [R]
    concurrency_limit          integer,                -- [-] legacy; never read (response field is always null)
    concurrency_options        jsonb,                  -- [R] {"collision_strategy":..., "grace_period_seconds":...}
    concurrency_limit_id       uuid,                   -- [J][R] global_concurrency_limit
    labels                     jsonb,                  -- [R] (NULL is returned as {})
    version_id                 uuid,                   -- [-] exists in PG (migration 2025_03_19_145033); unmapped by OSS ORM
    CONSTRAINT pk_deployment PRIMARY KEY (id),
    CONSTRAINT fk_deployment__flow_id__flow
        FOREIGN KEY (flow_id) REFERENCES prefect.flow (id) ON DELETE CASCADE,
    CONSTRAINT fk_deployment__work_queue_id__work_queue
        FOREIGN KEY (work_queue_id) REFERENCES prefect.work_queue (id) ON DELETE SET NULL,
    CONSTRAINT fk_deployment__concurrency_limit_id__concurrency_limit_v2
        FOREIGN KEY (concurrency_limit_id) REFERENCES prefect.concurrency_limit_v2 (id) ON DELETE SET NULL,
    CONSTRAINT fk_deployment__infrastructure_document_id__block_document
        FOREIGN KEY (infrastructure_document_id) REFERENCES prefect.block_document (id) ON DELETE CASCADE,
    CONSTRAINT fk_deployment__storage_document_id__block_document
        FOREIGN KEY (storage_document_id) REFERENCES prefect.block_document (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX uq_deployment__flow_id_name     ON prefect.deployment (flow_id, name);
CREATE INDEX ix_deployment__flow_id                 ON prefect.deployment (flow_id);
CREATE INDEX ix_deployment__created                 ON prefect.deployment (created);
CREATE INDEX ix_deployment__updated                 ON prefect.deployment (updated);
CREATE INDEX ix_deployment__work_queue_name         ON prefect.deployment (work_queue_name);
CREATE INDEX ix_deployment__work_queue_id           ON prefect.deployment (work_queue_id);
CREATE INDEX ix_deployment__paused                  ON prefect.deployment (paused);
CREATE INDEX ix_deployment__version_id              ON prefect.deployment (version_id);

-- ---------------------------------------------------------------- deployment_schedule
CREATE TABLE prefect.deployment_schedule (
    id                 uuid        NOT NULL DEFAULT gen_random_uuid(), -- [R]
    created            timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP, -- [R]
    updated            timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP, -- [R] and ORDER BY updated DESC within a deployment
    schedule           jsonb       NOT NULL,   -- [R] one of {interval,anchor_date,timezone} | {cron,timezone,day_or} | {rrule,timezone}
    active             boolean     NOT NULL,   -- [R] ORM default true (no server default)
    deployment_id      uuid        NOT NULL,                           -- [J][R]
    max_scheduled_runs integer,                -- [R]
    parameters         jsonb       NOT NULL DEFAULT '{}',              -- [R]
    slug               varchar,                                        -- [R]
    CONSTRAINT pk_deployment_schedule PRIMARY KEY (id),
    CONSTRAINT fk_deployment_schedule__deployment_id__deployment
        FOREIGN KEY (deployment_id) REFERENCES prefect.deployment (id) ON DELETE CASCADE
);
CREATE INDEX ix_deployment_schedule__deployment_id ON prefect.deployment_schedule (deployment_id);
CREATE INDEX ix_deployment_schedule__updated       ON prefect.deployment_schedule (updated);
CREATE INDEX ix_deployment_schedule__slug          ON prefect.deployment_schedule (slug);
-- PG migration creates it as a partial unique index (the ORM declares it non-partial):
CREATE UNIQUE INDEX ix_deployment_schedule__deployment_id__slug
    ON prefect.deployment_schedule (deployment_id, slug) WHERE slug IS NOT NULL;

-- ---------------------------------------------------------------- flow_run
CREATE TABLE prefect.flow_run (
    id                         uuid        NOT NULL DEFAULT gen_random_uuid(), -- [F] flow_runs.id / parent_flow_run_id; [J]
    created                    timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated                    timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
    name                       varchar     NOT NULL,          -- [F] flow_runs.name
    state_type                 prefect.state_type,            -- [F] flow_runs.state.type
    run_count                  integer     NOT NULL DEFAULT 0,
    expected_start_time        timestamptz,                   -- [F] expected_start_time; start_time (COALESCE fallback)
    next_scheduled_start_time  timestamptz,                   -- [F] next_scheduled_start_time
    start_time                 timestamptz,                   -- [F] start_time
    end_time                   timestamptz,                   -- [F] end_time
    total_run_time             interval    NOT NULL DEFAULT '0',
    flow_version               varchar,                       -- [F] flow_runs.flow_version
    parameters                 jsonb       NOT NULL DEFAULT '{}',
    idempotency_key            varchar,                       -- [F] flow_runs.idempotency_key
    context                    jsonb       NOT NULL DEFAULT '{}',
    empirical_policy           jsonb       NOT NULL DEFAULT '{}',
    tags                       jsonb       NOT NULL DEFAULT '[]',  -- [F] flow_runs.tags
    auto_scheduled             boolean     NOT NULL DEFAULT false,
    flow_id                    uuid        NOT NULL,
    deployment_id              uuid,                          -- [J] correlation to deployment; [F] flow_runs.deployment_id. NO foreign key (dropped 2023-03)
    parent_task_run_id         uuid,                          -- [F] parent_task_run_id, parent_flow_run_id, task_runs.subflow_runs
    state_id                   uuid,                          -- real schema: FK flow_run_state(id) ON DELETE SET NULL (omitted)
    state_name                 varchar,                       -- [F] flow_runs.state.name
    infrastructure_document_id uuid,
    work_queue_name            varchar,                       -- [F] flow_runs.work_queue_name
    state_timestamp            timestamptz,
    created_by                 jsonb,                         -- [F] flow_runs.created_by (->>'id', ->>'type', IS NULL)
    infrastructure_pid         varchar,
    work_queue_id              uuid,
    job_variables              jsonb                DEFAULT '{}',  -- nullable
    deployment_version         varchar,
    labels                     jsonb,
    CONSTRAINT pk_flow_run PRIMARY KEY (id),
    CONSTRAINT fk_flow_run__flow_id__flow
        FOREIGN KEY (flow_id) REFERENCES prefect.flow (id) ON DELETE CASCADE,
    CONSTRAINT fk_flow_run__infrastructure_document_id__block_document
        FOREIGN KEY (infrastructure_document_id) REFERENCES prefect.block_document (id) ON DELETE CASCADE,
    CONSTRAINT fk_flow_run__work_queue_id__work_queue
        FOREIGN KEY (work_queue_id) REFERENCES prefect.work_queue (id) ON DELETE SET NULL
);
CREATE INDEX ix_flow_run__deployment_id   ON prefect.flow_run (deployment_id);
CREATE INDEX ix_flow_run__flow_id         ON prefect.flow_run (flow_id);
CREATE INDEX ix_flow_run__name            ON prefect.flow_run (name);
CREATE INDEX ix_flow_run__state_type      ON prefect.flow_run (state_type);
CREATE INDEX ix_flow_run__state_name      ON prefect.flow_run (state_name);
CREATE INDEX ix_flow_run__state_timestamp ON prefect.flow_run (state_timestamp);
CREATE INDEX ix_flow_run__state_id        ON prefect.flow_run (state_id);
CREATE INDEX ix_flow_run__start_time      ON prefect.flow_run (start_time);
CREATE INDEX ix_flow_run__end_time_desc   ON prefect.flow_run (end_time DESC);
CREATE INDEX ix_flow_run__expected_start_time_desc      ON prefect.flow_run (expected_start_time DESC);
CREATE INDEX ix_flow_run__next_scheduled_start_time_asc ON prefect.flow_run (next_scheduled_start_time ASC);
CREATE INDEX ix_flow_run__coalesce_start_time_expected_start_time_asc
    ON prefect.flow_run ((COALESCE(start_time, expected_start_time)) ASC);
CREATE INDEX ix_flow_run__coalesce_start_time_expected_start_time_desc
    ON prefect.flow_run ((COALESCE(start_time, expected_start_time)) DESC);
CREATE INDEX ix_flow_run__work_queue_name ON prefect.flow_run (work_queue_name);
CREATE INDEX ix_flow_run__work_queue_id   ON prefect.flow_run (work_queue_id);
CREATE INDEX ix_flow_run__flow_version    ON prefect.flow_run (flow_version);
CREATE INDEX ix_flow_run__deployment_version ON prefect.flow_run (deployment_version);
CREATE INDEX ix_flow_run__parent_task_run_id ON prefect.flow_run (parent_task_run_id);
CREATE INDEX ix_flow_run__infrastructure_document_id ON prefect.flow_run (infrastructure_document_id);
CREATE INDEX ix_flow_run__updated         ON prefect.flow_run (updated);
CREATE UNIQUE INDEX uq_flow_run__flow_id_idempotency_key ON prefect.flow_run (flow_id, idempotency_key);
-- 63-char truncated name, as PostgreSQL stores it:
CREATE INDEX ix_flow_run__scheduler_deployment_id_auto_scheduled_next_schedu
    ON prefect.flow_run (deployment_id, auto_scheduled, next_scheduled_start_time)
    WHERE state_type = 'SCHEDULED';
CREATE INDEX ix_flow_run__schedule_id_scheduler
    ON prefect.flow_run (deployment_id, (created_by ->> 'id'), next_scheduled_start_time)
    WHERE state_type = 'SCHEDULED' AND auto_scheduled = true;

-- ---------------------------------------------------------------- task_run
CREATE TABLE prefect.task_run (
    id                        uuid        NOT NULL DEFAULT gen_random_uuid(), -- [F] task_runs.id; [J] subflow EXISTS
    created                   timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated                   timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
    name                      varchar     NOT NULL,          -- [F] task_runs.name
    state_type                prefect.state_type,            -- [F] task_runs.state.type
    run_count                 integer     NOT NULL DEFAULT 0,
    expected_start_time       timestamptz,                   -- [F] task_runs.expected_start_time
    next_scheduled_start_time timestamptz,
    start_time                timestamptz,                   -- [F] task_runs.start_time (no COALESCE)
    end_time                  timestamptz,                   -- [F] task_runs.end_time
    total_run_time            interval    NOT NULL DEFAULT '0',
    task_key                  varchar     NOT NULL,
    dynamic_key               varchar     NOT NULL,
    cache_key                 varchar,
    cache_expiration          timestamptz,
    task_version              varchar,
    empirical_policy          jsonb       NOT NULL DEFAULT '{}',
    task_inputs               jsonb       NOT NULL DEFAULT '{}',
    tags                      jsonb       NOT NULL DEFAULT '[]',  -- [F] task_runs.tags
    flow_run_id               uuid,                          -- [J] join to flow_run; [F] task_runs.flow_run_id (nullable since 2023-09)
    state_id                  uuid,                          -- FK to task_run_state dropped 2025-06
    state_name                varchar,                       -- [F] task_runs.state.name
    state_timestamp           timestamptz,
    flow_run_run_count        integer     NOT NULL DEFAULT 0,
    labels                    jsonb,
    CONSTRAINT pk_task_run PRIMARY KEY (id),
    CONSTRAINT fk_task_run__flow_run_id__flow_run
        FOREIGN KEY (flow_run_id) REFERENCES prefect.flow_run (id) ON DELETE CASCADE
);
CREATE INDEX ix_task_run__flow_run_id      ON prefect.task_run (flow_run_id);
CREATE UNIQUE INDEX uq_task_run__flow_run_id_task_key_dynamic_key
    ON prefect.task_run (flow_run_id, task_key, dynamic_key);
CREATE INDEX ix_task_run__name             ON prefect.task_run (name);
CREATE INDEX ix_task_run__state_type       ON prefect.task_run (state_type);
CREATE INDEX ix_task_run__state_name       ON prefect.task_run (state_name);
CREATE INDEX ix_task_run__state_timestamp  ON prefect.task_run (state_timestamp);
CREATE INDEX ix_task_run__state_type_start_time ON prefect.task_run (state_type, start_time);
CREATE INDEX ix_task_run__state_id         ON prefect.task_run (state_id);
CREATE INDEX ix_task_run__start_time       ON prefect.task_run (start_time);
CREATE INDEX ix_task_run__end_time_desc    ON prefect.task_run (end_time DESC);
CREATE INDEX ix_task_run__expected_start_time_desc      ON prefect.task_run (expected_start_time DESC);
CREATE INDEX ix_task_run__next_scheduled_start_time_asc ON prefect.task_run (next_scheduled_start_time ASC);
CREATE INDEX ix_task_run__updated          ON prefect.task_run (updated);

-- circular FK: flow_run.parent_task_run_id -> task_run
ALTER TABLE prefect.flow_run
    ADD CONSTRAINT fk_flow_run__parent_task_run_id__task_run
    FOREIGN KEY (parent_task_run_id) REFERENCES prefect.task_run (id) ON DELETE SET NULL;

-- Trigram indexes need pg_trgm's gin_trgm_ops. An extension script cannot run CREATE EXTENSION
-- itself, and "requires = pg_trgm" would make a plain CREATE EXTENSION prefect_filter fail on a
-- database without pg_trgm. So: create them when pg_trgm is installed (the documented way is
-- CREATE EXTENSION pg_trgm first), otherwise say so; prefect.create_trigram_indexes() adds them
-- later. The filters are correct without them; only ILIKE '%...%' speed depends on them.
CREATE FUNCTION prefect.create_trigram_indexes() RETURNS integer
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    opclass_schema name;
    made integer := 0;
    spec record;
BEGIN
    SELECT n.nspname INTO opclass_schema
      FROM pg_catalog.pg_opclass c JOIN pg_catalog.pg_namespace n ON n.oid = c.opcnamespace
     WHERE c.opcname = 'gin_trgm_ops';
    IF opclass_schema IS NULL THEN
        RAISE NOTICE 'pg_trgm is not installed: trigram indexes not created'
            USING HINT = 'Run CREATE EXTENSION pg_trgm, then SELECT prefect.create_trigram_indexes().';
        RETURN 0;
    END IF;
    FOR spec IN SELECT * FROM (VALUES
            ('trgm_ix_flow_name', 'flow'),
            ('trgm_ix_block_document_name', 'block_document'),
            ('trgm_ix_work_queue_name', 'work_queue'),
            ('trgm_ix_deployment_name', 'deployment'),
            ('trgm_ix_flow_run_name', 'flow_run'),
            ('trgm_ix_task_run_name', 'task_run')) AS t(index_name, table_name)
    LOOP
        IF to_regclass(format('prefect.%I', spec.index_name)) IS NULL THEN
            EXECUTE format('CREATE INDEX %I ON prefect.%I USING gin (name %I.gin_trgm_ops)',
                           spec.index_name, spec.table_name, opclass_schema);
            made := made + 1;
        END IF;
    END LOOP;
    RETURN made;
END
$fn$;
SELECT prefect.create_trigram_indexes();

-- Table contents are user data: let pg_dump dump them (one call per statement: each call
-- updates the extension's catalog row).
SELECT pg_catalog.pg_extension_config_dump('prefect.flow', '');
SELECT pg_catalog.pg_extension_config_dump('prefect.block_document', '');
SELECT pg_catalog.pg_extension_config_dump('prefect.work_pool', '');
SELECT pg_catalog.pg_extension_config_dump('prefect.work_queue', '');
SELECT pg_catalog.pg_extension_config_dump('prefect.concurrency_limit_v2', '');
SELECT pg_catalog.pg_extension_config_dump('prefect.deployment', '');
SELECT pg_catalog.pg_extension_config_dump('prefect.deployment_schedule', '');
SELECT pg_catalog.pg_extension_config_dump('prefect.flow_run', '');
SELECT pg_catalog.pg_extension_config_dump('prefect.task_run', '');

-- =============================================================================================
-- Part 1b: indexes of our own, beyond Prefect's (each justified by a benchmark shape in
-- bench/README.md; users serving a Prefect database in "public" can create the same ones).
-- =============================================================================================

-- NAME_ASC / NAME_DESC pages (the UI's default list): read the first rows in order instead of
-- sorting every deployment; id is our tiebreak.
CREATE INDEX pf_ix_deployment__name_id ON prefect.deployment (name, id);

-- flow_runs sub-filters by state and start-time window (the UI's "failed runs in the last day",
-- counts of deployments with failed runs): each deployment's EXISTS probe becomes one short
-- index range instead of a walk over all its runs. The window expression is Prefect's
-- FlowRunFilterStartTime, COALESCE(start_time, expected_start_time).
CREATE INDEX pf_ix_flow_run__deployment_id_state_type_start ON prefect.flow_run
    (deployment_id, state_type, (COALESCE(start_time, expected_start_time)));

-- =============================================================================================
-- Part 2: the functions. Each is one C entry point behind the single C++/PostgreSQL door
-- (src/pg/). They only read, run as the caller (SECURITY INVOKER) and pin search_path so that
-- nothing in the caller's schemas can capture an operator or a name in the compiled SQL.
-- The three that run queries also turn JIT off for them: the endpoint is latency-bound, and a
-- plan over millions of flow runs would otherwise spend 0.3-0.8 s compiling expressions
-- (measured on bench dataset L: a task-run state filter took 4.5 s with JIT, 4.2 s without).
-- A NULL body is treated like Prefect's empty body: every key takes its default.
-- =============================================================================================

CREATE FUNCTION prefect.deployments_filter(body jsonb) RETURNS json
    AS 'MODULE_PATHNAME', 'pf_deployments_filter'
    LANGUAGE C STABLE PARALLEL SAFE SECURITY INVOKER
    SET search_path = pg_catalog, pg_temp
    SET jit = off;
COMMENT ON FUNCTION prefect.deployments_filter(jsonb) IS
    'Prefect''s POST /api/deployments/filter: the JSON array of DeploymentResponse objects';

CREATE FUNCTION prefect.deployments_count(body jsonb) RETURNS bigint
    AS 'MODULE_PATHNAME', 'pf_deployments_count'
    LANGUAGE C STABLE PARALLEL SAFE SECURITY INVOKER
    SET search_path = pg_catalog, pg_temp
    SET jit = off;
COMMENT ON FUNCTION prefect.deployments_count(jsonb) IS
    'Prefect''s POST /api/deployments/count: the number of deployments matching the filters';

CREATE FUNCTION prefect.deployments_paginate(body jsonb) RETURNS json
    AS 'MODULE_PATHNAME', 'pf_deployments_paginate'
    LANGUAGE C STABLE PARALLEL SAFE SECURITY INVOKER
    SET search_path = pg_catalog, pg_temp
    SET jit = off;
COMMENT ON FUNCTION prefect.deployments_paginate(jsonb) IS
    'Prefect''s POST /api/deployments/paginate: {results, count, limit, pages, page}';

CREATE FUNCTION prefect.deployments_filter_sql(body jsonb) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'pf_deployments_filter_sql'
    LANGUAGE C STABLE PARALLEL SAFE SECURITY INVOKER
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION prefect.deployments_filter_sql(jsonb) IS
    'The compiled statements of deployments_filter and deployments_count for a body: {sql, params, count_sql, count_params, related_sql}';
