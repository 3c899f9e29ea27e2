-- prefect_filter.default_limit (0.2.0): Prefect's PREFECT_SERVER_API_DEFAULT_LIMIT, the default
-- and the maximum of a body's "limit". The fixture has 8 deployments.
-- Set before the library is loaded in this session (as ALTER ROLE/DATABASE ... SET would): the
-- value is taken over when the extension's library defines the setting.
SET prefect_filter.default_limit = 3;
BEGIN;
\i test/data/fixture.sql
CREATE FUNCTION pg_temp.err(body jsonb, fn text DEFAULT 'filter') RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('SELECT prefect.deployments_%s($1)::text', fn) USING body;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

SELECT prefect.deployments_count('{}') AS deployments;
SHOW prefect_filter.default_limit;
SELECT json_array_length(prefect.deployments_filter('{}')) AS default_rows,
       json_array_length(prefect.deployments_filter('{"limit": null}')) AS null_limit_rows,
       json_array_length(prefect.deployments_filter('{"limit": 3}')) AS limit_3_rows,
       json_array_length(prefect.deployments_filter('{"limit": 2}')) AS limit_2_rows,
       json_array_length(prefect.deployments_filter('{"offset": 6}')) AS offset_6_rows;
SELECT e->>'name' AS name FROM json_array_elements(prefect.deployments_filter('{"sort": "CREATED_DESC"}')) e;
SELECT pg_temp.err('{"limit": 4}') AS filter_limit_4,
       pg_temp.err('{"limit": 4}', 'paginate') AS paginate_limit_4,
       pg_temp.err('{"limit": 200}') AS filter_limit_200;
-- paginate echoes the configured limit and pages by it
SELECT prefect.deployments_paginate('{}')::jsonb - 'results' AS paginate,
       jsonb_array_length(prefect.deployments_paginate('{"page": 3}')::jsonb -> 'results') AS page_3_rows;
-- count ignores limit, whatever it is
SELECT prefect.deployments_count('{"limit": 4}') AS count_limit_4,
       prefect.deployments_count('{"limit": 1000000}') AS count_limit_1e6;
-- the compiled page statement binds the configured default
SELECT (prefect.deployments_filter_sql('{}') -> 'params') AS params;

-- SET LOCAL, and a limit above Prefect's 200
SAVEPOINT s;
SET LOCAL prefect_filter.default_limit = 1000;
SELECT pg_temp.err('{"limit": 1000}') AS limit_1000, pg_temp.err('{"limit": 1001}') AS limit_1001;
ROLLBACK TO SAVEPOINT s;
-- 0: every page is empty, and any positive limit is refused
SET LOCAL prefect_filter.default_limit = 0;
SELECT prefect.deployments_filter('{}') AS zero_default,
       prefect.deployments_paginate('{}')::jsonb - 'results' AS zero_paginate,
       pg_temp.err('{"limit": 1}') AS limit_1;
-- out of range values are refused by the setting itself
SAVEPOINT s;
SET LOCAL prefect_filter.default_limit = -1;
ROLLBACK TO SAVEPOINT s;
SAVEPOINT s;
SET LOCAL prefect_filter.default_limit = 2147483648;
ROLLBACK TO SAVEPOINT s;
SAVEPOINT s;
SET LOCAL prefect_filter.default_limit = 'many';
ROLLBACK TO SAVEPOINT s;

-- RESET restores Prefect's 200
RESET prefect_filter.default_limit;
SHOW prefect_filter.default_limit;
SELECT json_array_length(prefect.deployments_filter('{}')) AS default_rows,
       pg_temp.err('{"limit": 200}') AS limit_200,
       pg_temp.err('{"limit": 201}') AS limit_201,
       prefect.deployments_paginate('{}')::jsonb -> 'limit' AS paginate_limit;
SELECT name, setting, unit, context, vartype, min_val, max_val, boot_val
  FROM pg_settings WHERE name = 'prefect_filter.default_limit';
ROLLBACK;
