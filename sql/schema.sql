-- Prefect's schema as the extension creates it (Part 1 of prefect_filter--0.1.0.sql, plus
-- csrf_token from prefect_filter--0.1.0--0.2.0.sql), read back from the catalogs, then one row
-- per table written the way Prefect's ORM writes them.
-- Reference: PrefectHQ/prefect ce79dd3d6cfa, orm_models.py + PostgreSQL migrations (end state).

-- tables, in name order
SELECT c.relname AS "table"
  FROM pg_class c
 WHERE c.relnamespace = 'prefect'::regnamespace AND c.relkind = 'r'
 ORDER BY 1;

-- columns in physical order (Prefect's order: its migrations append with ADD COLUMN)
SELECT c.relname AS "table", a.attnum AS "#", a.attname AS "column",
       format_type(a.atttypid, a.atttypmod) AS "type", a.attnotnull AS "not null",
       pg_get_expr(d.adbin, d.adrelid) AS "default"
  FROM pg_attribute a
  JOIN pg_class c ON c.oid = a.attrelid
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
 WHERE c.relnamespace = 'prefect'::regnamespace AND c.relkind = 'r'
   AND a.attnum > 0 AND NOT a.attisdropped
 ORDER BY 1, 2;

-- enum types with their labels in order
SELECT t.typname AS "type", string_agg(e.enumlabel, ', ' ORDER BY e.enumsortorder) AS labels
  FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid
 WHERE t.typnamespace = 'prefect'::regnamespace
 GROUP BY 1 ORDER BY 1;

-- constraints (primary keys, unique constraints, foreign keys with their ON DELETE)
SELECT c.conrelid::regclass AS "table", c.conname AS "constraint", pg_get_constraintdef(c.oid) AS definition
  FROM pg_constraint c
 WHERE c.connamespace = 'prefect'::regnamespace AND c.contype IN ('p', 'u', 'f', 'c')
 ORDER BY c.conrelid::regclass::text, 2;

-- indexes, including the pg_trgm GIN indexes made by prefect.create_trigram_indexes();
-- names starting with pf_ are the extension's own (Part 1b), all others are Prefect's
SELECT tablename AS "table", indexname AS "index",
       CASE WHEN indexname LIKE 'pf\_%' THEN 'extension' ELSE 'Prefect' END AS origin,
       regexp_replace(indexdef, ' ON prefect\.\S+', '') AS definition
  FROM pg_indexes
 WHERE schemaname = 'prefect'
 ORDER BY 1, 2;

-- the trigram indexes exist already, so a second call makes none
SELECT prefect.create_trigram_indexes() AS made;

-- the tables are configuration tables of the extension: pg_dump dumps their rows
SELECT t::regclass::text AS config_table
  FROM pg_extension x, unnest(x.extconfig) AS t
 WHERE x.extname = 'prefect_filter'
 ORDER BY 1;

-- ------------------------------------------------------------------ one row per table
-- The statements below use only Prefect's column names and the values its ORM writes (ids,
-- created/updated and Python-side defaults are sent explicitly; JSON as pydantic dumps it).
BEGIN;
INSERT INTO prefect.flow (id, created, updated, name, tags, labels)
VALUES ('0f000000-0000-4000-8000-000000000001', '2024-05-01 10:00:00+00', '2024-05-01 10:00:00+00',
        'etl-orders', '["etl", "prod"]', NULL);
INSERT INTO prefect.block_document (id, created, updated, name, data, block_schema_id, block_type_id,
                                    is_anonymous, block_type_name)
VALUES ('0b000000-0000-4000-8000-000000000001', '2024-05-01 10:00:00+00', '2024-05-01 10:00:00+00',
        'flows-repo', '"gAAAAABmZXhhbXBsZS1lbmNyeXB0ZWQtZGF0YQ=="',
        '0b5c0000-0000-4000-8000-000000000001', '0b7e0000-0000-4000-8000-000000000001', false, 'github-repository');
INSERT INTO prefect.work_pool (id, created, updated, name, description, type, base_job_template, is_paused,
                               concurrency_limit, default_queue_id, status, last_transitioned_status_at,
                               last_status_event_id, storage_configuration)
VALUES ('0a000000-0000-4000-8000-000000000001', '2024-05-01 10:00:00+00', '2024-05-01 10:00:00+00',
        'k8s-prod', NULL, 'kubernetes',
        '{"job_configuration": {"image": "{{ image }}"}, "variables": {"type": "object", "properties": {}}}',
        false, NULL, NULL, 'NOT_READY', NULL, NULL,
        '{"bundle_upload_step": null, "bundle_execution_step": null, "default_result_storage_block_id": null}');
