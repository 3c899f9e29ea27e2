-- Every filter class of the deployments/filter body on a small fixture: which deployments are
-- selected, in which order, and that /count agrees with the filter's length.
BEGIN;
\i test/data/fixture.sql
\set QUIET on
-- name@last two hex digits of the id, in the returned order; count checked against length.
CREATE FUNCTION pg_temp.names(body jsonb) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    result text;
    n bigint;
BEGIN
    SELECT coalesce(string_agg((e->>'name') || '@' || right(e->>'id', 1), ' ' ORDER BY ord), '(none)'), count(*)
      INTO result, n
      FROM json_array_elements(prefect.deployments_filter(body)) WITH ORDINALITY AS t(e, ord);
    IF (body->>'limit') IS NULL AND (body->>'offset') IS NULL AND n <> prefect.deployments_count(body) THEN
        RAISE EXCEPTION 'count % <> filter length % for %', prefect.deployments_count(body), n, body;
    END IF;
    RETURN result;
END $$;
\set QUIET off

-- sorts (id is the tiebreak: the two "daily" deployments)
SELECT pg_temp.names('{}');
SELECT pg_temp.names('{"sort": "NAME_DESC"}');
SELECT pg_temp.names('{"sort": "CREATED_DESC"}');
SELECT pg_temp.names('{"sort": "UPDATED_DESC"}');
SELECT pg_temp.names('{"sort": null, "offset": null, "limit": null}');
-- paging
SELECT pg_temp.names('{"limit": 3}');
SELECT pg_temp.names('{"limit": 3, "offset": 3}');
SELECT pg_temp.names('{"limit": 0}');
SELECT pg_temp.names('{"offset": 100}');
SELECT pg_temp.names('{"offset": 2147483648}');

-- deployments.id
SELECT pg_temp.names('{"deployments": {"id": {"any_": ["0d000000-0000-0000-0000-000000000002", "0D000000000000000000000000000005"]}}}');
SELECT pg_temp.names('{"deployments": {"id": {"any_": []}}}');
SELECT pg_temp.names('{"deployments": {"id": {"not_any_": ["0d000000-0000-0000-0000-000000000001"]}}}');
SELECT pg_temp.names('{"deployments": {"id": {"not_any_": []}}}');
-- deployments.name: any_ is exact and case-sensitive; like_ is ILIKE %v% with % and _ live
SELECT pg_temp.names('{"deployments": {"name": {"any_": ["daily", "Hourly"]}}}');
SELECT pg_temp.names('{"deployments": {"name": {"like_": "LY"}}}');
SELECT pg_temp.names('{"deployments": {"name": {"like_": "t_B"}}}');
SELECT pg_temp.names('{"deployments": {"name": {"like_": "%5"}}}');
SELECT pg_temp.names('{"deployments": {"name": {"like_": "k\\s"}}}');
SELECT pg_temp.names('{"deployments": {"name": {"like_": "ÜNÏ"}}}');
SELECT pg_temp.names('{"deployments": {"name": {"like_": ""}}}');
-- flow_or_deployment_name: deployment name or its flow's name
SELECT pg_temp.names('{"deployments": {"flow_or_deployment_name": {"like_": "ml-"}}}');
SELECT pg_temp.names('{"deployments": {"flow_or_deployment_name": {"like_": "hour"}}}');
-- paused
SELECT pg_temp.names('{"deployments": {"paused": {"eq_": true}}}');
SELECT pg_temp.names('{"deployments": {"paused": {"eq_": false}}}');
SELECT pg_temp.names('{"deployments": {"paused": {}}}');
-- tags: all_ superset, any_ overlap, is_null_ = no tags; case-sensitive
SELECT pg_temp.names('{"deployments": {"tags": {"all_": ["prod", "dev"]}}}');
SELECT pg_temp.names('{"deployments": {"tags": {"all_": []}}}');
SELECT pg_temp.names('{"deployments": {"tags": {"any_": ["dev", "reports"]}}}');
SELECT pg_temp.names('{"deployments": {"tags": {"any_": []}}}');
SELECT pg_temp.names('{"deployments": {"tags": {"is_null_": true}}}');
SELECT pg_temp.names('{"deployments": {"tags": {"is_null_": false}}}');
SELECT pg_temp.names('{"deployments": {"tags": {"operator": "or_", "any_": ["dev"], "is_null_": true}}}');
-- work_queue_name: the deployment's own column
SELECT pg_temp.names('{"deployments": {"work_queue_name": {"any_": ["legacy", "High-Priority"]}}}');
-- deprecated concurrency_limit: validated, ignored, and never TRUE under or_
SELECT pg_temp.names('{"deployments": {"concurrency_limit": {"ge_": 1, "le_": 2, "is_null_": true}}}');
SELECT pg_temp.names('{"deployments": {"operator": "or_", "concurrency_limit": {"ge_": 5}, "paused": {"eq_": true}}}');
-- operator on DeploymentFilter; an empty sub-object is TRUE and makes an or_ group TRUE
SELECT pg_temp.names('{"deployments": {"operator": "or_", "paused": {"eq_": true}, "tags": {"all_": ["reports"]}}}');
SELECT pg_temp.names('{"deployments": {"operator": "or_", "paused": {"eq_": true}, "name": {}}}');
SELECT pg_temp.names('{"deployments": {"operator": "and_", "paused": {"eq_": false}, "name": {"like_": "y"}}}');
SELECT pg_temp.names('{"deployments": {}}');

