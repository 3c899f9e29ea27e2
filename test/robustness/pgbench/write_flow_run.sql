-- writer: insert, update or delete one flow run (a delete cascades to its task runs)
\set act random(1, 3)
\if :act = 1
INSERT INTO prefect.flow_run (name, flow_id, deployment_id, state_type, state_name, tags, start_time)
SELECT 'robust-run', d.flow_id, d.id, 'RUNNING', 'Running', '["robust"]', clock_timestamp()
  FROM prefect.deployment d ORDER BY random() LIMIT 1;
\elif :act = 2
UPDATE prefect.flow_run
   SET state_type = (ARRAY['COMPLETED', 'FAILED', 'CRASHED', 'RUNNING']::prefect.state_type[])[1 + (random() * 3)::int],
       updated = clock_timestamp(), end_time = clock_timestamp()
 WHERE id = (SELECT id FROM prefect.flow_run ORDER BY random() LIMIT 1);
\else
DELETE FROM prefect.flow_run WHERE id = (SELECT id FROM prefect.flow_run ORDER BY random() LIMIT 1)
   AND (SELECT count(*) FROM prefect.flow_run) > 500;
\endif