INSERT INTO prefect.work_queue (id, created, updated, name, filter, description, is_paused, concurrency_limit,
                                last_polled, priority, work_pool_id, status)
VALUES ('0c000000-0000-4000-8000-000000000001', '2024-05-01 10:00:00+00', '2024-05-01 10:00:00+00',
        'default', NULL, 'The work pool''s default queue.', false, NULL, NULL, 1,
        '0a000000-0000-4000-8000-000000000001', 'NOT_READY');
INSERT INTO prefect.work_queue (id, created, updated, name, filter, description, is_paused, concurrency_limit,
                                last_polled, priority, work_pool_id, status)
VALUES ('0c000000-0000-4000-8000-000000000002', '2024-05-01 10:00:00+00', '2024-05-01 10:00:00+00',
        'etl', NULL, '', false, 5, '2024-05-02 09:00:00+00', 2, '0a000000-0000-4000-8000-000000000001', 'READY');
UPDATE prefect.work_pool SET default_queue_id = '0c000000-0000-4000-8000-000000000001', updated = '2024-05-01 10:00:01+00'
 WHERE id = '0a000000-0000-4000-8000-000000000001';
INSERT INTO prefect.concurrency_limit_v2 (id, created, updated, active, name, "limit", active_slots, denied_slots,
                                          slot_decay_per_second, avg_slot_occupancy_seconds)
VALUES ('0e000000-0000-4000-8000-000000000001', '2024-05-01 10:00:00+00', '2024-05-01 10:00:00+00',
        true, 'deployment:0d000000-0000-4000-8000-000000000001', 2, 0, 0, 0.0, 2.0);
INSERT INTO prefect.deployment (id, created, updated, name, version, description, work_queue_name, infra_overrides,
    path, entrypoint, last_polled, status, flow_id, work_queue_id, paused, concurrency_limit, concurrency_limit_id,
    concurrency_options, tags, labels, parameters, pull_steps, parameter_openapi_schema, enforce_parameter_schema,
    created_by, updated_by, infrastructure_document_id, storage_document_id)
VALUES ('0d000000-0000-4000-8000-000000000001', '2024-05-01 10:00:00+00', '2024-05-02 11:30:00.5+00',
        'nightly', '1.4.0', 'Loads the orders.', 'etl', '{"env": {"LOG_LEVEL": "DEBUG"}}',
        NULL, 'flows/etl.py:etl_orders', NULL, 'NOT_READY',
        '0f000000-0000-4000-8000-000000000001', '0c000000-0000-4000-8000-000000000002', false, 2,
        '0e000000-0000-4000-8000-000000000001', '{"collision_strategy": "ENQUEUE", "grace_period_seconds": null}',
        '["etl"]', '{"prefect.flow.id": "0f000000-0000-4000-8000-000000000001", "tier": 1}', '{"limit": 100}',
        '[{"prefect.deployments.steps.git_clone": {"repository": "https://github.com/acme/flows.git", "branch": "main"}}]',
        '{"title": "Parameters", "type": "object", "properties": {"limit": {"title": "limit", "default": 100, "position": 0, "type": "integer"}}}',
        true, NULL, NULL, NULL, '0b000000-0000-4000-8000-000000000001');
INSERT INTO prefect.deployment_schedule (id, created, updated, deployment_id, schedule, active, max_scheduled_runs,
                                         parameters, slug)
VALUES ('05000000-0000-4000-8000-000000000001', '2024-05-01 10:00:00+00', '2024-05-01 10:00:00+00',
        '0d000000-0000-4000-8000-000000000001',
        '{"interval": 3600.0, "anchor_date": "2024-01-01T00:00:00Z", "timezone": "UTC"}', true, NULL, '{}', 'hourly');
-- positional insert in Prefect's physical column order
-- (id, created, updated, schedule, active, deployment_id, max_scheduled_runs, parameters, slug)
INSERT INTO prefect.deployment_schedule
VALUES ('05000000-0000-4000-8000-000000000002', '2024-05-01 10:00:00+00', '2024-05-01 10:00:00+00',
        '{"cron": "0 9 * * 1-5", "timezone": "America/New_York", "day_or": true}', true,
        '0d000000-0000-4000-8000-000000000001', 50, '{}', NULL);
INSERT INTO prefect.flow_run (id, created, updated, name, state_type, state_name, state_timestamp, run_count,
    expected_start_time, next_scheduled_start_time, start_time, end_time, total_run_time, flow_id, deployment_id,
    work_queue_name, flow_version, deployment_version, parameters, idempotency_key, context, empirical_policy, tags,
    labels, created_by, infrastructure_pid, job_variables, infrastructure_document_id, parent_task_run_id,
    auto_scheduled, state_id, work_queue_id)
