-- The cache of rendered rows (src/pg/render_cache.hpp): answers from the cache are the bytes
-- rendering writes, for every sort and sub-filter of the fixture, with the cache large, small
-- enough to evict, and off; the cache is used (hits) and bounded (evictions, counted per step).
BEGIN;
\i test/data/fixture.sql
CREATE TEMP TABLE bodies (body jsonb);
INSERT INTO bodies VALUES ('{}'), ('{"sort": "NAME_DESC"}'), ('{"sort": "CREATED_DESC"}'),
    ('{"sort": "UPDATED_DESC", "limit": 3}'), ('{"offset": 2}'), ('{"deployments": {"paused": {"eq_": true}}}'),
    ('{"flows": {"name": {"like_": "e"}}}'), ('{"work_pools": {"name": {"any_": ["k8s"]}}}');
SET LOCAL prefect_filter.render_cache_size = 0;
CREATE TEMP TABLE uncached AS SELECT body, prefect.deployments_filter(body)::text AS answer FROM bodies;
SELECT prefect.render_cache_stats()->>'entries' AS entries_when_off;
-- large: the first round fills, the second answers from the cache
SET LOCAL prefect_filter.render_cache_size = '1MB';
SELECT count(*) FILTER (WHERE prefect.deployments_filter(u.body)::text <> u.answer) AS differ_first_round,
       count(*) FILTER (WHERE prefect.deployments_filter(u.body)::text <> u.answer) AS differ_second_round
  FROM uncached u;
SELECT (s->>'hits')::int > 0 AS hits, (s->>'entries')::int > 0 AS entries, s->>'evictions' AS evictions
  FROM prefect.render_cache_stats() s;
-- schedules (a related load with a cache id) are kept too: more entries than deployments
SELECT (s->>'entries')::int > (SELECT count(*) FROM prefect.deployment) AS schedules_kept
  FROM prefect.render_cache_stats() s;
-- lowered: the cache shrinks to the new size at the next call
SET LOCAL prefect_filter.render_cache_size = '8kB';
SELECT length(prefect.deployments_filter('{"limit": 1}')::text) > 0 AS called;
SELECT (s->>'bytes')::int <= 8192 AS shrunk, (s->>'evictions')::int > 0 AS evicted FROM prefect.render_cache_stats() s;
-- small: a few rows fit, the others evict them
SET LOCAL prefect_filter.render_cache_size = 0;
SELECT length(prefect.deployments_filter('{"limit": 1}')::text) > 0 AS called;
SET LOCAL prefect_filter.render_cache_size = '8kB';
CREATE TEMP TABLE before_small AS SELECT (prefect.render_cache_stats()->>'evictions')::int AS evictions;
SELECT count(*) FILTER (WHERE prefect.deployments_filter(u.body)::text <> u.answer) AS differ_small
  FROM uncached u, generate_series(1, 2);
SELECT (s->>'bytes')::int <= 8192 AS within_limit, (s->>'evictions')::int > b.evictions AS evicted_now
  FROM prefect.render_cache_stats() s, before_small b;
-- paginate and count are unchanged by the cache
SELECT prefect.deployments_paginate('{"limit": 2, "page": 2}')::text =
       (SELECT prefect.deployments_paginate('{"limit": 2, "page": 2}')::text) AS paginate_same;
ROLLBACK;
