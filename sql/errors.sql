-- Validation errors: SQLSTATE and a message naming the JSON path, like Prefect's 422s. The C++
-- compiler raises them behind the one door; the backend stays usable afterwards.
\set QUIET on
CREATE FUNCTION pg_temp.err(body jsonb, fn text DEFAULT 'filter') RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('SELECT prefect.deployments_%s($1)::text', fn) USING body;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
\set QUIET off

-- body shape
SELECT pg_temp.err('[]');
SELECT pg_temp.err('"x"');
SELECT pg_temp.err('null');
SELECT pg_temp.err(NULL);
-- limit / offset / sort / page
SELECT pg_temp.err('{"limit": 201}');
SELECT pg_temp.err('{"limit": -1}');
SELECT pg_temp.err('{"limit": "ten"}');
SELECT pg_temp.err('{"limit": 1.5}');
SELECT pg_temp.err('{"limit": "10"}');
SELECT pg_temp.err('{"limit": 10.0}');
SELECT pg_temp.err('{"offset": -1}');
SELECT pg_temp.err('{"offset": [1]}');
SELECT pg_temp.err('{"sort": "name_asc"}');
SELECT pg_temp.err('{"sort": 1}');
SELECT pg_temp.err('{"page": 0}', 'paginate');
SELECT pg_temp.err('{"page": 0}', 'filter');
SELECT pg_temp.err('{"limit": 500, "sort": "bad"}', 'count');
-- unknown keys inside filters are rejected, at any depth
SELECT pg_temp.err('{"deployments": {"nam": {}}}');
SELECT pg_temp.err('{"deployments": {"name": {"like": "x"}}}');
SELECT pg_temp.err('{"flows": {"tags": {"any_": ["x"]}}}');
SELECT pg_temp.err('{"flows": {"id": {"operator": "and_"}}}');
SELECT pg_temp.err('{"flows": {"labels": {}}}');
-- wrong types
SELECT pg_temp.err('{"flows": []}');
SELECT pg_temp.err('{"deployments": {"name": "daily"}}');
SELECT pg_temp.err('{"deployments": {"name": {"any_": "daily"}}}');
SELECT pg_temp.err('{"deployments": {"name": {"any_": ["a", 1]}}}');
SELECT pg_temp.err('{"deployments": {"name": {"any_": ["a", null]}}}');
SELECT pg_temp.err('{"deployments": {"name": {"like_": 5}}}');
SELECT pg_temp.err('{"deployments": {"paused": {"eq_": "maybe"}}}');
SELECT pg_temp.err('{"deployments": {"concurrency_limit": {"ge_": "x"}}}');
-- operator values
SELECT pg_temp.err('{"deployments": {"operator": "xor_"}}');
SELECT pg_temp.err('{"deployments": {"operator": null}}');
-- malformed values: 22P02
SELECT pg_temp.err('{"deployments": {"id": {"any_": ["0d000000-0000-0000-0000-000000000001", "not-a-uuid"]}}}');
SELECT pg_temp.err('{"flow_runs": {"start_time": {"after_": "yesterday"}}}');
SELECT pg_temp.err('{"flow_runs": {"start_time": {"after_": "2024-02-30T00:00:00Z"}}}');
SELECT pg_temp.err('{"flow_runs": {"start_time": {"after_": "2024/02/30"}}}');
SELECT prefect.deployments_count('{"flow_runs": {"start_time": {"after_": "2024/02/01 10:00"}}}');
-- datetimes as Prefect on Python >= 3.13 reads them: pydantic's parser alone
SET prefect_filter.datetime_parsing = pydantic;
SELECT pg_temp.err('{"flow_runs": {"start_time": {"after_": "yesterday"}}}');
SELECT pg_temp.err('{"flow_runs": {"start_time": {"after_": "2024-02-30T00:00:00Z"}}}');
SELECT pg_temp.err('{"flow_runs": {"start_time": {"after_": "2024/02/01 10:00"}}}');
RESET prefect_filter.datetime_parsing;
-- enum values
SELECT pg_temp.err('{"flow_runs": {"state": {"type": {"any_": ["COMPLETED", "RUNING"]}}}}');
SELECT pg_temp.err('{"task_runs": {"state": {"type": {"any_": ["completed"]}}}}');
-- count and paginate validate the same filters
SELECT pg_temp.err('{"work_pools": {"name": {"startswith_": ["x"]}}}', 'count');
SELECT pg_temp.err('{"work_pool_queues": {"name": {"startswith_": "x"}}}', 'paginate');
-- every error of a body at once, in Prefect's order, as FastAPI's 422 body
SELECT prefect.deployments_validation_errors('{}');
SELECT prefect.deployments_validation_errors('{"zz": 1, "sort": 5, "deployments": {"b": 1, "id": {"any_": ["x", 3]}, "a": 2}, "offset": -1}');
SELECT prefect.deployments_validation_errors('{"limit": 500, "sort": 5}', 'paginate');
SELECT prefect.deployments_validation_errors('{"limit": 500, "work_pools": []}', 'count');
SELECT prefect.deployments_validation_errors('[1]', 'count');
SELECT prefect.deployments_validation_errors(NULL);
SELECT prefect.deployments_validation_errors('{}', 'flows');
-- the backend is still alive and answers
SELECT prefect.deployments_count('{}');
