-- Shared pg_regress fixture: a small Prefect database with fixed ids, written with Prefect's
-- column names only. Included by the filter tests with \i test/data/fixture.sql inside a
-- transaction. Id prefixes: 0f.. flows, 0d.. deployments, 0a.. work pools, 0b.. work queues,
-- 0c.. concurrency limits, 1e.. flow runs, 2e.. task runs, 5c.. schedules.
INSERT INTO prefect.flow (id, name, tags, created, updated) VALUES
  ('0f000000-0000-0000-0000-000000000001', 'etl', '["data", "prod"]', '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z'),
  ('0f000000-0000-0000-0000-000000000002', 'ml-train', '[]', '2024-01-02T00:00:00Z', '2024-01-02T00:00:00Z'),
  ('0f000000-0000-0000-0000-000000000003', 'Report_Gen', '["reports"]', '2024-01-03T00:00:00Z', '2024-01-03T00:00:00Z'),
  ('0f000000-0000-0000-0000-000000000004', 'orphan-flow', '[]', '2024-01-04T00:00:00Z', '2024-01-04T00:00:00Z');

INSERT INTO prefect.work_pool (id, name, type) VALUES
  ('0a000000-0000-0000-0000-000000000001', 'k8s-pool', 'kubernetes'),
  ('0a000000-0000-0000-0000-000000000002', 'proc-pool', 'process');

INSERT INTO prefect.work_queue (id, name, work_pool_id, priority) VALUES
  ('0b000000-0000-0000-0000-000000000001', 'default', '0a000000-0000-0000-0000-000000000001', 1),
  ('0b000000-0000-0000-0000-000000000002', 'High-Priority', '0a000000-0000-0000-0000-000000000001', 2),
  ('0b000000-0000-0000-0000-000000000003', 'default', '0a000000-0000-0000-0000-000000000002', 1),
  ('0b000000-0000-0000-0000-000000000004', 'unused', '0a000000-0000-0000-0000-000000000002', 2);

INSERT INTO prefect.concurrency_limit_v2 (id, created, updated, active, name, "limit", active_slots, denied_slots,
                                          slot_decay_per_second, avg_slot_occupancy_seconds) VALUES
  ('0c000000-0000-0000-0000-000000000001', '2024-02-01T00:00:00Z', '2024-02-01T00:00:00.5Z', true,
   'deployment:0d000000-0000-0000-0000-000000000001', 3, 1, 0, 0.0, 2.0);

INSERT INTO prefect.deployment (id, created, updated, name, flow_id, tags, work_queue_id, work_queue_name, paused,
                                concurrency_limit_id, concurrency_options, labels) VALUES
  ('0d000000-0000-0000-0000-000000000001', '2024-03-01T00:00:00Z', '2024-03-10T00:00:00Z', 'daily',
   '0f000000-0000-0000-0000-000000000001', '["prod", "etl"]', '0b000000-0000-0000-0000-000000000001', 'default',
   false, '0c000000-0000-0000-0000-000000000001', '{"collision_strategy": "ENQUEUE"}', '{"team": "data"}'),
  ('0d000000-0000-0000-0000-000000000002', '2024-03-02T00:00:00Z', '2024-03-09T00:00:00Z', 'hourly',
   '0f000000-0000-0000-0000-000000000001', '["dev"]', '0b000000-0000-0000-0000-000000000002', 'High-Priority',
   true, NULL, NULL, NULL),
  ('0d000000-0000-0000-0000-000000000003', '2024-03-03T00:00:00Z', '2024-03-08T00:00:00Z', 'daily',
   '0f000000-0000-0000-0000-000000000002', '[]', '0b000000-0000-0000-0000-000000000003', 'default',
   false, NULL, NULL, NULL),
  ('0d000000-0000-0000-0000-000000000004', '2024-03-04T00:00:00Z', '2024-03-07T00:00:00Z', 'Nightly_Build',
   '0f000000-0000-0000-0000-000000000002', '["prod"]', NULL, 'legacy', false, NULL, NULL, NULL),
  ('0d000000-0000-0000-0000-000000000005', '2024-03-05T00:00:00Z', '2024-03-06T00:00:00Z', 'report%50',
   '0f000000-0000-0000-0000-000000000003', '["reports", "prod"]', NULL, NULL, false, NULL, NULL, NULL),
  ('0d000000-0000-0000-0000-000000000006', '2024-03-06T00:00:00Z', '2024-03-05T00:00:00Z', 'adhoc',
   '0f000000-0000-0000-0000-000000000003', '[]', NULL, NULL, true, NULL, NULL, NULL),
  ('0d000000-0000-0000-0000-000000000007', '2024-03-07T00:00:00Z', '2024-03-04T00:00:00Z', 'ünïcode-dépl',
   '0f000000-0000-0000-0000-000000000001', '["prod", "dev"]', NULL, NULL, false, NULL, NULL, NULL),
  ('0d000000-0000-0000-0000-000000000008', '2024-03-08T00:00:00Z', '2024-03-03T00:00:00Z', 'back\slash',
   '0f000000-0000-0000-0000-000000000002', '["Prod"]', NULL, NULL, false, NULL, NULL, NULL);

