-- The DeploymentResponse objects byte for byte: key order, nulls, derived fields, schedules,
-- timestamps, JSONB pass-through and number re-printing. Golden text checked against Prefect's
-- serialisation rules (doc/serialisation.md says where each rule comes from).
BEGIN;
\i test/data/fixture.sql
\set QUIET on
-- More shapes: every nullable column NULL; awkward strings; numbers inside JSONB; schedules of
-- each kind with equal and different `updated`; created_by/updated_by; options with a grace period.
INSERT INTO prefect.deployment (id, created, updated, name, flow_id, version, description, paused, tags, labels,
                                parameters, infra_overrides, pull_steps, parameter_openapi_schema, path, entrypoint,
                                last_polled, status, enforce_parameter_schema, work_queue_name, created_by,
                                updated_by, concurrency_options) VALUES
  ('0d000000-0000-0000-0000-0000000000a1', '2024-05-01T00:00:00.000001Z', '2024-05-01T12:34:56.123400+02:00',
   'awkward "quotes" \ back/slash ✓ 🚀', '0f000000-0000-0000-0000-000000000001', 'v"1', E'line1\nline2\ttab\u0001',
   false, '["a", "ü"]', '{"num": 1.50, "int": 9007199254740993, "big": 123456789012345678901234567890, "b": true, "s": "x"}',
   '{"f": 1.0, "e": 1e-7, "g": 0.00001, "h": 1e16, "n": null, "arr": [1, 2.5, "3"], "nested": {"zz": 1, "a": {}}}',
   '{"image": "prefect:3", "env": {"K": "V"}}', '[{"step": {"requires": "x>=1"}}]', '{"type": "object", "properties": {}}',
   '/opt/flows', 'flows/x.py:main', '2024-06-01T00:00:00Z', 'READY', true, NULL,
   '{"id": "0AAAAAAA-0000-0000-0000-00000000000A", "type": "AUTOMATION", "display_value": "my automation", "extra": 1}',
   '{"type": "USER"}', '{"collision_strategy": "CANCEL_NEW", "grace_period_seconds": 120}'),
  ('0d000000-0000-0000-0000-0000000000a2', '2024-05-02T00:00:00Z', '2024-05-02T00:00:00Z', 'all-nulls',
   '0f000000-0000-0000-0000-000000000002', NULL, NULL, false, '[]', NULL, '{}', '{}', NULL, NULL, NULL, NULL,
   NULL, 'NOT_READY', false, NULL, NULL, NULL, NULL),
  ('0d000000-0000-0000-0000-0000000000a3', '2024-05-03T00:00:00Z', '2024-05-03T00:00:00Z', 'normalised',
   '0f000000-0000-0000-0000-000000000002', NULL, NULL, false, '[]', '{}', '{}', '{}', '[]', '{}', NULL, NULL,
   NULL, 'READY', true, NULL, '{"id": "0AAAAAAA00000000000000000000000B", "type": null, "display_value": "x"}',
   '{"id": "not-a-uuid", "display_value": "y"}', '{"collision_strategy": "ENQUEUE", "grace_period_seconds": 120.0}');
INSERT INTO prefect.deployment_schedule (id, created, updated, deployment_id, schedule, active, max_scheduled_runs,
                                         parameters, slug) VALUES
  ('5c000000-0000-0000-0000-0000000000a1', '2024-05-01T00:00:00Z', '2024-05-05T00:00:00Z',
   '0d000000-0000-0000-0000-0000000000a1',
   '{"interval": 86400, "anchor_date": "2024-01-01T09:30:00.5+05:30", "timezone": "Asia/Kolkata"}', true, 5,
   '{"p": [1, 2]}', 'daily-ist'),
  ('5c000000-0000-0000-0000-0000000000a2', '2024-05-01T00:00:00Z', '2024-05-04T00:00:00Z',
   '0d000000-0000-0000-0000-0000000000a1', '{"interval": 0.25, "anchor_date": "2020-01-01T00:00:00Z"}', true, NULL,
   '{}', NULL),
  ('5c000000-0000-0000-0000-0000000000a3', '2024-05-01T00:00:00Z', '2024-05-04T00:00:00Z',
   '0d000000-0000-0000-0000-0000000000a1', '{"cron": "*/5 * * * *"}', false, NULL, '{}', 'cron-no-tz'),
  ('5c000000-0000-0000-0000-0000000000a4', '2024-05-01T00:00:00Z', '2024-05-03T00:00:00Z',
   '0d000000-0000-0000-0000-0000000000a1',
   E'{"rrule": "DTSTART:20240101T090000\\nRRULE:FREQ=WEEKLY;BYDAY=MO", "timezone": "Europe/Berlin"}', true, NULL, '{}', NULL),
  ('5c000000-0000-0000-0000-0000000000a5', '2024-05-01T00:00:00Z', '2024-05-02T00:00:00Z',
   '0d000000-0000-0000-0000-0000000000a1', '{"rrule": "FREQ=DAILY"}', true, NULL, '{}', NULL);
\set QUIET off

