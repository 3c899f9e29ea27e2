-- reader: filter, count and filter_sql, results not checked (they change under the writers)
\set f random(1, 6)
\set s random(1, 4)
\set lim random(1, 200)
SELECT json_array_length(prefect.deployments_filter(robust.body(:f, :s, :lim, 1))),
       prefect.deployments_count(robust.body(:f, :s, :lim, 1)),
       prefect.deployments_filter_sql(robust.body(:f, :s, :lim, 1)) IS NOT NULL;