-- Flow runs: 1e..0X1 belong to deployment X. Times are around 2024-04-01.
INSERT INTO prefect.flow_run (id, name, flow_id, deployment_id, state_type, state_name, tags, start_time,
                              expected_start_time, end_time, next_scheduled_start_time, work_queue_name,
                              flow_version, idempotency_key, created_by, parent_task_run_id) VALUES
  ('1e000000-0000-0000-0000-000000000011', 'brave-otter', '0f000000-0000-0000-0000-000000000001',
   '0d000000-0000-0000-0000-000000000001', 'COMPLETED', 'Completed', '["nightly"]', '2024-04-01T10:00:00Z',
   '2024-04-01T09:59:00Z', '2024-04-01T10:05:00Z', NULL, 'default', '1.0', 'key-1',
   '{"id": "0d000000-0000-0000-0000-000000000001", "type": "DEPLOYMENT", "display_value": "daily"}', NULL),
  ('1e000000-0000-0000-0000-000000000012', 'calm-lynx', '0f000000-0000-0000-0000-000000000001',
   '0d000000-0000-0000-0000-000000000001', 'FAILED', 'Failed', '[]', '2024-04-02T10:00:00Z',
   '2024-04-02T10:00:00Z', '2024-04-02T10:01:00Z', NULL, 'default', '1.1', NULL, NULL, NULL),
  ('1e000000-0000-0000-0000-000000000021', 'eager-hawk', '0f000000-0000-0000-0000-000000000001',
   '0d000000-0000-0000-0000-000000000002', 'SCHEDULED', 'Late', '["nightly", "manual"]', NULL,
   '2024-04-03T00:00:00Z', NULL, '2024-04-03T00:00:00Z', 'High-Priority', '1.0', 'key-2',
   '{"id": "0AAAAAAA-0000-0000-0000-000000000001", "type": "AUTOMATION", "display_value": "auto"}', NULL),
  ('1e000000-0000-0000-0000-000000000031', 'fancy-mole', '0f000000-0000-0000-0000-000000000002',
   '0d000000-0000-0000-0000-000000000003', 'RUNNING', 'Running', '[]', '2024-04-01T12:00:00Z',
   '2024-04-01T12:00:00Z', NULL, NULL, NULL, '2.0', NULL, NULL, NULL),
  ('1e000000-0000-0000-0000-000000000041', 'gentle-seal', '0f000000-0000-0000-0000-000000000002',
   '0d000000-0000-0000-0000-000000000004', NULL, NULL, '[]', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  ('1e000000-0000-0000-0000-000000000051', 'happy-wolf', '0f000000-0000-0000-0000-000000000003',
   '0d000000-0000-0000-0000-000000000005', 'CANCELLED', 'Cancelled', '["adhoc"]', '2024-03-31T23:00:00Z',
   '2024-03-31T22:00:00Z', '2024-03-31T23:30:00Z', NULL, NULL, NULL, NULL, NULL, NULL),
  ('1e000000-0000-0000-0000-000000000099', 'no-deployment', '0f000000-0000-0000-0000-000000000004',
   NULL, 'COMPLETED', 'Completed', '[]', '2024-04-01T00:00:00Z', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);

-- Task runs: 2e..0XY belong to flow run 1e..0XY's deployment X. Task run 2e..111 is the parent
-- of subflow run 1e..071 (deployment 7).
INSERT INTO prefect.task_run (id, name, flow_run_id, task_key, dynamic_key, state_type, state_name, tags,
                              start_time, end_time, expected_start_time) VALUES
  ('2e000000-0000-0000-0000-000000000111', 'extract-1', '1e000000-0000-0000-0000-000000000011', 'extract', '0',
   'COMPLETED', 'Completed', '["io"]', '2024-04-01T10:00:10Z', '2024-04-01T10:01:00Z', '2024-04-01T10:00:05Z'),
  ('2e000000-0000-0000-0000-000000000112', 'load-1', '1e000000-0000-0000-0000-000000000011', 'load', '0',
   'FAILED', 'Failed', '[]', '2024-04-01T10:01:00Z', NULL, NULL),
  ('2e000000-0000-0000-0000-000000000311', 'train-1', '1e000000-0000-0000-0000-000000000031', 'train', '0',
   'RUNNING', 'Running', '["gpu", "io"]', '2024-04-01T12:00:10Z', NULL, '2024-04-01T12:00:00Z'),
  ('2e000000-0000-0000-0000-000000000511', 'render-1', '1e000000-0000-0000-0000-000000000051', 'render', '0',
   'PENDING', 'Pending', '[]', NULL, NULL, NULL);

INSERT INTO prefect.flow_run (id, name, flow_id, deployment_id, state_type, state_name, parent_task_run_id) VALUES
  ('1e000000-0000-0000-0000-000000000071', 'sub-run', '0f000000-0000-0000-0000-000000000001',
   '0d000000-0000-0000-0000-000000000007', 'COMPLETED', 'Completed', '2e000000-0000-0000-0000-000000000111');

INSERT INTO prefect.deployment_schedule (id, created, updated, deployment_id, schedule, active, max_scheduled_runs,
                                         parameters, slug) VALUES
  ('5c000000-0000-0000-0000-000000000011', '2024-03-01T00:00:00Z', '2024-03-02T00:00:00Z',
   '0d000000-0000-0000-0000-000000000001',
   '{"interval": 3600.0, "anchor_date": "2024-01-01T00:00:00+00:00", "timezone": "UTC"}', true, NULL, '{}', NULL),
  ('5c000000-0000-0000-0000-000000000012', '2024-03-01T00:00:00Z', '2024-03-03T00:00:00.250Z',
   '0d000000-0000-0000-0000-000000000001',
   '{"cron": "0 9 * * 1-5", "timezone": "America/New_York", "day_or": true}', false, 10, '{"x": 1}', 'weekdays');