-- flows
SELECT pg_temp.names('{"flows": {}}');
SELECT pg_temp.names('{"flows": {"id": {"any_": ["0f000000-0000-0000-0000-000000000002"]}}}');
SELECT pg_temp.names('{"flows": {"id": {"not_any_": ["0f000000-0000-0000-0000-000000000001"]}}}');
SELECT pg_temp.names('{"flows": {"name": {"any_": ["etl"]}}}');
SELECT pg_temp.names('{"flows": {"name": {"like_": "report_"}}}');
SELECT pg_temp.names('{"flows": {"tags": {"all_": ["prod"]}}}');
SELECT pg_temp.names('{"flows": {"tags": {"is_null_": true}}}');
SELECT pg_temp.names('{"flows": {"deployment": {"is_null_": true}}}');
SELECT pg_temp.names('{"flows": {"deployment": {"is_null_": false}}}');
SELECT pg_temp.names('{"flows": {"operator": "or_", "name": {"any_": ["etl"]}, "tags": {"all_": ["reports"]}}}');

-- flow_runs: a present empty object still requires a flow run
SELECT pg_temp.names('{"flow_runs": {}}');
SELECT pg_temp.names('{"flow_runs": {"id": {"any_": ["1e000000-0000-0000-0000-000000000021"]}}}');
SELECT pg_temp.names('{"flow_runs": {"id": {"not_any_": ["1e000000-0000-0000-0000-000000000011"]}}}');
SELECT pg_temp.names('{"flow_runs": {"name": {"any_": ["calm-lynx"]}}}');
SELECT pg_temp.names('{"flow_runs": {"name": {"like_": "-W"}}}');
SELECT pg_temp.names('{"flow_runs": {"tags": {"all_": ["nightly", "manual"]}}}');
SELECT pg_temp.names('{"flow_runs": {"tags": {"any_": ["adhoc", "manual"]}}}');
SELECT pg_temp.names('{"flow_runs": {"tags": {"is_null_": true}}}');
SELECT pg_temp.names('{"flow_runs": {"deployment_id": {"any_": ["0d000000-0000-0000-0000-000000000003"]}}}');
SELECT pg_temp.names('{"flow_runs": {"deployment_id": {"is_null_": true}}}');
SELECT pg_temp.names('{"flow_runs": {"work_queue_name": {"any_": ["default"]}}}');
SELECT pg_temp.names('{"flow_runs": {"work_queue_name": {"is_null_": true}}}');
SELECT pg_temp.names('{"flow_runs": {"state": {"type": {"any_": ["COMPLETED", "RUNNING"]}}}}');
SELECT pg_temp.names('{"flow_runs": {"state": {"type": {"not_any_": ["COMPLETED"]}}}}');
SELECT pg_temp.names('{"flow_runs": {"state": {"type": {"any_": []}}}}');
SELECT pg_temp.names('{"flow_runs": {"state": {"name": {"any_": ["Late"]}}}}');
SELECT pg_temp.names('{"flow_runs": {"state": {"name": {"not_any_": ["Completed", "Failed"]}}}}');
-- state quirk: a sub-filter with two active fields is dropped entirely
SELECT pg_temp.names('{"flow_runs": {"state": {"type": {"any_": ["RUNNING"], "not_any_": ["FAILED"]}}}}');
SELECT pg_temp.names('{"flow_runs": {"state": {"operator": "or_", "type": {"any_": ["RUNNING"]}, "name": {"any_": ["Late"]}}}}');
SELECT pg_temp.names('{"flow_runs": {"state": {"operator": "or_", "type": {"any_": ["RUNNING"]}, "name": {}}}}');
SELECT pg_temp.names('{"flow_runs": {"flow_version": {"any_": ["2.0"]}}}');
-- start_time: range over COALESCE(start_time, expected_start_time), inclusive; is_null_ raw
SELECT pg_temp.names('{"flow_runs": {"start_time": {"after_": "2024-04-01T10:00:00Z", "before_": "2024-04-01T12:00:00Z"}}}');
SELECT pg_temp.names('{"flow_runs": {"start_time": {"after_": "2024-04-03T00:00:00Z"}}}');
SELECT pg_temp.names('{"flow_runs": {"start_time": {"is_null_": true}}}');
SELECT pg_temp.names('{"flow_runs": {"start_time": {"before_": "2024-04-01T00:00:00+01:00"}}}');
SELECT pg_temp.names('{"flow_runs": {"end_time": {"before_": "2024-04-01T10:05:00Z"}}}');
SELECT pg_temp.names('{"flow_runs": {"end_time": {"is_null_": false}}}');
SELECT pg_temp.names('{"flow_runs": {"expected_start_time": {"after_": "2024-04-02T00:00:00Z"}}}');
SELECT pg_temp.names('{"flow_runs": {"next_scheduled_start_time": {"before_": "2024-04-03T00:00:00Z"}}}');
SELECT pg_temp.names('{"flow_runs": {"parent_flow_run_id": {"any_": ["1e000000-0000-0000-0000-000000000011"]}}}');
SELECT pg_temp.names('{"flow_runs": {"parent_task_run_id": {"any_": ["2e000000-0000-0000-0000-000000000111"]}}}');
SELECT pg_temp.names('{"flow_runs": {"parent_task_run_id": {"is_null_": false}}}');
SELECT pg_temp.names('{"flow_runs": {"idempotency_key": {"any_": ["key-2"]}}}');
SELECT pg_temp.names('{"flow_runs": {"idempotency_key": {"not_any_": ["key-1"]}}}');
-- created_by: id_ compares the stored text with the canonical lower-case uuid
SELECT pg_temp.names('{"flow_runs": {"created_by": {"id_": ["0D000000-0000-0000-0000-000000000001"]}}}');
SELECT pg_temp.names('{"flow_runs": {"created_by": {"id_": ["0aaaaaaa-0000-0000-0000-000000000001"]}}}');
SELECT pg_temp.names('{"flow_runs": {"created_by": {"type_": ["AUTOMATION"]}}}');
SELECT pg_temp.names('{"flow_runs": {"created_by": {"is_null_": false}}}');
SELECT pg_temp.names('{"flow_runs": {"operator": "or_", "name": {"any_": ["calm-lynx"]}, "tags": {"all_": ["adhoc"]}}}');

