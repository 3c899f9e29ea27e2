-- The compiled-request cache (src/compiler/compile_cache.hpp): a body compiled once in a session
-- is not compiled again, so everything a compile reads besides the body must be in its key or
-- keep the request out of the cache. Each case calls the same body before and after the input
-- changes; an answer that did not follow the change would be a stale compile.
-- (No rows are needed: limits and schemas show in errors, "now" in the compiled parameters.
-- No fixture either, so this test leaves no dead rows behind for the plan tests.)
BEGIN;
CREATE FUNCTION pg_temp.err(body jsonb) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    PERFORM prefect.deployments_filter(body);
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
-- prefect_filter.default_limit: the maximum of "limit" (and its default, echoed by paginate)
SELECT pg_temp.err('{"limit": 5}') AS limit_5, prefect.deployments_paginate('{}')::jsonb->'limit' AS paginate_limit;
SET LOCAL prefect_filter.default_limit = 3;
SELECT pg_temp.err('{"limit": 5}') AS limit_5_over_3, prefect.deployments_paginate('{}')::jsonb->'limit' AS paginate_limit_3;
RESET prefect_filter.default_limit;
SELECT pg_temp.err('{"limit": 5}') AS limit_5_again, prefect.deployments_paginate('{}')::jsonb->'limit' AS paginate_limit_again;
-- prefect_filter.schema: where the statements read
SET LOCAL prefect_filter.schema = 'no_such_schema';
SELECT pg_temp.err('{}') AS other_schema;
RESET prefect_filter.schema;
SELECT pg_temp.err('{}') AS own_schema;
ROLLBACK;
-- a datetime pendulum reads against "now" (the statement's start): compiled anew each statement
CREATE TEMP TABLE now_params (n int, value text);
INSERT INTO now_params
    SELECT 1, prefect.deployments_filter_sql('{"flow_runs": {"start_time": {"after_": "now"}}}')->'count_params'->>0;
SELECT pg_sleep(0.01);
INSERT INTO now_params
    SELECT 2, prefect.deployments_filter_sql('{"flow_runs": {"start_time": {"after_": "now"}}}')->'count_params'->>0;
SELECT count(DISTINCT value) AS distinct_now_values, count(*) AS calls FROM now_params;
-- the control: a value that does not read "now" is the same in both statements
INSERT INTO now_params
    SELECT 3, prefect.deployments_filter_sql('{"flow_runs": {"start_time": {"after_": "2025-01-01T00:00:00Z"}}}')->'count_params'->>0;
INSERT INTO now_params
    SELECT 4, prefect.deployments_filter_sql('{"flow_runs": {"start_time": {"after_": "2025-01-01T00:00:00Z"}}}')->'count_params'->>0;
SELECT count(DISTINCT value) AS distinct_fixed_values FROM now_params WHERE n IN (3, 4);