VALUES ('01900000-0000-7000-8000-000000000001', '2024-05-02 08:00:00+00', '2024-05-02 09:00:05+00',
        'brave-otter', 'COMPLETED', 'Completed', '2024-05-02 09:00:05+00', 1,
        '2024-05-02 09:00:00+00', NULL, '2024-05-02 09:00:01+00', '2024-05-02 09:00:05+00', interval '4 seconds',
        '0f000000-0000-4000-8000-000000000001', '0d000000-0000-4000-8000-000000000001', 'etl',
        'a1b2c3d4e5f60718293a4b5c6d7e8f90', '1.4.0', '{"limit": 100}',
        'scheduled 0d000000-0000-4000-8000-000000000001 05000000-0000-4000-8000-000000000001 2024-05-02 09:00:00+00:00',
        '{}', '{"retries": 0, "resuming": false, "retry_type": null, "pause_keys": [], "retry_delay": 0, "max_retries": 0, "retry_delay_seconds": 0.0}',
        '["auto-scheduled", "etl"]',
        '{"prefect.flow.id": "0f000000-0000-4000-8000-000000000001", "prefect.deployment.id": "0d000000-0000-4000-8000-000000000001"}',
        '{"id": "05000000-0000-4000-8000-000000000001", "display_value": "hourly", "type": "SCHEDULE"}',
        NULL, '{}', NULL, NULL, true, '01900000-0000-7000-8000-0000000000f1', '0c000000-0000-4000-8000-000000000002');
INSERT INTO prefect.task_run (id, created, updated, name, state_type, state_name, state_timestamp, run_count,
    expected_start_time, next_scheduled_start_time, start_time, end_time, total_run_time, flow_run_id, task_key,
    dynamic_key, cache_key, cache_expiration, task_version, flow_run_run_count, empirical_policy, task_inputs, tags,
    labels, state_id)
VALUES ('01900000-0000-7000-8000-000000000002', '2024-05-02 09:00:02+00', '2024-05-02 09:00:04+00',
        'etl_subflow-0', 'COMPLETED', 'Completed', '2024-05-02 09:00:04+00', 1,
        '2024-05-02 09:00:02+00', NULL, '2024-05-02 09:00:02+00', '2024-05-02 09:00:04+00', interval '2 seconds',
        '01900000-0000-7000-8000-000000000001', 'etl_subflow-5b2c1d3e', '0', NULL, NULL, NULL, 1,
        '{"retries": 0, "retry_delay": 0, "max_retries": 0, "retry_delay_seconds": 0.0, "retry_jitter_factor": null}',
        '{}', '["etl"]', '{}', '01900000-0000-7000-8000-0000000000f2');
-- a subflow run whose parent is that task run; only NOT NULL columns without server default
INSERT INTO prefect.flow_run (id, name, flow_id, parent_task_run_id)
VALUES ('01900000-0000-7000-8000-000000000003', 'calm-heron', '0f000000-0000-4000-8000-000000000001',
        '01900000-0000-7000-8000-000000000002');
-- and rows that lean on the server defaults only
INSERT INTO prefect.flow (name) VALUES ('defaults-only');
INSERT INTO prefect.task_run (name, task_key, dynamic_key) VALUES ('autonomous-abc', 'autonomous-12345678', 'abc');
-- csrf_token as models.csrf_token.create_or_update_csrf_token writes it (id, created, updated
-- from the server defaults)
INSERT INTO prefect.csrf_token (client, token, expiration)
VALUES ('0c5c0000-0000-4000-8000-000000000001', '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
        '2024-05-01 11:00:00+00')
ON CONFLICT (client) DO UPDATE SET token = excluded.token, expiration = excluded.expiration;

SELECT name, tags, labels FROM prefect.flow ORDER BY name;
SELECT name, block_type_name, is_anonymous, jsonb_typeof(data) AS data FROM prefect.block_document;
SELECT p.name, p.type, p.status, q.name AS default_queue, p.storage_configuration
  FROM prefect.work_pool p JOIN prefect.work_queue q ON q.id = p.default_queue_id;
SELECT name, "limit", active, active_slots, slot_decay_per_second FROM prefect.concurrency_limit_v2;
SELECT d.name, d.status, d.paused, d.enforce_parameter_schema, d.infra_overrides, d.labels, d.concurrency_options,
       d.updated, q.name AS work_queue, g.name AS global_concurrency_limit
  FROM prefect.deployment d
  LEFT JOIN prefect.work_queue q ON q.id = d.work_queue_id
  LEFT JOIN prefect.concurrency_limit_v2 g ON g.id = d.concurrency_limit_id;