-- task_runs: through a flow run of the deployment (the same flow run as flow_runs)
SELECT pg_temp.names('{"task_runs": {}}');
SELECT pg_temp.names('{"task_runs": {"id": {"any_": ["2e000000-0000-0000-0000-000000000511"]}}}');
SELECT pg_temp.names('{"task_runs": {"name": {"like_": "-1"}}}');
SELECT pg_temp.names('{"task_runs": {"tags": {"all_": ["io"]}}}');
SELECT pg_temp.names('{"task_runs": {"state": {"type": {"any_": ["FAILED", "PENDING"]}}}}');
SELECT pg_temp.names('{"task_runs": {"state": {"name": {"any_": ["Running"]}}}}');
SELECT pg_temp.names('{"task_runs": {"start_time": {"is_null_": true}}}');
SELECT pg_temp.names('{"task_runs": {"start_time": {"after_": "2024-04-01T10:00:30Z"}}}');
SELECT pg_temp.names('{"task_runs": {"end_time": {"is_null_": false}}}');
SELECT pg_temp.names('{"task_runs": {"expected_start_time": {"before_": "2024-04-01T11:00:00Z"}}}');
SELECT pg_temp.names('{"task_runs": {"subflow_runs": {"exists_": true}}}');
SELECT pg_temp.names('{"task_runs": {"subflow_runs": {"exists_": false}}}');
SELECT pg_temp.names('{"task_runs": {"flow_run_id": {}}}');
SELECT pg_temp.names('{"task_runs": {"flow_run_id": {"is_null_": true}}}');
SELECT pg_temp.names('{"task_runs": {"flow_run_id": {"any_": ["1e000000-0000-0000-0000-000000000031"]}}}');
SELECT pg_temp.names('{"task_runs": {"flow_run_id": {"is_null_": null, "any_": ["1e000000-0000-0000-0000-000000000051"]}}}');
SELECT pg_temp.names('{"flow_runs": {"state": {"type": {"any_": ["COMPLETED"]}}}, "task_runs": {"state": {"type": {"any_": ["FAILED"]}}}}');
SELECT pg_temp.names('{"flow_runs": {"state": {"type": {"any_": ["FAILED"]}}}, "task_runs": {"state": {"type": {"any_": ["FAILED"]}}}}');

