-- Helpers of test/robustness/pgbench.sh, in schema robust of the benchmark's own database.
CREATE SCHEMA robust;

-- A body from small integers: filter variant f (1..6), sort s (1..4), limit, page.
CREATE FUNCTION robust.body(f int, s int, lim int, page int) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
  SELECT jsonb_build_object('sort', (ARRAY['NAME_ASC', 'NAME_DESC', 'CREATED_DESC', 'UPDATED_DESC'])[s],
                            'limit', lim, 'page', page, 'offset', (page - 1) * lim)
      || (ARRAY['{}',
                '{"deployments": {"paused": {"eq_": false}}}',
                '{"flow_runs": {"state": {"type": {"any_": ["COMPLETED", "FAILED", "RUNNING"]}}}}',
                '{"deployments": {"tags": {"any_": ["robust", "v1", "v2"]}}}',
                '{"flows": {"name": {"like_": "a"}}, "deployments": {"operator": "or_", "name": {"like_": "robust"}, "paused": {"eq_": true}}}',
                '{"deployments": {"name": {"like_": "robust"}}, "flow_runs": {"tags": {"all_": ["robust"]}}}'
               ]::jsonb[])[f]
$$;

-- One paginate call is consistent in itself: count >= number of results, pages = ceil(count /
-- limit), and the page holds exactly the rows count, limit and page leave for it.
CREATE FUNCTION robust.check_paginate(b jsonb) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  p jsonb := prefect.deployments_paginate(b)::jsonb;
  cnt bigint := (p->>'count')::bigint;
  lim bigint := (p->>'limit')::bigint;
  pg bigint := (p->>'page')::bigint;
  n bigint := jsonb_array_length(p->'results');
  pages bigint := CASE WHEN lim > 0 THEN (cnt + lim - 1) / lim ELSE 0 END;
  want bigint := CASE WHEN lim > 0 THEN greatest(0, least(lim, cnt - (pg - 1) * lim)) ELSE 0 END;
BEGIN
  IF cnt < n OR (p->>'pages')::bigint <> pages OR n <> want THEN
    RAISE EXCEPTION 'paginate inconsistent: count % limit % page % pages % results % (body %)',
      cnt, lim, pg, p->>'pages', n, b;
  END IF;
  RETURN cnt;
END $$;

-- Under REPEATABLE READ (one snapshot for the transaction): deployments_count, paginate's count
-- and the length of the whole filter (read 25 rows at a time with offset, so several pages) are
-- equal, the pages hold no duplicate, and paginate's first page is the filter's first page.
CREATE FUNCTION robust.check_snapshot(b jsonb) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  cnt bigint := prefect.deployments_count(b);
  p jsonb := prefect.deployments_paginate(b || '{"page": 1, "limit": 25}')::jsonb;
  ids uuid[] := '{}';
  page_ids uuid[];
  off bigint := 0;
BEGIN
  IF current_setting('transaction_isolation') <> 'repeatable read' THEN
    RAISE EXCEPTION 'check_snapshot needs REPEATABLE READ';
  END IF;
  LOOP
    SELECT coalesce(array_agg((e->>'id')::uuid ORDER BY o), '{}') INTO page_ids
      FROM json_array_elements(prefect.deployments_filter(b || jsonb_build_object('offset', off, 'limit', 25)))
           WITH ORDINALITY AS x(e, o);
    IF off = 0 AND page_ids <> ARRAY(SELECT (e->>'id')::uuid FROM jsonb_array_elements(p->'results') e) THEN
      RAISE EXCEPTION 'paginate page 1 differs from filter offset 0 (body %)', b;
    END IF;
    ids := ids || page_ids;
    EXIT WHEN cardinality(page_ids) < 25;
    off := off + 25;
  END LOOP;
  IF cnt <> (p->>'count')::bigint OR cnt <> cardinality(ids)
     OR cnt <> (SELECT count(DISTINCT i) FROM unnest(ids) i) THEN
    RAISE EXCEPTION 'snapshot inconsistent: count % paginate count % filter rows % distinct % (body %)',
      cnt, p->>'count', cardinality(ids), (SELECT count(DISTINCT i) FROM unnest(ids) i), b;
  END IF;
  RETURN cnt;
END $$;
