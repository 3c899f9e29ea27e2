-- The C++/PostgreSQL boundary: errors raised inside C++ arrive as clean ERRORs with their
-- SQLSTATE (22023, 22P02, 54000), the transaction can be rolled back to a savepoint, and the
-- same backend keeps working, including its cached plans.
SELECT prefect.deployments_count('{}');
\set VERBOSITY sqlstate
SELECT prefect.deployments_filter('{"limit": 1000}');
SELECT prefect.deployments_filter('{"deployments": {"id": {"any_": ["zz"]}}}');
SELECT prefect.deployments_count((repeat('{"a":', 40) || '1' || repeat('}', 40))::jsonb);
\set VERBOSITY default
-- inside a transaction: the error aborts only up to the savepoint
BEGIN;
SAVEPOINT s;
SELECT prefect.deployments_count('{"deployments": {"bogus": 1}}');
ROLLBACK TO SAVEPOINT s;
SELECT prefect.deployments_count('{"deployments": {"name": {"any_": ["x"]}}}');
COMMIT;
-- many failing calls in a row do not disturb the backend
DO $$
BEGIN
    FOR i IN 1..200 LOOP
        BEGIN
            PERFORM prefect.deployments_filter(format('{"flow_runs": {"state": {"type": {"any_": ["X%s"]}}}}', i)::jsonb);
        EXCEPTION WHEN invalid_parameter_value THEN NULL;
        END;
    END LOOP;
END $$;
-- the backend that raised all of these still compiles, plans and renders
BEGIN;
INSERT INTO prefect.flow (id, name) VALUES ('0f000000-0000-0000-0000-000000000001', 'f');
INSERT INTO prefect.deployment (id, name, flow_id, created, updated)
VALUES ('0d000000-0000-0000-0000-000000000001', 'still-here', '0f000000-0000-0000-0000-000000000001',
        '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z');
SELECT json_array_length(prefect.deployments_filter('{"deployments": {"name": {"like_": "still"}}}')) AS found;
SELECT prefect.deployments_count('{"flows": {"name": {"any_": ["f"]}}}');
ROLLBACK;
