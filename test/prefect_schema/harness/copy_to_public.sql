-- Copy the rows of the extension's tables (schema prefect, filled by data/generate.sql) into
-- Prefect's migrated tables of the same names in schema public: same column names, enum values
-- cast by label to public's enum types. Columns only Prefect has keep their defaults/NULL.
-- Foreign keys are not checked (session_replication_role = replica): the generated rows point at
-- block_schema / block_type / flow_run_state rows that the extension's schema does not have.
\set ON_ERROR_STOP on
BEGIN;
SET LOCAL session_replication_role = replica;
SELECT format('INSERT INTO public.%I (%s) SELECT %s FROM prefect.%I', t, cols, sels, t)
  FROM (SELECT c.relname AS t,
               string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) AS cols,
               string_agg(CASE WHEN ty.typtype = 'e'
                               THEN format('%I::text::public.%I', a.attname, ty.typname)
                               ELSE quote_ident(a.attname) END, ', ' ORDER BY a.attnum) AS sels
          FROM pg_class c
          JOIN pg_attribute a ON a.attrelid = c.oid
          JOIN pg_type ty ON ty.oid = a.atttypid
         WHERE c.relnamespace = 'prefect'::regnamespace AND c.relkind = 'r'
           AND a.attnum > 0 AND NOT a.attisdropped
         GROUP BY c.relname) x
 ORDER BY t \gexec
COMMIT;
ANALYZE;