-- d1: work queue in a pool, a global concurrency limit, options without a grace period,
-- two schedules (interval with +00:00 anchor re-emitted as Z; cron)
SELECT prefect.deployments_filter('{"deployments": {"id": {"any_": ["0d000000-0000-0000-0000-000000000001"]}}}');
-- d4: a stored work_queue_name and no queue: the column's value, work_pool_name null
SELECT prefect.deployments_filter('{"deployments": {"id": {"any_": ["0d000000-0000-0000-0000-000000000004"]}}}');
-- every nullable column NULL
SELECT prefect.deployments_filter('{"deployments": {"name": {"any_": ["all-nulls"]}}}');
-- created_by id in another UUID spelling is emitted canonical; an integral 120.0 for an int field
SELECT prefect.deployments_filter('{"deployments": {"name": {"any_": ["normalised"]}}}');
-- awkward strings, numbers in JSONB, five schedules in Prefect's order (updated DESC, then id)
SELECT prefect.deployments_filter('{"deployments": {"id": {"any_": ["0d000000-0000-0000-0000-0000000000a1"]}}}');

-- JSONB shapes: objects with more entries than JSONB's offset stride (32), nesting, every
-- scalar kind, a raw scalar; the text parses back to the stored value
INSERT INTO prefect.deployment (id, name, flow_id, parameters, labels, pull_steps, parameter_openapi_schema)
SELECT '0d000000-0000-0000-0000-0000000000a4', 'jsonb-shapes', '0f000000-0000-0000-0000-000000000001',
       jsonb_object_agg('key' || lpad(i::text, 3, '0'), CASE i % 5 WHEN 0 THEN to_jsonb(i) WHEN 1 THEN to_jsonb(repeat('s', i))
         WHEN 2 THEN jsonb_build_array(i, 'a', null, true, jsonb_build_object('n', i, 'deep', jsonb_build_array(jsonb_build_array())))
         WHEN 3 THEN 'null'::jsonb ELSE to_jsonb(i % 2 = 0) END),
       '"a raw scalar"', '[]', '{}'
  FROM generate_series(1, 70) i;
SELECT e->'labels' AS raw_scalar, e->'pull_steps' AS empty_array, e->'parameter_openapi_schema' AS empty_object,
       (e->'parameters')::jsonb = d.parameters AS parameters_round_trip,
       -- jsonb::text minus its spaces is the compact form here (no string holds ", " or ": ")
       e->>'parameters' = replace(replace(d.parameters::text, '": ', '":'), ', ', ',') AS compact_text_matches
  FROM json_array_elements(prefect.deployments_filter('{"deployments": {"name": {"any_": ["jsonb-shapes"]}}}')) e
  JOIN prefect.deployment d ON d.name = 'jsonb-shapes';

-- The same bytes whatever the session's date/time/number settings are.
CREATE TEMP TABLE baseline AS SELECT prefect.deployments_filter('{}')::text AS out;
SET LOCAL TimeZone = 'America/New_York';
SET LOCAL DateStyle = 'SQL, DMY';
SET LOCAL IntervalStyle = 'iso_8601';
SET LOCAL extra_float_digits = 0;
SET LOCAL lc_monetary = 'C';
SELECT prefect.deployments_filter('{}')::text = out AS same_bytes FROM baseline;
SELECT prefect.deployments_paginate('{"limit": 2, "page": 2}')::jsonb -> 'results' =
       (SELECT jsonb_agg(e) FROM (SELECT e FROM jsonb_array_elements(out::jsonb) WITH ORDINALITY t(e, i)
                                  WHERE i IN (3, 4)) s) AS paginate_matches_filter
  FROM baseline;

-- Every object has exactly Prefect's keys in Prefect's order (test/data/deployment_response_fields.txt).
\set fields `cat test/data/deployment_response_fields.txt`
SELECT DISTINCT (SELECT string_agg(k, ',' ORDER BY i) FROM json_object_keys(e) WITH ORDINALITY k(k, i)) = :'fields'
       AS keys_match_prefect
  FROM json_array_elements(prefect.deployments_filter('{}')) e;
SELECT DISTINCT (SELECT string_agg(k, ',' ORDER BY i) FROM json_object_keys(s) WITH ORDINALITY k(k, i)) AS schedule_keys
  FROM json_array_elements(prefect.deployments_filter('{}')) e, json_array_elements(e -> 'schedules') s;
-- paginate's shape
SELECT prefect.deployments_paginate('{"limit": 3, "page": 4, "deployments": {"name": {"any_": ["nothing"]}}}');
SELECT (prefect.deployments_paginate('{"limit": 3, "page": 2}')::jsonb - 'results') AS paging,
       jsonb_array_length(prefect.deployments_paginate('{"limit": 3, "page": 2}')::jsonb -> 'results') AS n;
SELECT prefect.deployments_paginate('{"limit": 0}')::jsonb - 'results' AS limit_zero;
-- A page short of its limit gives the count without counting: the count agrees with
-- deployments_count on full, short, exact-end, empty-first and past-the-end pages.
SELECT count(*) AS pages_checked,
       count(*) FILTER (WHERE (p ->> 'count')::bigint = prefect.deployments_count(body)) AS counts_agree,
       count(DISTINCT jsonb_array_length(p -> 'results')) AS page_sizes_seen
  FROM (SELECT body, prefect.deployments_paginate(body)::jsonb AS p
          FROM (SELECT jsonb_build_object('limit', l, 'page', n) || f AS body
                  FROM generate_series(1, 4) l, generate_series(1, 6) n,
                       unnest(ARRAY['{}', '{"deployments": {"paused": {"eq_": false}}}',
                                    '{"deployments": {"name": {"any_": ["nothing"]}}}']::jsonb[]) f) b) x;
ROLLBACK;