-- work_pools / work_pool_queues: a present empty object requires a work queue
SELECT pg_temp.names('{"work_pools": {}}');
SELECT pg_temp.names('{"work_pool_queues": {}}');
SELECT pg_temp.names('{"work_pools": {"name": {"any_": ["k8s-pool"]}}}');
SELECT pg_temp.names('{"work_pools": {"type": {"any_": ["process"]}}}');
SELECT pg_temp.names('{"work_pools": {"id": {"any_": ["0a000000-0000-0000-0000-000000000002"]}}}');
SELECT pg_temp.names('{"work_pool_queues": {"name": {"any_": ["default"]}}}');
SELECT pg_temp.names('{"work_pool_queues": {"id": {"any_": ["0b000000-0000-0000-0000-000000000002"]}}}');
SELECT pg_temp.names('{"work_pool_queues": {"name": {"startswith_": ["high", "DEF"]}}}');
SELECT pg_temp.names('{"work_pool_queues": {"name": {"startswith_": []}}}');
SELECT pg_temp.names('{"work_pool_queues": {"operator": "or_", "name": {"startswith_": []}, "id": {"any_": ["0b000000-0000-0000-0000-000000000003"]}}}');
SELECT pg_temp.names('{"work_pool_queues": {"operator": "or_", "name": {}, "id": {"any_": ["0b000000-0000-0000-0000-000000000003"]}}}');
SELECT pg_temp.names('{"work_pools": {"name": {"any_": ["k8s-pool"]}}, "work_pool_queues": {"name": {"any_": ["default"]}}}');

-- all six together, and unknown top-level keys are ignored
SELECT pg_temp.names('{"flows": {"name": {"any_": ["etl"]}}, "deployments": {"tags": {"any_": ["prod"]}}, "flow_runs": {"state": {"type": {"any_": ["COMPLETED"]}}}, "task_runs": {}, "work_pools": {"type": {"any_": ["kubernetes"]}}, "work_pool_queues": {}, "whatever": 1, "page": "x"}');
ROLLBACK;
