-- data/generate.sql: fill schema "prefect" with a realistic Prefect server database.
--
--   psql -v ON_ERROR_STOP=1 -v scale=1 -f data/generate.sql
--
-- Needs: CREATE EXTENSION pg_trgm; CREATE EXTENSION prefect_filter;  (or just Part 1 of
-- prefect_filter--0.1.0.sql loaded by hand into schema prefect).
-- It EMPTIES the nine prefect tables first (TRUNCATE), then generates everything in one
-- transaction (all or nothing) and ends with ANALYZE. Only Prefect's own column names are used.
--
-- Knobs (psql -v name=value; all optional):
--   scale                size factor, default 1, may be fractional (0.1). The defaults below:
--                          flows        = round(20 * scale)                 (20, 200, 2000)
--                          deployments  = round(100 * scale^1.5)            (100, 3162, 100000)
--                          work pools   = round(5 * sqrt(scale))            (5, 16, 50), 1-5 queues each
--                          flow runs    ~ 10 per deployment (9 on average through deployments,
--                                         exponential spread so some have none; ~1 ad-hoc run
--                                         per deployment without deployment_id; plus subflow runs)
--                          task runs    ~ 6.5 per started flow run (~5.5 per flow run overall)
--   flows, deployments   override the two counts above
--   runs_per_deployment  mean number of flow runs per deployment (default 9; exponential spread,
--                        at most 1 000 per deployment)
--   busy_deployments     how many deployments are "busy" (default 0): spread evenly over the
--   busy_runs            deployments, each gets busy_runs flow runs (default 0 = none) on a
--                        one-minute schedule instead of its share of runs_per_deployment; for
--                        a flow_run table skewed to a few deployments, as in large installations
--   tasks_per_run        mean number of task runs per started flow run (default 6.5)
--   t0                   the generator's "now" (default '2025-06-01 12:00:00+00'); every
--                        timestamp is derived from it, so the data does not depend on the clock
--   fast_indexes         1 (default) = drop the indexes, keys and foreign keys of flow_run and
--                        task_run before loading and re-create them, same names and definitions
--                        (pg_get_indexdef / pg_get_constraintdef), afterwards; 0 = load with
--                        everything in place (several times slower at scale 100)
--
-- Determinism: no random(), no now() and no gen_random_uuid(). Every "random" choice is a hash
-- of the row's key (hashint8extended); ids are version-4 uuids hashed from (kind, key), and for
-- flow runs, task runs and their states version-7 uuids (time-ordered, as Prefect 3 makes them)
-- from (creation time, key). The same knobs give the same rows, byte for byte, whatever the plan.
--
-- What is in it (see data/README.md for sizes and timings):
--   flow                 tags, a few labels, mixed-case and non-ASCII names, ~10% without deployments
--   block_document       storage (github-repository, s3-bucket) and infrastructure (process,
--                        docker-container, kubernetes-job) documents; data is an encrypted-looking
--                        JSON string, as Prefect stores it
--   work_pool/work_queue pools of several types, each with 1-5 queues; default_queue_id set
--   concurrency_limit_v2 'deployment:<uuid>' limits for ~15% of deployments + free-standing limits
--   deployment           tags; labels with string/number/bool values (NULL on ~20%, as on rows
--                        older than labels); parameters; infra_overrides; pull_steps (NULL/[]/steps);
--                        a ~2 KB parameter_openapi_schema; ~10% paused; READY/NOT_READY;
--                        created_by/updated_by on some; work_queue_id (+ matching or stale
--                        work_queue_name), name only, or neither; concurrency_limit_id +
--                        concurrency_options with/without grace_period_seconds; ties in
--                        created/updated and in names across flows
--   deployment_schedule  0-4 per deployment: interval / cron / rrule, some inactive, some slugs,
--                        often all schedules of a deployment share one `updated` value
--   flow_run             every state type with Prefect's state names (Scheduled, Late,
--                        AwaitingRetry, AwaitingConcurrencySlot, Pending, Running, Retrying,
--                        Completed, Failed, Cancelled, Crashed, Paused, Suspended, Cancelling) and a
--                        few without state; periodic runs of scheduled deployments (auto_scheduled,
--                        "auto-scheduled" tag, created_by SCHEDULE, Prefect's idempotency key),
--                        manual runs, ad-hoc runs without deployment, runs of deleted deployments,
--                        subflow runs (parent_task_run_id)
--   task_run             per started flow run, sequential in time, states following the flow run;
--                        subflow parent tasks; task_inputs links; a few autonomous task runs
--                        (flow_run_id NULL)
\set ON_ERROR_STOP 1
\set QUIET 1
\if :{?scale}
\else
\set scale 1
\endif
\if :{?flows}
\else
\set flows 0
\endif
\if :{?deployments}
\else
\set deployments 0
\endif
\if :{?runs_per_deployment}
\else
\set runs_per_deployment 9
\endif
\if :{?busy_deployments}
\else
\set busy_deployments 0
\endif
\if :{?busy_runs}
\else
\set busy_runs 0
\endif
\if :{?tasks_per_run}
\else
\set tasks_per_run 6.5
\endif
\if :{?t0}
\else
\set t0 '2025-06-01 12:00:00+00'
\endif
\if :{?fast_indexes}
\else
\set fast_indexes 1
\endif

SET client_min_messages = warning;
SET jit = off;                 -- compiling these wide expressions costs more than it saves
SET maintenance_work_mem = '1GB';   -- index builds after the load (GIN trigram on task_run.name)
SET TIME ZONE 'UTC';

SELECT CASE WHEN :flows > 0 THEN :flows ELSE greatest(2, round(20 * :scale))::int END AS n_flows,
       CASE WHEN :deployments > 0 THEN :deployments
            ELSE greatest(1, round(100 * power(:scale::numeric, 1.5)))::int END AS n_dep,
       greatest(2, round(5 * sqrt(:scale::numeric)))::int AS n_pools,
       greatest(6, round(6 * sqrt(:scale::numeric)))::int AS n_blocks,
       greatest(3, round(3 * sqrt(:scale::numeric)))::int AS n_free_gcl,
       :runs_per_deployment::float8 AS runs_mean,
       :tasks_per_run::float8 AS tasks_mean
\gset
\echo generating: scale=:scale flows=:n_flows deployments=:n_dep work_pools=:n_pools runs_per_deployment=:runs_mean busy_deployments=:busy_deployments busy_runs=:busy_runs tasks_per_run=:tasks_mean t0=:t0

BEGIN;

-- ------------------------------------------------------------------ helpers (session-local)
-- rnd(key, salt): uniform in [0,1), a pure function of (key, salt). (hashint8extended folds
-- the two 32-bit halves of its input together; the high half also goes into the seed so that
-- keys above 2^32 do not share values.)
CREATE FUNCTION pg_temp.rnd(k bigint, salt int) RETURNS float8 LANGUAGE sql IMMUTABLE AS
$$ SELECT ((hashint8extended(k, salt + (k >> 32)) >> 11) & 9007199254740991)::float8 / 9007199254740992.0 $$;
-- ri(key, salt, n): uniform integer in [0, n)
CREATE FUNCTION pg_temp.ri(k bigint, salt int, n int) RETURNS int LANGUAGE sql IMMUTABLE AS
$$ SELECT floor(pg_temp.rnd(k, salt) * n)::int $$;
-- uid(kind, key): a version-4 uuid, a pure function of (kind, key) (flows, deployments, ...)
CREATE FUNCTION pg_temp.uid(kind text, k bigint) RETURNS uuid LANGUAGE sql IMMUTABLE AS $$
SELECT encode(int8send((hashint8extended(k, hashtextextended(kind, 1)) & -61441) | 16384)
              || int8send((hashint8extended(k, hashtextextended(kind, 2)) & 4611686018427387903)
                          | -9223372036854775808), 'hex')::uuid $$;
-- uid7(ts, key, salt): a version-7 uuid for time-series rows (runs and states; Prefect 3 makes
-- those ids with uuid7 at creation time): 48-bit unix ms of ts, version, 12 hashed bits,
-- variant, 18 hashed bits, 4 bits of salt and the low 40 bits of key scrambled by a bijection
-- of [0, 2^40) (multiply by an odd number, xorshift, multiply), so ids are unique by
-- construction for distinct (key mod 2^40, salt mod 16).
-- STABLE (not IMMUTABLE) so that it is inlined: extract(epoch FROM timestamptz) is stable.
CREATE FUNCTION pg_temp.uid7(ts timestamptz, k bigint, salt int) RETURNS uuid LANGUAGE sql STABLE AS $$
SELECT encode(int8send((floor(extract(epoch FROM ts) * 1000)::bigint << 16) | 28672
                       | ((hashint8extended(k, salt + (k >> 32)) >> 52) & 4095))
              || int8send(-9223372036854775808
                          | ((hashint8extended(k, salt + 1000 + (k >> 32)) & 262143) << 44)
                          | ((salt & 15)::bigint << 40)
                          | ((((((k & 1099511627775) * 5654317) & 1099511627775)
                              # ((((k & 1099511627775) * 5654317) & 1099511627775) >> 20))
                             * 7046029) & 1099511627775)), 'hex')::uuid $$;
-- task k (1-based) of n of a run that started at start_at and ran for span starts here
CREATE FUNCTION pg_temp.task_t(start_at timestamptz, span interval, k int, n int) RETURNS timestamptz
LANGUAGE sql STABLE AS $$ SELECT start_at + span * (k - 1) / n $$;
-- pick(array, key, salt): one element
CREATE FUNCTION pg_temp.pick(a text[], k bigint, salt int) RETURNS text LANGUAGE sql IMMUTABLE AS
$$ SELECT a[1 + pg_temp.ri(k, salt, cardinality(a))] $$;
CREATE FUNCTION pg_temp.pickj(a jsonb[], k bigint, salt int) RETURNS jsonb LANGUAGE sql IMMUTABLE AS
$$ SELECT a[1 + pg_temp.ri(k, salt, cardinality(a))] $$;
-- Prefect's run names: coolname-style "adjective-animal"
CREATE FUNCTION pg_temp.slug2(k bigint) RETURNS text LANGUAGE sql IMMUTABLE AS $$
SELECT pg_temp.pick('{amber,brave,calm,daring,eager,fancy,gentle,hallowed,icy,jolly,keen,lucky,
  mellow,nimble,olive,proud,quirky,rustic,silky,tidy,urban,vivid,witty,zealous,ancient,bold,
  crimson,dashing,elastic,fiery,glossy,hungry,impetuous,jovial,khaki,lilac,masterful,noble}'::text[], k, 1)
  || '-' || pg_temp.pick('{otter,falcon,lynx,heron,bison,gecko,marmot,puffin,walrus,orca,
  badger,coyote,dingo,ermine,ferret,gazelle,hyena,ibex,jackal,koala,lemur,mongoose,narwhal,
  ocelot,panda,quokka,raccoon,seal,tapir,urchin,vulture,wombat,yak,zebu,kingfisher,mamba}'::text[], k, 2)
$$;

-- ------------------------------------------------------------------ empty the tables
TRUNCATE prefect.task_run, prefect.flow_run, prefect.deployment_schedule, prefect.deployment,
         prefect.concurrency_limit_v2, prefect.work_queue, prefect.work_pool,
         prefect.block_document, prefect.flow;

-- Bulk-load speed: the keys, foreign keys and indexes of the two big tables are dropped and
-- re-created from their own definitions (pg_get_constraintdef / pg_get_indexdef) after the
-- load: building an index once is much cheaper than maintaining it row by row, and re-adding a
-- foreign key validates all rows in one join. Same names, same definitions afterwards.
CREATE TEMP TABLE gen_saved_constraint AS
SELECT c.conrelid::regclass::text AS tbl, c.conname, c.contype, pg_get_constraintdef(c.oid) AS def
  FROM pg_constraint c
 WHERE :fast_indexes = 1
   AND c.contype IN ('p', 'u', 'f')
   AND (c.conrelid IN ('prefect.flow_run'::regclass, 'prefect.task_run'::regclass)
        OR c.confrelid IN ('prefect.flow_run'::regclass, 'prefect.task_run'::regclass));
CREATE TEMP TABLE gen_saved_index AS
SELECT i.indexname, i.indexdef
  FROM pg_indexes i
 WHERE :fast_indexes = 1
   AND i.schemaname = 'prefect' AND i.tablename IN ('flow_run', 'task_run')
   AND NOT EXISTS (SELECT 1 FROM pg_constraint c
                    WHERE c.conindid = format('prefect.%I', i.indexname)::regclass);
SELECT format('DROP INDEX prefect.%I', indexname) FROM gen_saved_index ORDER BY 1 \gexec
SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', tbl, conname)
  FROM gen_saved_constraint ORDER BY contype = 'p', conname \gexec

-- ------------------------------------------------------------------ shared value pools
-- 64 tag sets (k = 0 is the empty set; the others draw each tag with p = 0.18)
CREATE TEMP TABLE gen_tagset AS
SELECT k, CASE WHEN k = 0 THEN '[]'::jsonb ELSE coalesce(
         (SELECT jsonb_agg(t ORDER BY o) FROM unnest('{prod,staging,dev,critical,nightly,hourly,etl,ml,
                  reporting,finance,marketing,team:data,team:platform,experimental,v2,customer-facing}'::text[])
                  WITH ORDINALITY AS u(t, o)
           WHERE pg_temp.rnd(k * 100 + o, 7) < 0.18), '[]'::jsonb) END AS tags
  FROM generate_series(0, 63) AS k;
ALTER TABLE gen_tagset ADD PRIMARY KEY (k);
ANALYZE gen_tagset;

-- parameter_openapi_schema variants (v0 ~2 KB, as `prefect deploy` writes them)
CREATE TEMP TABLE gen_pschema (v int PRIMARY KEY, s jsonb);
INSERT INTO gen_pschema VALUES (0, $json${
  "title": "Parameters", "type": "object",
  "properties": {
    "start_date": {"title": "start_date", "description": "First day (inclusive) of the window to process, in the flow's timezone.", "type": "string", "format": "date", "position": 0},
    "end_date": {"title": "end_date", "description": "Last day (exclusive) of the window to process. Defaults to today.", "anyOf": [{"type": "string", "format": "date"}, {"type": "null"}], "default": null, "position": 1},
    "tables": {"title": "tables", "description": "Source tables to extract; each one is synced into the warehouse.", "type": "array", "items": {"type": "string"}, "default": ["orders", "customers"], "position": 2},
    "batch_size": {"title": "batch_size", "description": "Rows per batch when loading into the warehouse.", "type": "integer", "default": 5000, "minimum": 1, "position": 3},
    "dry_run": {"title": "dry_run", "description": "Compute everything but write nothing.", "type": "boolean", "default": false, "position": 4},
    "threshold": {"title": "threshold", "description": "Minimum share of valid rows before the load is committed.", "type": "number", "default": 0.75, "position": 5},
    "mode": {"$ref": "#/definitions/LoadMode", "default": "append", "position": 6},
    "notify": {"allOf": [{"$ref": "#/definitions/NotifyConfig"}], "title": "notify", "position": 7}
  },
  "required": ["start_date"],
  "definitions": {
    "LoadMode": {"title": "LoadMode", "description": "How rows are written to the target table.", "enum": ["append", "replace", "merge"], "type": "string"},
    "NotifyConfig": {"title": "NotifyConfig", "type": "object", "properties": {
      "channel": {"title": "Channel", "type": "string", "default": "#data-alerts"},
      "on_failure": {"title": "On Failure", "type": "boolean", "default": true},
      "on_success": {"title": "On Success", "type": "boolean", "default": false},
      "mention": {"title": "Mention", "anyOf": [{"type": "string"}, {"type": "null"}], "default": null}}}
  }
}$json$::jsonb);
INSERT INTO gen_pschema
SELECT 1, s #- '{properties,notify}' #- '{definitions,NotifyConfig}' FROM gen_pschema WHERE v = 0
UNION ALL
SELECT 2, jsonb_set(s, '{properties,model}', '{"title": "model", "description": "Estimator to train (xgboost, lightgbm or a registered model name).", "type": "string", "default": "xgboost", "position": 8}') FROM gen_pschema WHERE v = 0
UNION ALL
SELECT 3, '{"title": "Parameters", "type": "object", "properties": {}}'::jsonb
UNION ALL
SELECT 4, '{"title": "Parameters", "type": "object", "properties": {"name": {"title": "name", "default": "world", "position": 0, "type": "string"}, "count": {"title": "count", "default": 1, "position": 1, "type": "integer"}}}'::jsonb;

-- ------------------------------------------------------------------ flow
\echo flow
CREATE TEMP TABLE gen_flow AS
SELECT i AS idx, pg_temp.uid('flow', i) AS id, name, created,
       CASE WHEN pg_temp.rnd(i, 12) < 0.3 THEN created
            ELSE created + (:'t0'::timestamptz - created) * pg_temp.rnd(i, 13) END AS updated,
       (SELECT tags FROM gen_tagset WHERE k = pg_temp.ri(i, 11, 64)) AS tags,
       CASE WHEN pg_temp.rnd(i, 14) < 0.2 THEN jsonb_build_object('team', pg_temp.pick('{data,platform,ml}', i, 15)) END AS labels
  FROM generate_series(1, :n_flows) AS i,
       LATERAL (SELECT :'t0'::timestamptz - interval '540 days' * (0.2 + 0.8 * pg_temp.rnd(i, 10)) AS created) AS c,
       LATERAL (SELECT (ARRAY['etl','ingest','sync','report','train','score','backup','cleanup','export','notify',
                               'reconcile','aggregate'])[1 + (i - 1) % 12]
                       || '-' || (ARRAY['orders','customers','events','metrics','invoices','users','logs','inventory',
                                        'payments','models','features','tickets'])[1 + ((i - 1) / 12) % 12]
                       || CASE WHEN i > 144 THEN '-' || ((i - 1) / 144) ELSE '' END AS base) AS b,
       LATERAL (SELECT CASE WHEN i % 10 = 7 THEN initcap(base)          -- mixed case (collation-dependent order)
                            WHEN i % 17 = 9 THEN base || '-données'     -- non-ASCII
                            WHEN i % 19 = 4 THEN replace(base, '-', '_')
                            ELSE base END AS name) AS n;
ALTER TABLE gen_flow ADD PRIMARY KEY (idx);
ANALYZE gen_flow;
INSERT INTO prefect.flow (id, created, updated, name, tags, labels)
SELECT id, created, updated, name, tags, labels FROM gen_flow ORDER BY idx;

-- ------------------------------------------------------------------ block_document
\echo block_document
CREATE TEMP TABLE gen_block AS
SELECT i AS idx, pg_temp.uid('block_document', i) AS id, bt.slug AS block_type_name, bt.cat,
       pg_temp.uid('block_type', bt.t) AS block_type_id, pg_temp.uid('block_schema', bt.t) AS block_schema_id,
       pg_temp.rnd(i, 21) < 0.25 AS is_anonymous,
       :'t0'::timestamptz - interval '500 days' * pg_temp.rnd(i, 22) AS created
  FROM generate_series(1, :n_blocks) AS i,
       LATERAL (SELECT (i - 1) % 5 AS t) AS tt,
       LATERAL (SELECT (ARRAY['github-repository','s3-bucket','process','docker-container','kubernetes-job'])[1 + tt.t] AS slug,
                       CASE WHEN tt.t < 2 THEN 'storage' ELSE 'infrastructure' END AS cat, tt.t) AS bt;
INSERT INTO prefect.block_document (id, created, updated, name, data, block_schema_id, block_type_id, is_anonymous, block_type_name)
SELECT id, created, created,
       CASE WHEN is_anonymous THEN 'anonymous-' || pg_temp.uid('anonymous', idx)
            ELSE block_type_name || '-' || pg_temp.pick('{prod,staging,dev,shared,legacy}', idx, 23) || '-' || idx END,
       to_jsonb('gAAAAAB' || left(encode(decode(md5('blk' || idx) || md5('data' || idx) || md5('more' || idx), 'hex'), 'base64'), 64)),
       block_schema_id, block_type_id, is_anonymous, block_type_name
  FROM gen_block ORDER BY idx;
CREATE TEMP TABLE gen_block_cat AS
SELECT cat, row_number() OVER (PARTITION BY cat ORDER BY idx) - 1 AS cidx, id FROM gen_block;
ANALYZE gen_block_cat;
SELECT count(*) FILTER (WHERE cat = 'storage') AS n_storage,
       count(*) FILTER (WHERE cat = 'infrastructure') AS n_infra FROM gen_block_cat \gset

-- ------------------------------------------------------------------ work_pool, work_queue
\echo work_pool work_queue
CREATE TEMP TABLE gen_pool AS
SELECT p AS idx, pg_temp.uid('work_pool', p) AS id, typ,
       CASE p WHEN 1 THEN 'default-agent-pool' WHEN 2 THEN 'k8s-prod' WHEN 3 THEN 'docker-dev'
              WHEN 4 THEN 'process-local' WHEN 5 THEN 'ecs-batch' ELSE typ || '-pool-' || p END AS name,
       pg_temp.rnd(p, 31) < 0.1 AS is_paused,
       :'t0'::timestamptz - interval '600 days' * (0.3 + 0.7 * pg_temp.rnd(p, 32)) AS created
  FROM generate_series(1, :n_pools) AS p,
       LATERAL (SELECT CASE p WHEN 1 THEN 'prefect-agent' WHEN 2 THEN 'kubernetes' WHEN 3 THEN 'docker'
                              WHEN 4 THEN 'process' WHEN 5 THEN 'ecs'
                              ELSE (ARRAY['kubernetes','docker','process','ecs','cloud-run'])[1 + p % 5] END AS typ) AS t;
INSERT INTO prefect.work_pool (id, created, updated, name, description, type, base_job_template, is_paused,
                               concurrency_limit, default_queue_id, status, last_transitioned_status_at,
                               last_status_event_id, storage_configuration)
SELECT id, created, created + (:'t0'::timestamptz - created) * pg_temp.rnd(idx, 33), name,
       CASE WHEN idx = 1 THEN 'The default pool for Prefect agents'
            WHEN pg_temp.rnd(idx, 34) < 0.5 THEN initcap(typ) || ' workers for ' || name END,
       typ,
       CASE WHEN typ = 'prefect-agent' THEN '{}'::jsonb
            ELSE jsonb_build_object(
              'job_configuration', jsonb_build_object('command', '{{ command }}', 'env', '{{ env }}',
                                                      'labels', '{{ labels }}', 'name', '{{ name }}')
                                   || CASE typ WHEN 'process' THEN '{"stream_output": "{{ stream_output }}", "working_dir": "{{ working_dir }}"}'::jsonb
                                               ELSE '{"image": "{{ image }}"}'::jsonb END,
              'variables', jsonb_build_object('type', 'object', 'properties', jsonb_build_object(
                  'command', '{"title": "Command", "description": "The command to use when starting a flow run.", "type": "string"}'::jsonb,
                  'env', '{"title": "Environment Variables", "type": "object", "additionalProperties": {"type": "string"}}'::jsonb,
                  'image', '{"title": "Image", "default": "prefecthq/prefect:3-latest", "type": "string"}'::jsonb,
                  'name', '{"title": "Name", "type": "string"}'::jsonb)))
       END,
       is_paused,
       CASE WHEN pg_temp.rnd(idx, 35) < 0.3 THEN (ARRAY[5, 10, 20, 50])[1 + pg_temp.ri(idx, 36, 4)] END,
       NULL,
       CASE WHEN is_paused THEN 'PAUSED' WHEN pg_temp.rnd(idx, 37) < 0.7 THEN 'READY' ELSE 'NOT_READY' END::prefect.work_pool_status,
       CASE WHEN pg_temp.rnd(idx, 38) < 0.8 THEN :'t0'::timestamptz - interval '3 days' * pg_temp.rnd(idx, 39) END,
       CASE WHEN pg_temp.rnd(idx, 38) < 0.8 THEN pg_temp.uid('event', idx) END,
       CASE WHEN pg_temp.rnd(idx, 40) < 0.5 THEN '{}'::jsonb
            ELSE '{"bundle_upload_step": null, "bundle_execution_step": null, "default_result_storage_block_id": null}'::jsonb END
  FROM gen_pool ORDER BY idx;

CREATE TEMP TABLE gen_wq AS
SELECT (row_number() OVER (ORDER BY p.idx, k) - 1)::int AS widx,
       pg_temp.uid('work_queue', p.idx * 10 + k) AS id, p.idx AS pool_idx, p.id AS pool_id, k,
       CASE WHEN k = 1 THEN 'default'
            ELSE (ARRAY['high-priority','low-priority','gpu','etl','ml-training'])[k - 1] END AS name,
       p.created + interval '1 day' * (k - 1) * pg_temp.rnd(p.idx * 10 + k, 41) AS created
  FROM gen_pool p, generate_series(1, 5) AS k
 WHERE k <= 1 + pg_temp.ri(p.idx, 42, 5);
ALTER TABLE gen_wq ADD PRIMARY KEY (widx);
ANALYZE gen_wq;
SELECT count(*) AS n_wq FROM gen_wq \gset
INSERT INTO prefect.work_queue (id, created, updated, name, filter, description, is_paused, concurrency_limit,
                                last_polled, priority, work_pool_id, status)
SELECT id, created, created + (:'t0'::timestamptz - created) * pg_temp.rnd(widx, 43), name, NULL,
       CASE WHEN k = 1 THEN 'The work pool''s default queue.'
            WHEN pg_temp.rnd(widx, 44) < 0.4 THEN 'Queue for ' || name || ' work' ELSE '' END,
       pg_temp.rnd(widx, 45) < 0.08,
       CASE WHEN pg_temp.rnd(widx, 46) < 0.25 THEN 1 + pg_temp.ri(widx, 47, 20) END,
       CASE WHEN pg_temp.rnd(widx, 48) < 0.75 THEN :'t0'::timestamptz - interval '1 hour' * power(pg_temp.rnd(widx, 49), 3) * 48 END,
       k, pool_id,
       CASE WHEN pg_temp.rnd(widx, 45) < 0.08 THEN 'PAUSED'
            WHEN pg_temp.rnd(widx, 48) < 0.6 THEN 'READY' ELSE 'NOT_READY' END::prefect.work_queue_status
  FROM gen_wq ORDER BY widx;
UPDATE prefect.work_pool wp SET default_queue_id = q.id
  FROM gen_wq q WHERE q.pool_id = wp.id AND q.k = 1;

-- ------------------------------------------------------------------ deployment (staged)
\echo deployment
SELECT greatest(1, round(:n_flows * 0.9))::int AS n_dflows \gset
CREATE TEMP TABLE gen_dep AS
SELECT d.*,
       CASE WHEN u_wq < 0.65 THEN q.id END AS work_queue_id,
       CASE WHEN u_wq < 0.62 THEN q.name
            WHEN u_wq < 0.65 THEN 'old-' || q.name                       -- stale denormalised name
            WHEN u_wq < 0.88 THEN pg_temp.pick('{default,default,legacy-agent,etl,ml-queue}', idx, 52)
       END AS work_queue_name
  FROM (
    SELECT i AS idx, pg_temp.uid('deployment', i) AS id, f.idx AS flow_idx, f.id AS flow_id, f.name AS flow_name,
           f.labels AS flow_labels, j,
           CASE WHEN pg_temp.rnd(i, 50) < 0.03 THEN upper(nm) ELSE nm END AS name,
           c.created, u.updated,
           pg_temp.rnd(i, 51) AS u_wq,
           pg_temp.rnd(i, 53) < 0.10 AS paused,
           pg_temp.rnd(i, 54) < 0.15 AS has_gcl,
           (ARRAY[1, 1, 2, 3, 5, 10])[1 + pg_temp.ri(i, 70, 6)] AS lim,
           CASE WHEN pg_temp.rnd(i, 55) < 0.3 THEN NULL
                WHEN pg_temp.rnd(i, 56) < 0.6 THEN '1.' || pg_temp.ri(i, 57, 12) || '.' || pg_temp.ri(i, 58, 20)
                ELSE left(md5('sha' || i), 7) END AS version,
           CASE WHEN busy.is_busy THEN 60   -- a busy deployment runs every minute
                ELSE (ARRAY[300, 900, 3600, 3600, 3600, 21600, 86400, 86400])[1 + pg_temp.ri(i, 59, 8)] END AS cadence,
           CASE WHEN u_s < 0.30 THEN 0 WHEN u_s < 0.70 THEN 1 WHEN u_s < 0.85 THEN 2 WHEN u_s < 0.95 THEN 3 ELSE 4 END AS n_sched,
           -- exponential number of runs with mean runs_mean (so ~10% of deployments have none)
           CASE WHEN busy.is_busy THEN :busy_runs
                ELSE least(floor(-ln(1 - pg_temp.rnd(i, 60)) * (:runs_mean + 0.5)), 1000)::int END AS n_runs,
           (SELECT tags FROM gen_tagset WHERE k = pg_temp.ri(i, 61, 64)) AS tags
      FROM generate_series(1, :n_dep) AS i
      JOIN gen_flow f ON f.idx = 1 + (i - 1) % :n_dflows
      CROSS JOIN LATERAL (SELECT (i - 1) / :n_dflows AS j, pg_temp.rnd(i, 62) AS u_s) AS jj
      CROSS JOIN LATERAL (SELECT :busy_deployments > 0 AND :busy_runs > 0
                                 AND (i - 1) % greatest(1, :n_dep / :busy_deployments) = 0
                                 AND (i - 1) / greatest(1, :n_dep / :busy_deployments) < :busy_deployments AS is_busy) AS busy
      CROSS JOIN LATERAL (SELECT (ARRAY['prod','staging','dev','nightly','hourly','daily-report','backfill','adhoc',
                                        'k8s','docker','default','weekly'])[1 + (jj.j + f.idx) % 12]
                                 || CASE WHEN jj.j >= 12 THEN '-' || (jj.j / 12) ELSE '' END AS nm) AS n
      CROSS JOIN LATERAL (SELECT CASE WHEN pg_temp.rnd(i, 63) < 0.03 THEN timestamptz '2025-01-01 00:00:00+00'   -- bulk import: ties
                                      ELSE f.created + (:'t0'::timestamptz - interval '1 day' - f.created) * pg_temp.rnd(i, 64) END AS created) AS c0
      CROSS JOIN LATERAL (SELECT CASE WHEN pg_temp.rnd(i, 65) < 0.05 THEN date_trunc('second', c0.created) ELSE c0.created END AS created) AS c
      CROSS JOIN LATERAL (SELECT CASE WHEN c.created = timestamptz '2025-01-01 00:00:00+00' OR pg_temp.rnd(i, 66) < 0.15 THEN c.created
                                      ELSE c.created + (:'t0'::timestamptz - c.created) * pg_temp.rnd(i, 67) END AS updated) AS u
  ) AS d
  LEFT JOIN gen_wq q ON q.widx = pg_temp.ri(d.idx, 68, :n_wq);
ALTER TABLE gen_dep ADD PRIMARY KEY (idx);
ANALYZE gen_dep;

-- concurrency_limit_v2: the deployments' limits, then a few free-standing global limits
INSERT INTO prefect.concurrency_limit_v2 (id, created, updated, active, name, "limit", active_slots, denied_slots,
                                          slot_decay_per_second, avg_slot_occupancy_seconds)
SELECT pg_temp.uid('gcl', idx), created, updated, true, 'deployment:' || id, lim,
       pg_temp.ri(idx, 71, lim + 1), pg_temp.ri(idx, 72, 3) * pg_temp.ri(idx, 73, 4), 0.0,
       CASE WHEN pg_temp.rnd(idx, 74) < 0.5 THEN 2.0 ELSE round((5 + 3000 * pg_temp.rnd(idx, 75))::numeric, 3)::float8 END
  FROM gen_dep WHERE has_gcl ORDER BY idx;
INSERT INTO prefect.concurrency_limit_v2 (id, created, updated, active, name, "limit", active_slots, denied_slots,
                                          slot_decay_per_second, avg_slot_occupancy_seconds)
SELECT pg_temp.uid('free_gcl', g), c, c, pg_temp.rnd(g, 76) < 0.8,
       pg_temp.pick('{database-connections,openai-api,s3-writes,warehouse-queries,slack-api}', g, 77) || '-' || g,
       (ARRAY[1, 5, 10, 50, 100])[1 + pg_temp.ri(g, 78, 5)], 0, 0,
       CASE WHEN pg_temp.rnd(g, 79) < 0.4 THEN 0.5 ELSE 0.0 END, 2.0
  FROM generate_series(1, :n_free_gcl) AS g,
       LATERAL (SELECT :'t0'::timestamptz - interval '200 days' * pg_temp.rnd(g, 80) AS c) AS cc;

INSERT INTO prefect.deployment (id, created, updated, name, tags, parameters, flow_id, infrastructure_document_id,
    description, parameter_openapi_schema, storage_document_id, version, infra_overrides, path, entrypoint,
    work_queue_name, created_by, updated_by, work_queue_id, pull_steps, enforce_parameter_schema, last_polled,
    paused, status, concurrency_limit, concurrency_options, concurrency_limit_id, labels, version_id)
SELECT d.id, d.created, d.updated, d.name, d.tags,
       pg_temp.pickj(ARRAY[
         '{}', '{}', '{"limit": 100}',
         '{"start_date": "2024-01-01", "tables": ["orders", "customers"], "dry_run": false}',
         '{"threshold": 0.75, "mode": "merge", "batch_size": 5000}',
         '{"model": "xgboost", "features": {"lags": [1, 7, 28], "scale": true}, "threshold": 0.5}',
         '{"name": "world", "count": 3}',
         '{"greeting": "héllo wörld ✓", "recipients": ["ops@example.com"], "notify": {"channel": "#data-alerts", "mention": null}}'
       ]::jsonb[], d.idx, 81),
       d.flow_id,
       CASE WHEN pg_temp.rnd(d.idx, 82) < 0.05 THEN (SELECT id FROM gen_block_cat b WHERE b.cat = 'infrastructure' AND b.cidx = pg_temp.ri(d.idx, 83, :n_infra)) END,
       CASE WHEN pg_temp.rnd(d.idx, 84) < 0.4 THEN NULL
            WHEN pg_temp.rnd(d.idx, 85) < 0.8 THEN 'Runs the ' || d.flow_name || ' flow (' || d.name || ').'
            ELSE E'# ' || d.flow_name || E'\n\nOwned by the data team.\n\n* retries: 2\n* SLA: 30 min' END,
       CASE WHEN pg_temp.rnd(d.idx, 86) < 0.05 THEN NULL
            ELSE (SELECT s FROM gen_pschema WHERE v = (ARRAY[0, 0, 0, 1, 2, 2, 3, 4])[1 + pg_temp.ri(d.idx, 87, 8)]) END,
       CASE WHEN pg_temp.rnd(d.idx, 88) < 0.10 THEN (SELECT id FROM gen_block_cat b WHERE b.cat = 'storage' AND b.cidx = pg_temp.ri(d.idx, 89, :n_storage)) END,
       d.version,
       pg_temp.pickj(ARRAY[
         '{}', '{}', '{}', '{}',
         '{"env": {"LOG_LEVEL": "DEBUG"}}',
         '{"image": "acme/flows:2024.06", "cpu": 1024, "memory": 2048}',
         '{"namespace": "data", "image_pull_policy": "IfNotPresent", "finished_job_ttl": 3600}',
         '{"env": {"PREFECT_LOGGING_LEVEL": "INFO", "AWS_REGION": "us-east-1"}, "labels": {"team": "data"}, "stream_output": true}'
       ]::jsonb[], d.idx, 90),
       pg_temp.pick('{NULL,.,/opt/prefect/flows,/opt/prefect/flows}', d.idx, 91),
       CASE WHEN pg_temp.rnd(d.idx, 92) < 0.05 THEN NULL
            ELSE 'flows/' || replace(lower(d.flow_name), '-', '_') || '.py:' || replace(lower(d.flow_name), '-', '_') END,
       d.work_queue_name,
       CASE WHEN pg_temp.rnd(d.idx, 93) < 0.25 THEN
            CASE WHEN pg_temp.rnd(d.idx, 94) < 0.6
                 THEN jsonb_build_object('id', pg_temp.uid('automation', pg_temp.ri(d.idx, 95, 40)), 'type', 'AUTOMATION',
                                         'display_value', pg_temp.pick('{redeploy-on-push,nightly-sync,promote-to-prod}', d.idx, 96))
                 WHEN pg_temp.rnd(d.idx, 94) < 0.97
                 THEN jsonb_build_object('id', pg_temp.uid('user', pg_temp.ri(d.idx, 97, 25)), 'type', 'USER',
                                         'display_value', pg_temp.pick('{alice,bob,carol,dave,erin}', d.idx, 98))
                 ELSE jsonb_build_object('id', NULL, 'type', 'AUTOMATION')            -- incomplete object
            END END,
       CASE WHEN pg_temp.rnd(d.idx, 99) < 0.15 THEN
            jsonb_build_object('id', pg_temp.uid('user', pg_temp.ri(d.idx, 100, 25)), 'type', 'USER',
                               'display_value', pg_temp.pick('{alice,bob,carol,dave,erin}', d.idx, 101)) END,
       d.work_queue_id,
       pg_temp.pickj(ARRAY[
         NULL, '[]',
         '[{"prefect.deployments.steps.git_clone": {"repository": "https://github.com/acme/data-flows.git", "branch": "main"}}]',
         '[{"prefect.deployments.steps.git_clone": {"id": "clone-step", "repository": "https://github.com/acme/ml-flows.git", "branch": "release", "access_token": "{{ prefect.blocks.secret.github-token }}"}}, {"prefect.deployments.steps.pip_install_requirements": {"directory": "{{ clone-step.directory }}", "requirements_file": "requirements.txt", "stream_output": false}}]',
         '[{"prefect.deployments.steps.set_working_directory": {"directory": "/opt/prefect/flows"}}]',
         '[{"prefect_aws.deployments.steps.pull_from_s3": {"bucket": "acme-flows", "folder": "data-flows", "credentials": "{{ prefect.blocks.aws-credentials.prod }}"}}]'
       ]::jsonb[], d.idx, 102),
       pg_temp.rnd(d.idx, 103) < 0.8,
       lp.last_polled,
       d.paused,
       CASE WHEN lp.last_polled > :'t0'::timestamptz - interval '60 seconds' THEN 'READY' ELSE 'NOT_READY' END::prefect.deployment_status,
       CASE WHEN d.has_gcl THEN d.lim END,
       CASE WHEN d.has_gcl AND pg_temp.rnd(d.idx, 104) < 0.7 THEN
            CASE pg_temp.ri(d.idx, 105, 3)
              WHEN 0 THEN jsonb_build_object('collision_strategy', pg_temp.pick('{ENQUEUE,CANCEL_NEW}', d.idx, 106),
                                             'grace_period_seconds', (ARRAY[60, 300, 600, 3600, 86400])[1 + pg_temp.ri(d.idx, 107, 5)])
              WHEN 1 THEN jsonb_build_object('collision_strategy', pg_temp.pick('{ENQUEUE,CANCEL_NEW}', d.idx, 106),
                                             'grace_period_seconds', NULL)
              ELSE jsonb_build_object('collision_strategy', pg_temp.pick('{ENQUEUE,CANCEL_NEW}', d.idx, 106))
            END END,
       CASE WHEN d.has_gcl THEN pg_temp.uid('gcl', d.idx) END,
       CASE WHEN pg_temp.rnd(d.idx, 108) < 0.2 THEN NULL
            ELSE coalesce(d.flow_labels, '{}')
                 || jsonb_build_object('prefect.flow.id', d.flow_id::text)
                 || pg_temp.pickj(ARRAY[
                      '{}', '{}', '{"env": "prod", "team": "data"}', '{"tier": 2, "critical": true}',
                      '{"cost_center": "cc-1234", "sla_minutes": 30, "pii": false, "weight": 0.75}',
                      '{"env": "staging", "owner": "ml-platform", "gpu": true}'
                    ]::jsonb[], d.idx, 109) END,
       NULL
  FROM gen_dep d,
       LATERAL (SELECT CASE WHEN pg_temp.rnd(d.idx, 110) < 0.6
                            THEN :'t0'::timestamptz - interval '1 second' * (5 + 600 * power(pg_temp.rnd(d.idx, 111), 4))
                            WHEN pg_temp.rnd(d.idx, 110) < 0.8 THEN :'t0'::timestamptz - interval '30 days' * pg_temp.rnd(d.idx, 112)
                       END AS last_polled) AS lp
 ORDER BY d.idx;
ANALYZE prefect.deployment;

-- ------------------------------------------------------------------ deployment_schedule
\echo deployment_schedule
CREATE TEMP TABLE gen_sched AS
SELECT d.idx AS dep_idx, k, pg_temp.uid('schedule', d.idx * 8 + k) AS id, d.id AS deployment_id,
       kind, pg_temp.rnd(d.idx * 8 + k, 120) < 0.85 AS active,
       CASE WHEN pg_temp.rnd(d.idx * 8 + k, 121) < 0.5 THEN NULL
            ELSE CASE kind WHEN 'interval' THEN 'every-' || d.cadence || 's' WHEN 'cron' THEN 'cron' ELSE 'rrule' END || '-' || k
       END AS slug,
       d.created,
       CASE WHEN pg_temp.rnd(d.idx, 122) < 0.5 THEN d.updated         -- all schedules written with the deployment: same `updated`
            ELSE d.updated - interval '1 hour' * k * pg_temp.rnd(d.idx * 8 + k, 123) END AS updated,
       CASE kind
         WHEN 'interval' THEN jsonb_build_object(
              'interval', CASE WHEN pg_temp.rnd(d.idx * 8 + k, 124) < 0.03 THEN to_jsonb(d.cadence)   -- old rows: integer seconds
                               ELSE to_jsonb(d.cadence::numeric(12,1)) END)
              || pg_temp.pickj(ARRAY[
                   '{"anchor_date": "2024-01-01T00:00:00Z", "timezone": "UTC"}',
                   '{"anchor_date": "2024-01-01T00:00:00Z", "timezone": "UTC"}',
                   '{"anchor_date": "2024-03-10T09:30:00-05:00", "timezone": "America/New_York"}',
                   '{"anchor_date": "2023-06-15T08:00:00+05:30", "timezone": "Asia/Kolkata"}',
                   '{"anchor_date": "2025-01-01T00:00:00.123456Z", "timezone": "UTC"}',
                   '{"anchor_date": "2024-07-01T12:00:00+02:00", "timezone": "Europe/Berlin"}'
                 ]::jsonb[], d.idx * 8 + k, 125)
         WHEN 'cron' THEN jsonb_build_object(
              'cron', pg_temp.pick('{"0 9 * * 1-5","*/15 * * * *","0 0 * * *","30 2 1 * *","0 */6 * * *","0 9 1-7 * MON"}', d.idx * 8 + k, 126),
              'timezone', pg_temp.pickj(ARRAY['"America/New_York"', '"UTC"', 'null', '"Europe/London"']::jsonb[], d.idx * 8 + k, 127),
              'day_or', pg_temp.rnd(d.idx * 8 + k, 128) < 0.85)
         ELSE jsonb_build_object(
              'rrule', pg_temp.pick(ARRAY['FREQ=DAILY;INTERVAL=1', 'FREQ=WEEKLY;BYDAY=MO,WE,FR;BYHOUR=9',
                                          E'DTSTART:20240101T090000\nRRULE:FREQ=HOURLY;INTERVAL=4', 'FREQ=MONTHLY;BYMONTHDAY=1,15'],
                                    d.idx * 8 + k, 129),
              'timezone', pg_temp.pick('{UTC,UTC,America/Chicago}', d.idx * 8 + k, 130))
       END AS schedule
  FROM gen_dep d
  CROSS JOIN generate_series(1, 4) AS k
  CROSS JOIN LATERAL (SELECT CASE WHEN v < 5 THEN 'interval' WHEN v < 8 THEN 'cron' ELSE 'rrule' END AS kind
                        FROM (SELECT pg_temp.ri(d.idx * 8 + k, 131, 10) AS v) AS vv) AS kk
 WHERE k <= d.n_sched;
ANALYZE gen_sched;
INSERT INTO prefect.deployment_schedule (id, created, updated, schedule, active, deployment_id, max_scheduled_runs, parameters, slug)
SELECT id, created, updated, schedule, active, deployment_id,
       CASE WHEN pg_temp.rnd(dep_idx * 8 + k, 132) < 0.2 THEN (ARRAY[10, 25, 50])[1 + pg_temp.ri(dep_idx * 8 + k, 133, 3)] END,
       pg_temp.pickj(ARRAY['{}', '{}', '{}', '{}', '{"limit": 10}', '{"dry_run": true}']::jsonb[], dep_idx * 8 + k, 134),
       slug
  FROM gen_sched ORDER BY dep_idx, k;

-- ------------------------------------------------------------------ flow_run (top level)
\echo flow_run
-- One row per run, keyed by `key`: deployment runs key = dep_idx * 1024 + k (k >= 1024, only
-- busy deployments: 2^40 + dep_idx * 2^20 + k, so the keys of other runs do not change), ad-hoc runs
-- key = -i. State codes: see the CASE on u_state below.
CREATE TEMP TABLE gen_fr AS
WITH runs AS (
    -- runs of deployments: k = 1..n_runs; the last n_future are future runs of an active
    -- schedule; past ones are periodic (on the schedule) or spread over 90 days (manual)
    SELECT CASE WHEN g.rk < 1024 THEN d.idx::bigint * 1024 + g.rk
                ELSE (1::bigint << 40) + d.idx::bigint * 1048576 + g.rk END AS key, d.idx AS dep_idx, d.id AS deployment_id, d.flow_idx, d.flow_id,
           d.version AS deployment_version, d.work_queue_name, d.work_queue_id, d.tags AS dep_tags,
           d.cadence, s.id AS sched_id,
           coalesce(s.slug, CASE s.kind WHEN 'interval' THEN 'IntervalSchedule'
                                        WHEN 'cron' THEN 'CronSchedule' ELSE 'RRuleSchedule' END) AS sched_display,
           coalesce(s.active AND NOT d.paused, false) AS periodic,
           g.rk AS k, d.n_runs,
           CASE WHEN s.active AND NOT d.paused THEN least(d.n_runs, 3) ELSE 0 END AS n_future
      FROM gen_dep d
      LEFT JOIN gen_sched s ON s.dep_idx = d.idx AND s.k = 1
     CROSS JOIN LATERAL generate_series(1, d.n_runs) AS g(rk)
    UNION ALL
    -- ad-hoc runs (flow called directly, no deployment); 3% reference a deleted deployment
    SELECT -i, NULL, CASE WHEN pg_temp.rnd(-i, 140) < 0.03 THEN pg_temp.uid('deleted_deployment', pg_temp.ri(-i, 141, 50)) END,
           f.idx, f.id, NULL, CASE WHEN pg_temp.rnd(-i, 140) < 0.03 THEN 'default' END, NULL, f.tags,
           NULL, NULL, NULL, false, 1, 1, 0
      FROM generate_series(1, round(:n_dep * :runs_mean / 9.0)::int) AS i
      JOIN gen_flow f ON f.idx = 1 + pg_temp.ri(-i, 142, :n_flows)
), timed AS (
    SELECT r.*, o.future, o.on_schedule,
           CASE WHEN o.future
                  THEN tb + r.cadence * interval '1 second' * (r.k - (r.n_runs - r.n_future))
                WHEN o.on_schedule
                  THEN tb - r.cadence * interval '1 second' * ((r.n_runs - r.n_future) - r.k)
                ELSE :'t0'::timestamptz - interval '90 days' * pg_temp.rnd(r.key, 144)
           END AS expected,
           pg_temp.rnd(r.key, 145) AS u_state
      FROM runs r
     CROSS JOIN LATERAL (SELECT to_timestamp(floor(extract(epoch FROM :'t0'::timestamptz) / coalesce(r.cadence, 1))
                                             * coalesce(r.cadence, 1)) AS tb) AS b
     CROSS JOIN LATERAL (SELECT r.k > r.n_runs - r.n_future AS future,
                                r.k > r.n_runs - r.n_future OR r.periodic
                                OR (r.sched_id IS NOT NULL AND pg_temp.rnd(r.key, 143) < 0.7) AS on_schedule) AS o
    OFFSET 0   -- each level is computed once per row (no re-expansion of its expressions above)
), stated AS (
    SELECT t.*,
           CASE WHEN t.future THEN 'SCHEDULED/Scheduled'
                WHEN t.u_state < 0.700 THEN 'COMPLETED/Completed'
                WHEN t.u_state < 0.800 THEN 'FAILED/Failed'
                WHEN t.u_state < 0.840 THEN 'CANCELLED/Cancelled'
                WHEN t.u_state < 0.870 THEN 'CRASHED/Crashed'
                WHEN t.u_state < 0.880 THEN 'PAUSED/Paused'
                WHEN t.u_state < 0.885 THEN 'PAUSED/Suspended'
                WHEN t.u_state < 0.890 THEN 'CANCELLING/Cancelling'
                WHEN t.u_state < 0.915 THEN 'RUNNING/Running'
                WHEN t.u_state < 0.920 THEN 'RUNNING/Retrying'
                WHEN t.u_state < 0.940 THEN 'PENDING/Pending'
                WHEN t.u_state < 0.965 THEN 'SCHEDULED/Late'
                WHEN t.u_state < 0.975 THEN 'SCHEDULED/AwaitingRetry'
                WHEN t.u_state < 0.980 THEN 'SCHEDULED/AwaitingConcurrencySlot'
                WHEN t.u_state < 0.998 THEN 'COMPLETED/Completed'
                ELSE NULL                                                  -- a run without state
           END AS st,
           (t.sched_id IS NOT NULL AND t.on_schedule AND pg_temp.rnd(t.key, 146) < 0.95) AS auto_scheduled
      FROM timed t
    OFFSET 0
), shaped AS (
    SELECT s.*, split_part(s.st, '/', 1) AS state_type_t, split_part(s.st, '/', 2) AS state_name_t,
           -- started?  (crashed/cancelled runs sometimes never started)
           CASE WHEN s.st IN ('COMPLETED/Completed', 'FAILED/Failed', 'PAUSED/Paused', 'PAUSED/Suspended',
                              'CANCELLING/Cancelling', 'RUNNING/Running', 'RUNNING/Retrying',
                              'SCHEDULED/AwaitingRetry') THEN true
                WHEN s.st = 'CRASHED/Crashed' THEN pg_temp.rnd(s.key, 147) < 0.8
                WHEN s.st = 'CANCELLED/Cancelled' THEN pg_temp.rnd(s.key, 147) < 0.5
                ELSE false END AS started,
           least(s.expected + interval '1 second' * (CASE WHEN pg_temp.rnd(s.key, 148) < 0.05 THEN 1800 ELSE 90 END)
                                                   * pg_temp.rnd(s.key, 149),
                 :'t0'::timestamptz - interval '1 second') AS start_at,
           interval '1 second' * power(10, 0.7 + 3.2 * pg_temp.rnd(s.key, 150)) AS duration
      FROM stated s
    OFFSET 0
), spanned AS (
    -- span: how long the run has been executing (finished: its duration; otherwise until t0)
    SELECT x.*,
           CASE WHEN x.state_type_t IN ('COMPLETED', 'FAILED', 'CRASHED', 'CANCELLED', 'SCHEDULED')
                THEN least(x.duration, :'t0'::timestamptz - x.start_at)
                ELSE :'t0'::timestamptz - x.start_at END AS span,
           least(CASE WHEN x.auto_scheduled THEN x.expected - interval '1 hour' * (1 + 24 * pg_temp.rnd(x.key, 172))
                      ELSE x.expected - interval '1 second' * 2 * pg_temp.rnd(x.key, 172) END,
                 :'t0'::timestamptz - interval '1 second' * (1 + 60 * pg_temp.rnd(x.key, 173))) AS created
      FROM shaped x
    OFFSET 0
)
SELECT x.key, pg_temp.uid7(x.created, x.key, 1) AS id, x.created, x.dep_idx, x.deployment_id, x.flow_idx, x.flow_id,
       x.deployment_version, x.work_queue_name, x.work_queue_id, x.auto_scheduled, x.k,
       pg_temp.slug2(x.key) AS name,
       CASE WHEN x.st IS NOT NULL THEN x.state_type_t::prefect.state_type END AS state_type,
       CASE WHEN x.st IS NOT NULL THEN x.state_name_t END AS state_name,
       CASE WHEN x.st IN ('RUNNING/Retrying', 'SCHEDULED/AwaitingRetry')
              OR (x.st = 'FAILED/Failed' AND pg_temp.rnd(x.key, 151) < 0.3) THEN 2 + pg_temp.ri(x.key, 152, 2)
            WHEN x.started THEN 1 ELSE 0 END AS run_count,
       x.expected AS expected_start_time,
       CASE WHEN x.state_type_t = 'SCHEDULED' THEN
            CASE WHEN x.state_name_t = 'AwaitingRetry' THEN x.start_at + x.span + interval '5 minutes'
                 ELSE x.expected END END AS next_scheduled_start_time,
       CASE WHEN x.started THEN x.start_at END AS start_time,
       CASE WHEN x.state_type_t IN ('COMPLETED', 'FAILED', 'CRASHED', 'CANCELLED')
            THEN CASE WHEN x.started THEN x.start_at + x.span
                      ELSE least(x.expected + interval '1 second' * 30 * pg_temp.rnd(x.key, 153), :'t0'::timestamptz) END
       END AS end_time,
       CASE WHEN x.started AND x.state_type_t IN ('COMPLETED', 'FAILED', 'CRASHED', 'CANCELLED', 'SCHEDULED') THEN x.span
            WHEN x.started AND x.state_type_t IN ('PAUSED', 'CANCELLING') THEN x.span / 2
            ELSE interval '0' END AS total_run_time,
       CASE WHEN pg_temp.rnd(x.flow_idx, 154) < 0.2 THEN '1.' || (x.k / 25)::text || '.0'
            ELSE md5(fl.name || (x.k / 20)) END AS flow_version,
       x.sched_id, x.sched_display, x.dep_tags, x.st, x.started, x.start_at, x.span
  FROM spanned x JOIN gen_flow fl ON fl.idx = x.flow_idx;
ALTER TABLE gen_fr ADD PRIMARY KEY (key);
ANALYZE gen_fr;

INSERT INTO prefect.flow_run (id, created, updated, name, state_type, run_count, expected_start_time,
    next_scheduled_start_time, start_time, end_time, total_run_time, flow_version, parameters, idempotency_key,
    context, empirical_policy, tags, auto_scheduled, flow_id, deployment_id, parent_task_run_id, state_id,
    state_name, infrastructure_document_id, work_queue_name, state_timestamp, created_by, infrastructure_pid,
    work_queue_id, job_variables, deployment_version, labels)
SELECT r.id, r.created, coalesce(ts.state_timestamp, r.created), r.name, r.state_type, r.run_count,
       r.expected_start_time, r.next_scheduled_start_time, r.start_time, r.end_time, r.total_run_time, r.flow_version,
       coalesce(dp.parameters, '{}')
         || CASE WHEN pg_temp.rnd(r.key, 160) < 0.1 THEN '{"dry_run": true}'::jsonb ELSE '{}'::jsonb END,
       CASE WHEN r.auto_scheduled THEN format('scheduled %s %s %s', r.deployment_id, r.sched_id,
                                              to_char(r.expected_start_time, 'YYYY-MM-DD HH24:MI:SS') || '+00:00')
            WHEN pg_temp.rnd(r.key, 161) < 0.1 THEN 'manual-' || md5('idem' || r.key) END,
       '{}'::jsonb,
       CASE WHEN r.run_count > 1
            THEN '{"retries": 3, "resuming": false, "retry_type": "in_process", "pause_keys": [], "retry_delay": 30, "max_retries": 3, "retry_delay_seconds": 30.0}'::jsonb
            ELSE '{"retries": 0, "resuming": false, "retry_type": null, "pause_keys": [], "retry_delay": 0, "max_retries": 0, "retry_delay_seconds": 0.0}'::jsonb END,
       CASE WHEN r.auto_scheduled THEN '["auto-scheduled"]'::jsonb || r.dep_tags ELSE r.dep_tags END,
       r.auto_scheduled, r.flow_id, r.deployment_id, NULL,
       CASE WHEN r.state_type IS NOT NULL THEN pg_temp.uid7(ts.state_timestamp, r.key, 11) END,
       r.state_name, dp.infrastructure_document_id, r.work_queue_name, ts.state_timestamp,
       CASE WHEN r.auto_scheduled THEN jsonb_build_object('id', r.sched_id, 'display_value', r.sched_display, 'type', 'SCHEDULE')
            WHEN r.dep_idx IS NOT NULL AND pg_temp.rnd(r.key, 162) < 0.3 THEN
                 CASE WHEN pg_temp.rnd(r.key, 163) < 0.5
                      THEN jsonb_build_object('id', pg_temp.uid('automation', pg_temp.ri(r.key, 164, 40)), 'display_value', 'retry-failed-runs', 'type', 'AUTOMATION')
                      ELSE jsonb_build_object('id', pg_temp.uid('deployment', 1 + pg_temp.ri(r.key, 165, :n_dep)), 'display_value', 'orchestrator', 'type', 'DEPLOYMENT') END
       END,
       CASE WHEN r.started AND pg_temp.rnd(r.key, 166) < 0.6
            THEN 'ip-10-0-' || pg_temp.ri(r.key, 167, 256) || '-' || pg_temp.ri(r.key, 168, 256) || ':' || (1000 + pg_temp.ri(r.key, 169, 60000)) END,
       r.work_queue_id,
       CASE WHEN pg_temp.rnd(r.key, 170) < 0.03 THEN NULL
            WHEN pg_temp.rnd(r.key, 170) < 0.15 THEN '{"env": {"LOG_LEVEL": "DEBUG"}}'::jsonb ELSE '{}'::jsonb END,
       r.deployment_version,
       CASE WHEN pg_temp.rnd(r.key, 171) < 0.1 THEN NULL
            WHEN r.dep_idx IS NULL THEN jsonb_build_object('prefect.flow.id', r.flow_id::text)
            ELSE coalesce(dp.labels, '{}')
                 || jsonb_build_object('prefect.flow.id', r.flow_id::text, 'prefect.deployment.id', r.deployment_id::text) END
  FROM gen_fr r
  LEFT JOIN prefect.deployment dp ON dp.id = r.deployment_id AND r.dep_idx IS NOT NULL
 CROSS JOIN LATERAL (SELECT CASE WHEN r.state_type IS NOT NULL
                                 THEN least(coalesce(r.end_time, r.start_time, r.created), :'t0'::timestamptz) END AS state_timestamp) AS ts
 ORDER BY r.key;

-- ------------------------------------------------------------------ task_run (for top-level runs)
\echo task_run
-- Task k of a run calls task function (flow_idx + k) % 12, so a function repeats only after all
-- 12 were used and dynamic_key = (k - 1) / 12 keeps (flow_run_id, task_key, dynamic_key) unique.
-- ~1.5% of the tasks track a subflow call (gen_parent): named after the subflow's flow.
CREATE TEMP TABLE gen_task_src AS
SELECT r.key, r.id AS flow_run_id, r.flow_idx, r.st, r.start_at, r.span, r.run_count, r.dep_tags,
       1 + pg_temp.ri(r.key, 180, greatest(1, (2 * :tasks_mean - 1)::int)) AS n_tasks
  FROM gen_fr r WHERE r.started;
ANALYZE gen_task_src;
CREATE TEMP TABLE gen_parent AS
SELECT s.key * 64 + k AS tkey, s.key AS run_key, k AS tk, 1 + pg_temp.ri(s.key * 64 + k, 185, :n_flows) AS sub_flow_idx
  FROM gen_task_src s CROSS JOIN LATERAL generate_series(1, s.n_tasks) AS k
 WHERE pg_temp.rnd(s.key * 64 + k, 181) < 0.015;
ALTER TABLE gen_parent ADD PRIMARY KEY (tkey);
ANALYZE gen_parent;

CREATE TEMP TABLE gen_fn AS
SELECT (o - 1)::int AS fn, f AS fn_name FROM unnest('{extract,transform,load,validate,fetch_data,save_results,send_notification,
       compute_metrics,train_model,score_batch,upload_to_s3,query_db}'::text[]) WITH ORDINALITY AS u(f, o);
ANALYZE gen_fn;

INSERT INTO prefect.task_run (id, created, updated, name, state_type, run_count, expected_start_time,
    next_scheduled_start_time, start_time, end_time, total_run_time, task_key, dynamic_key, cache_key,
    cache_expiration, task_version, empirical_policy, task_inputs, tags, flow_run_id, state_id, state_name,
    state_timestamp, flow_run_run_count, labels)
SELECT pg_temp.uid7(t.t_start - interval '5 milliseconds', t.tkey, 2), t.t_start - interval '5 milliseconds',
       CASE WHEN t.tst IN ('COMPLETED', 'FAILED', 'CRASHED', 'CANCELLED') THEN t.t_end ELSE t.t_start END,
       t.task_name || '-' || t.dynamic_key,
       t.tst::prefect.state_type,
       CASE WHEN t.tst IN ('PENDING', 'SCHEDULED') THEN 0 WHEN t.tst = 'FAILED' AND t.retries THEN 4 ELSE 1 END,
       t.t_start - interval '5 milliseconds',
       CASE WHEN t.tst = 'SCHEDULED' THEN t.t_start + interval '30 seconds' END,
       CASE WHEN t.tst NOT IN ('PENDING', 'SCHEDULED') THEN t.t_start END,
       CASE WHEN t.tst IN ('COMPLETED', 'FAILED', 'CRASHED', 'CANCELLED') THEN t.t_end END,
       CASE WHEN t.tst IN ('COMPLETED', 'FAILED', 'CRASHED', 'CANCELLED') THEN t.t_end - t.t_start ELSE interval '0' END,
       replace(t.task_name, '-', '_') || '-' || left(md5(t.task_name || t.flow_idx), 8),
       t.dynamic_key,
       CASE WHEN t.cached THEN md5('cache' || t.tkey) END,
       CASE WHEN t.cached AND pg_temp.rnd(t.tkey, 182) < 0.5 THEN t.t_end + interval '1 day' END,
       CASE WHEN pg_temp.rnd(t.flow_idx, 183) < 0.05 THEN '2.' || (t.flow_idx % 7) END,
       CASE WHEN t.retries
            THEN '{"retries": 3, "retry_delay": 10, "max_retries": 3, "retry_delay_seconds": 10.0, "retry_jitter_factor": null}'::jsonb
            ELSE '{"retries": 0, "retry_delay": 0, "max_retries": 0, "retry_delay_seconds": 0.0, "retry_jitter_factor": null}'::jsonb END,
       CASE WHEN t.k > 1 AND pg_temp.rnd(t.tkey, 184) < 0.5
              THEN jsonb_build_object('data', jsonb_build_array(jsonb_build_object('input_type', 'task_run', 'id', pg_temp.uid7(t.t_prev - interval '5 milliseconds', t.tkey - 1, 2))))
            WHEN t.k = 1 AND pg_temp.rnd(t.tkey, 184) < 0.3
              THEN '{"start_date": [{"input_type": "parameter", "name": "start_date"}]}'::jsonb
            ELSE '{}'::jsonb END,
       t.dep_tags, t.flow_run_id,
       pg_temp.uid7(CASE WHEN t.tst IN ('COMPLETED', 'FAILED', 'CRASHED', 'CANCELLED') THEN t.t_end ELSE t.t_start END, t.tkey, 12),
       t.tsn,
       CASE WHEN t.tst IN ('COMPLETED', 'FAILED', 'CRASHED', 'CANCELLED') THEN t.t_end ELSE t.t_start END,
       t.run_count,
       CASE WHEN pg_temp.rnd(t.key, 171) < 0.1 THEN NULL ELSE '{}'::jsonb END
  FROM (
    SELECT s.key, s.flow_idx, s.flow_run_id, s.dep_tags, s.run_count, k, s.key * 64 + k AS tkey,
           coalesce(sf.name, fn.fn_name) AS task_name,
           CASE WHEN p.tkey IS NULL THEN (k - 1) / 12 ELSE k - 1 END::text AS dynamic_key,
           pg_temp.task_t(s.start_at, s.span, k, s.n_tasks) AS t_start,
           pg_temp.task_t(s.start_at, s.span, k + 1, s.n_tasks) AS t_end,
           pg_temp.task_t(s.start_at, s.span, k - 1, s.n_tasks) AS t_prev,
           pg_temp.rnd(s.key * 64 + k, 188) < 0.1 AS cached,
           pg_temp.rnd(s.key * 64 + k, 189) < 0.1 AS retries,
           split_part(ts, '/', 1) AS tst, split_part(ts, '/', 2) AS tsn
      FROM gen_task_src s
     CROSS JOIN LATERAL generate_series(1, s.n_tasks) AS k
      JOIN gen_fn fn ON fn.fn = (s.flow_idx + k) % 12
      LEFT JOIN gen_parent p ON p.tkey = s.key * 64 + k
      LEFT JOIN gen_flow sf ON sf.idx = p.sub_flow_idx
     CROSS JOIN LATERAL (SELECT CASE
                WHEN k < s.n_tasks THEN
                     CASE WHEN p.tkey IS NULL AND pg_temp.rnd(s.key * 64 + k, 190) < 0.05 THEN 'COMPLETED/Cached'
                          ELSE 'COMPLETED/Completed' END
                WHEN s.st IN ('FAILED/Failed', 'SCHEDULED/AwaitingRetry') THEN 'FAILED/Failed'
                WHEN s.st = 'CRASHED/Crashed' THEN 'CRASHED/Crashed'
                WHEN s.st IN ('CANCELLED/Cancelled', 'CANCELLING/Cancelling') THEN 'CANCELLED/Cancelled'
                WHEN s.st IN ('RUNNING/Running', 'RUNNING/Retrying') THEN
                     CASE WHEN pg_temp.rnd(s.key * 64 + k, 191) < 0.2 THEN 'PENDING/Pending'
                          WHEN pg_temp.rnd(s.key * 64 + k, 191) < 0.3 THEN 'SCHEDULED/AwaitingRetry'
                          ELSE 'RUNNING/Running' END
                WHEN s.st IN ('PAUSED/Paused', 'PAUSED/Suspended') THEN 'PAUSED/Paused'
                ELSE 'COMPLETED/Completed' END AS ts) AS tstate
    OFFSET 0
  ) AS t;

-- ------------------------------------------------------------------ subflow runs and their tasks
\echo subflow flow_run + task_run
-- One subflow run per tracking task, in the tracking task's state and time window; 15% of them
-- carry a deployment (run_deployment()).
CREATE TEMP TABLE gen_sub AS
SELECT p.tkey, pg_temp.uid7(tr.created, p.tkey, 3) AS id,
       tr.id AS parent_task_run_id, tr.state_type, tr.state_name, tr.start_time, tr.end_time, tr.created,
       tr.tags, f.idx AS flow_idx, f.id AS flow_id, f.name AS flow_name,
       CASE WHEN pg_temp.rnd(p.tkey, 200) < 0.15 THEN pg_temp.uid('deployment', 1 + pg_temp.ri(p.tkey, 201, :n_dep)) END AS deployment_id
  FROM gen_parent p
  JOIN gen_task_src ts ON ts.key = p.run_key
  JOIN prefect.task_run tr ON tr.id = pg_temp.uid7(pg_temp.task_t(ts.start_at, ts.span, p.tk, ts.n_tasks) - interval '5 milliseconds', p.tkey, 2)
  JOIN gen_flow f ON f.idx = p.sub_flow_idx;
ANALYZE gen_sub;
INSERT INTO prefect.flow_run (id, created, updated, name, state_type, run_count, expected_start_time,
    next_scheduled_start_time, start_time, end_time, total_run_time, flow_version, parameters, idempotency_key,
    context, empirical_policy, tags, auto_scheduled, flow_id, deployment_id, parent_task_run_id, state_id,
    state_name, infrastructure_document_id, work_queue_name, state_timestamp, created_by, infrastructure_pid,
    work_queue_id, job_variables, deployment_version, labels)
SELECT s.id, s.created, coalesce(s.end_time, s.start_time, s.created), pg_temp.slug2(-s.tkey), s.state_type,
       CASE WHEN s.start_time IS NULL THEN 0 ELSE 1 END,
       s.created, CASE WHEN s.state_type = 'SCHEDULED' THEN s.created + interval '30 seconds' END,
       s.start_time, s.end_time, coalesce(s.end_time - s.start_time, interval '0'),
       md5(s.flow_name), '{"parent_run": true}'::jsonb,
       CASE WHEN s.deployment_id IS NOT NULL THEN md5('subflow-idem' || s.tkey) END,
       '{}'::jsonb,
       '{"retries": 0, "resuming": false, "retry_type": null, "pause_keys": [], "retry_delay": 0, "max_retries": 0, "retry_delay_seconds": 0.0}'::jsonb,
       s.tags, false, s.flow_id, s.deployment_id, s.parent_task_run_id, pg_temp.uid7(coalesce(s.end_time, s.start_time, s.created), s.tkey, 13),
       s.state_name, NULL, NULL, coalesce(s.end_time, s.start_time, s.created),
       CASE WHEN s.deployment_id IS NOT NULL THEN jsonb_build_object('id', s.deployment_id, 'display_value', 'run_deployment', 'type', 'DEPLOYMENT') END,
       NULL, NULL, '{}'::jsonb, NULL,
       jsonb_build_object('prefect.flow.id', s.flow_id::text)
  FROM gen_sub s ORDER BY s.tkey;
INSERT INTO prefect.task_run (id, created, updated, name, state_type, run_count, expected_start_time,
    next_scheduled_start_time, start_time, end_time, total_run_time, task_key, dynamic_key, cache_key,
    cache_expiration, task_version, empirical_policy, task_inputs, tags, flow_run_id, state_id, state_name,
    state_timestamp, flow_run_run_count, labels)
SELECT pg_temp.uid7(tt.t_start, s.tkey * 8 + k, 4), tt.t_start, coalesce(tt.t_end, tt.t_start), fn.fn_name || '-0',
       tt.tst, 1, tt.t_start, NULL, tt.t_start, tt.t_end, coalesce(tt.t_end - tt.t_start, interval '0'),
       fn.fn_name || '-' || left(md5(fn.fn_name || s.flow_idx), 8), '0', NULL, NULL, NULL,
       '{"retries": 0, "retry_delay": 0, "max_retries": 0, "retry_delay_seconds": 0.0, "retry_jitter_factor": null}'::jsonb,
       '{}'::jsonb, s.tags, s.id, pg_temp.uid7(coalesce(tt.t_end, tt.t_start), s.tkey * 8 + k, 14), tt.tsn,
       coalesce(tt.t_end, tt.t_start), 1, '{}'::jsonb
  FROM gen_sub s
 CROSS JOIN LATERAL generate_series(1, 1 + pg_temp.ri(s.tkey, 202, 4)) AS k
  JOIN gen_fn fn ON fn.fn = (s.flow_idx + k) % 12
 CROSS JOIN LATERAL (SELECT s.start_time + (coalesce(s.end_time, :'t0'::timestamptz) - s.start_time) * (k - 1) / 5 AS t_start,
                            CASE WHEN s.end_time IS NOT NULL THEN s.start_time + (s.end_time - s.start_time) * k / 5 END AS t_end,
                            CASE WHEN s.end_time IS NULL THEN 'RUNNING'::prefect.state_type ELSE s.state_type END AS tst,
                            CASE WHEN s.end_time IS NULL THEN 'Running' WHEN s.state_type = 'COMPLETED' THEN 'Completed'
                                 ELSE s.state_name END AS tsn) AS tt
 WHERE s.start_time IS NOT NULL;

-- autonomous task runs (task.submit()/delay() outside a flow): flow_run_id NULL, uuid dynamic keys
INSERT INTO prefect.task_run (id, created, updated, name, state_type, run_count, expected_start_time,
    start_time, end_time, total_run_time, task_key, dynamic_key, empirical_policy, task_inputs, tags,
    flow_run_id, state_id, state_name, state_timestamp, flow_run_run_count)
SELECT pg_temp.uid7(st, i, 5), st, st + dur, fn.fn_name || '-' || left(dk::text, 3),
       CASE WHEN pg_temp.rnd(i, 211) < 0.9 THEN 'COMPLETED' ELSE 'FAILED' END::prefect.state_type, 1, st, st, st + dur, dur,
       fn.fn_name || '-' || left(md5(fn.fn_name), 8), dk::text,
       '{"retries": 0, "retry_delay": 0, "max_retries": 0, "retry_delay_seconds": 0.0, "retry_jitter_factor": null}'::jsonb,
       '{}'::jsonb, '["background"]'::jsonb, NULL, pg_temp.uid7(st + dur, i, 15),
       CASE WHEN pg_temp.rnd(i, 211) < 0.9 THEN 'Completed' ELSE 'Failed' END, st + dur, 0
  FROM generate_series(1, greatest(5, round(:n_dep * 0.05))::int) AS i
  JOIN gen_fn fn ON fn.fn = pg_temp.ri(i, 212, 12)
 CROSS JOIN LATERAL (SELECT :'t0'::timestamptz - interval '30 days' * pg_temp.rnd(i, 213) AS st,
                            interval '1 second' * (1 + 60 * pg_temp.rnd(i, 214)) AS dur,
                            pg_temp.uid('dynamic_key', i) AS dk) AS a;

-- ------------------------------------------------------------------ indexes back, done
\echo re-creating indexes
SELECT format('ALTER TABLE %s ADD CONSTRAINT %I %s', tbl, conname, def)
  FROM gen_saved_constraint ORDER BY contype <> 'p', conname \gexec
SELECT indexdef FROM gen_saved_index ORDER BY indexname \gexec
COMMIT;

\echo analyze
ANALYZE prefect.flow;
ANALYZE prefect.block_document;
ANALYZE prefect.work_pool;
ANALYZE prefect.work_queue;
ANALYZE prefect.concurrency_limit_v2;
ANALYZE prefect.deployment;
ANALYZE prefect.deployment_schedule;
ANALYZE prefect.flow_run;
ANALYZE prefect.task_run;

SELECT t AS "table", n AS "rows" FROM (
          SELECT 1, 'flow', count(*) FROM prefect.flow
UNION ALL SELECT 2, 'block_document', count(*) FROM prefect.block_document
UNION ALL SELECT 3, 'work_pool', count(*) FROM prefect.work_pool
UNION ALL SELECT 4, 'work_queue', count(*) FROM prefect.work_queue
UNION ALL SELECT 5, 'concurrency_limit_v2', count(*) FROM prefect.concurrency_limit_v2
UNION ALL SELECT 6, 'deployment', count(*) FROM prefect.deployment
UNION ALL SELECT 7, 'deployment_schedule', count(*) FROM prefect.deployment_schedule
UNION ALL SELECT 8, 'flow_run', count(*) FROM prefect.flow_run
UNION ALL SELECT 9, 'task_run', count(*) FROM prefect.task_run) AS c(o, t, n) ORDER BY o;
