-- writer: insert a deployment with two schedules, update one, delete one (each statement touches
-- one deployment, so writers cannot deadlock); inserts and deletes keep 60-200 deployments
\set act random(1, 4)
\if :act = 1
WITH d AS (
  INSERT INTO prefect.deployment (name, flow_id, tags, paused, work_queue_name)
  SELECT 'robust-' || gen_random_uuid(), (SELECT id FROM prefect.flow ORDER BY random() LIMIT 1),
         '["robust"]', random() < 0.3, 'default'
   WHERE (SELECT count(*) FROM prefect.deployment) < 200
  RETURNING id)
INSERT INTO prefect.deployment_schedule (schedule, active, deployment_id, updated)
SELECT '{"interval": 3600.0, "anchor_date": "2025-01-01T00:00:00+00:00", "timezone": "UTC"}', true, d.id,
       now() - g * interval '1 second'
  FROM d, generate_series(1, 2) g;
\elif :act = 2
UPDATE prefect.deployment
   SET updated = clock_timestamp(), paused = NOT paused,
       tags = jsonb_build_array('robust', 'v' || (random() * 3)::int),
       name = CASE WHEN random() < 0.5 THEN 'robust-' || gen_random_uuid() ELSE name END
 WHERE id = (SELECT id FROM prefect.deployment ORDER BY random() LIMIT 1);
\elif :act = 3
DELETE FROM prefect.deployment WHERE id = (SELECT id FROM prefect.deployment ORDER BY random() LIMIT 1)
   AND (SELECT count(*) FROM prefect.deployment) > 60;
\else
UPDATE prefect.deployment_schedule SET active = NOT active, updated = clock_timestamp()
 WHERE id = (SELECT id FROM prefect.deployment_schedule ORDER BY random() LIMIT 1);
\endif