SELECT slug, schedule, active, max_scheduled_runs FROM prefect.deployment_schedule ORDER BY id;
SELECT r.name, r.state_type, r.state_name, r.total_run_time, r.auto_scheduled, r.run_count, r.tags,
       r.created_by ->> 'type' AS created_by, p.name AS parent_task_run
  FROM prefect.flow_run r LEFT JOIN prefect.task_run p ON p.id = r.parent_task_run_id
 ORDER BY r.id;
-- server defaults
SELECT name, id IS NOT NULL AS has_id, created = updated AS same_ts, tags, labels
  FROM prefect.flow WHERE name = 'defaults-only';
SELECT name, state_type, run_count, total_run_time, flow_run_id, flow_run_run_count, empirical_policy, task_inputs, tags
  FROM prefect.task_run WHERE name = 'autonomous-abc';
SELECT name, run_count, total_run_time, parameters, context, empirical_policy, tags, auto_scheduled, job_variables
  FROM prefect.flow_run WHERE name = 'calm-heron';
SELECT client, length(token) AS token_length, expiration, id IS NOT NULL AS has_id, created = updated AS same_ts
  FROM prefect.csrf_token;

-- foreign keys act as in Prefect: a pool's default queue cannot be deleted (RESTRICT);
-- deleting another queue detaches deployment and flow run (SET NULL), deleting the task run
-- detaches the subflow run (SET NULL), deleting the flow deletes deployments, schedules, runs
-- and task runs (CASCADE)
SAVEPOINT restrict;
DELETE FROM prefect.work_queue WHERE name = 'default';
ROLLBACK TO SAVEPOINT restrict;
DELETE FROM prefect.work_queue WHERE name = 'etl';
SELECT (SELECT work_queue_id FROM prefect.deployment) AS deployment_queue,
       (SELECT work_queue_id FROM prefect.flow_run WHERE name = 'brave-otter') AS flow_run_queue;
DELETE FROM prefect.task_run WHERE name = 'etl_subflow-0';
SELECT parent_task_run_id FROM prefect.flow_run WHERE name = 'calm-heron';
DELETE FROM prefect.flow WHERE name = 'etl-orders';
SELECT (SELECT count(*) FROM prefect.deployment) AS deployments,
       (SELECT count(*) FROM prefect.deployment_schedule) AS schedules,
       (SELECT count(*) FROM prefect.flow_run) AS flow_runs,
       (SELECT count(*) FROM prefect.task_run) AS task_runs;

-- constraints Prefect has: unique names, no work queue without its pool, and NOT NULL columns
-- whose defaults only Prefect's ORM supplies (no server default, as in Prefect's database)
SAVEPOINT s;
INSERT INTO prefect.flow (name) VALUES ('defaults-only');
ROLLBACK TO SAVEPOINT s;
INSERT INTO prefect.work_queue (name, priority, work_pool_id)
VALUES ('orphan', 1, '0a000000-0000-4000-8000-0000000000ff');
ROLLBACK TO SAVEPOINT s;
INSERT INTO prefect.csrf_token (client, token, expiration)
VALUES ('0c5c0000-0000-4000-8000-000000000001', 'second', '2024-05-01 12:00:00+00');
ROLLBACK TO SAVEPOINT s;
INSERT INTO prefect.csrf_token (id, created, updated, client, expiration)
VALUES ('0c5c0000-0000-4000-8000-0000000000ff', '2024-05-01 10:00:00+00', '2024-05-01 10:00:00+00', 'no-token',
        '2024-05-01 12:00:00+00');
ROLLBACK TO SAVEPOINT s;
INSERT INTO prefect.concurrency_limit_v2 (id, created, updated, name, "limit")
VALUES ('0e000000-0000-4000-8000-000000000002', '2024-05-01 10:00:00+00', '2024-05-01 10:00:00+00', 'no-orm-defaults', 1);
ROLLBACK TO SAVEPOINT s;
INSERT INTO prefect.deployment_schedule (id, created, updated, deployment_id, schedule)
VALUES ('05000000-0000-4000-8000-000000000003', '2024-05-01 10:00:00+00', '2024-05-01 10:00:00+00',
        '0d000000-0000-4000-8000-000000000001', '{"rrule": "FREQ=DAILY;INTERVAL=1", "timezone": "UTC"}');
ROLLBACK;
