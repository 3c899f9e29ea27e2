-- The catalog of one schema's tables, one fact per line, sorted (byte order), without OIDs or
-- owners, so that Prefect's migrated schema and the extension's can be compared line by line:
--   psql -X -At -v schema=public  -f test/prefect_schema/catalog.sql   (a Prefect database)
--   psql -X -At -v schema=prefect -f test/prefect_schema/catalog.sql   (CREATE EXTENSION prefect_filter)
-- Names inside the schema come out unqualified: search_path is pg_catalog, the schema, public
-- (public is where CREATE EXTENSION pg_trgm puts gin_trgm_ops in both layouts), and the
-- "ON <schema>." that pg_get_indexdef always writes is removed.
-- Lines (fields separated by " | "):
--   extension  | name | version | schema                  every extension in the database
--   relation   | name | kind                                tables (r), views, sequences, ... (not indexes)
--   column     | table | position | name | type | null/not null | default <expr or <none>>
--              position is the column's place among the live columns (001 = first), so a
--              table's column lines sort in column order; dropped columns are skipped
--   constraint | table | name | kind (p/u/f/c/x) | definition [| not valid] [| deferrable ...]
--   index      | table | name | definition [| invalid]
--   enum       | type | position | label                   labels in enum order (enumsortorder)
--   type       | name | kind                                other types defined in the schema (domains, composites, ranges)
--   alembic_version | <version_num>                       the rows of <schema>.alembic_version, if the table exists
\set ON_ERROR_STOP on
\set QUIET on
SELECT set_config('search_path', 'pg_catalog, ' || quote_ident(:'schema') || ', public', false) AS search_path \gset
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
SET extra_float_digits = 1;
CREATE FUNCTION pg_temp.alembic_versions(s text) RETURNS SETOF text LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF to_regclass(format('%I.alembic_version', s)) IS NOT NULL THEN
        RETURN QUERY EXECUTE format('SELECT version_num::text FROM %I.alembic_version', s);
    END IF;
END
$$;
\pset footer off
\pset tuples_only on
\pset format unaligned
\set QUIET off

WITH nsp AS (SELECT n.oid, n.nspname FROM pg_namespace n WHERE n.nspname = :'schema'),
facts(line) AS (
    SELECT format('extension | %s | %s | %s', x.extname, x.extversion, n.nspname)
      FROM pg_extension x JOIN pg_namespace n ON n.oid = x.extnamespace
    UNION ALL
    SELECT format('relation | %s | %s', c.relname,
                  CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'partitioned table' WHEN 'v' THEN 'view'
                                 WHEN 'm' THEN 'materialized view' WHEN 'S' THEN 'sequence'
                                 WHEN 'f' THEN 'foreign table' ELSE c.relkind::text END)
      FROM pg_class c JOIN nsp ON nsp.oid = c.relnamespace
     WHERE c.relkind NOT IN ('i', 'I', 't', 'c')
    UNION ALL
    SELECT format('column | %s | %s | %s | %s | %s | default %s', c.relname,
                  lpad(row_number() OVER (PARTITION BY c.oid ORDER BY a.attnum)::text, 3, '0'),
                  a.attname, format_type(a.atttypid, a.atttypmod),
                  CASE WHEN a.attnotnull THEN 'not null' ELSE 'null' END,
                  coalesce(pg_get_expr(ad.adbin, ad.adrelid), '<none>'))
      FROM pg_attribute a
      JOIN pg_class c ON c.oid = a.attrelid
      JOIN nsp ON nsp.oid = c.relnamespace
      LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
     WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND a.attnum > 0 AND NOT a.attisdropped
    UNION ALL
    SELECT format('constraint | %s | %s | %s | %s', c.relname, k.conname, k.contype, pg_get_constraintdef(k.oid))
           || CASE WHEN k.convalidated THEN '' ELSE ' | not valid' END
           || CASE WHEN k.condeferrable THEN ' | deferrable initially ' ||
                        CASE WHEN k.condeferred THEN 'deferred' ELSE 'immediate' END ELSE '' END
      FROM pg_constraint k
      JOIN pg_class c ON c.oid = k.conrelid
      JOIN nsp ON nsp.oid = c.relnamespace
    UNION ALL
    SELECT format('index | %s | %s | %s', t.relname, i.relname,
                  replace(pg_get_indexdef(x.indexrelid), ' ON ' || quote_ident(nsp.nspname) || '.', ' ON '))
           || CASE WHEN x.indisvalid THEN '' ELSE ' | invalid' END
      FROM pg_index x
      JOIN pg_class i ON i.oid = x.indexrelid
      JOIN pg_class t ON t.oid = x.indrelid
      JOIN nsp ON nsp.oid = t.relnamespace
    UNION ALL
    SELECT format('enum | %s | %s | %s', t.typname,
                  lpad(row_number() OVER (PARTITION BY t.oid ORDER BY e.enumsortorder)::text, 3, '0'), e.enumlabel)
      FROM pg_enum e
      JOIN pg_type t ON t.oid = e.enumtypid
      JOIN nsp ON nsp.oid = t.typnamespace
    UNION ALL
    SELECT format('type | %s | %s', t.typname,
                  CASE t.typtype WHEN 'd' THEN 'domain over ' || format_type(t.typbasetype, t.typtypmod)
                                 WHEN 'c' THEN 'composite' WHEN 'r' THEN 'range'
                                 WHEN 'm' THEN 'multirange' ELSE t.typtype::text END)
      FROM pg_type t
      JOIN nsp ON nsp.oid = t.typnamespace
     WHERE t.typtype IN ('d', 'c', 'r', 'm')
       AND NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = t.typrelid AND c.relkind <> 'c')
    UNION ALL
    SELECT 'alembic_version | ' || v FROM pg_temp.alembic_versions(:'schema') v
)
SELECT line FROM facts ORDER BY line COLLATE "C";
