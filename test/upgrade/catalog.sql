-- The catalog of the extension prefect_filter, one line per fact, sorted, without OIDs or owner
-- names: run with psql -X -At on two databases and diff. Used by test/upgrade/run.sh.
-- search_path is pg_catalog only, so every name outside pg_catalog comes out schema-qualified
-- (e.g. the trigram indexes' public.gin_trgm_ops) whatever the caller's settings.
\set ON_ERROR_STOP on
\set QUIET on
SET search_path = pg_catalog;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
-- an ACL as text with the owner written OWNER (aclexplode: NULL = the default privileges)
CREATE FUNCTION pg_temp.acl(a aclitem[], owner oid) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT coalesce(string_agg(
        CASE x.grantee WHEN 0 THEN 'PUBLIC' WHEN owner THEN 'OWNER' ELSE x.grantee::regrole::text END
        || '=' || x.privilege_type || CASE WHEN x.is_grantable THEN '*' ELSE '' END
        || '/' || CASE x.grantor WHEN owner THEN 'OWNER' ELSE x.grantor::regrole::text END,
        ',' ORDER BY 1), 'default')
      FROM aclexplode(a) x
$$;
CREATE FUNCTION pg_temp.txt(s text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT replace(replace(coalesce(s, '<null>'), E'\\', E'\\\\'), E'\n', E'\\n')
$$;
\set QUIET off
\pset footer off

WITH ext AS (SELECT * FROM pg_extension WHERE extname = 'prefect_filter'),
nsp AS (SELECT n.* FROM pg_namespace n, ext WHERE n.oid = ext.extnamespace),
facts(line) AS (
    -- the extension row; its configuration tables (pg_dump dumps their rows), sorted
    SELECT format('extension | %s | version %s | relocatable %s | schema %s', x.extname, x.extversion,
                  x.extrelocatable, n.nspname)
      FROM ext x JOIN pg_namespace n ON n.oid = x.extnamespace
    UNION ALL
    SELECT format('extension config | %s | condition %s', c.cfg::regclass::text, pg_temp.txt(c.cond))
      FROM ext x, unnest(x.extconfig, x.extcondition) AS c(cfg, cond)
    UNION ALL
    -- every object that belongs to the extension (what DROP EXTENSION drops)
    SELECT format('member | %s', pg_describe_object(d.classid, d.objid, d.objsubid))
      FROM pg_depend d, ext x
     WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = x.oid AND d.deptype = 'e'
    UNION ALL
    -- the schema
    SELECT format('schema | %s | acl %s | comment %s', n.nspname, pg_temp.acl(n.nspacl, n.nspowner),
                  pg_temp.txt(obj_description(n.oid, 'pg_namespace')))
      FROM nsp n
    UNION ALL
    -- relations of every kind (tables, indexes, sequences, views, ...)
    SELECT format('relation | %s | kind %s | persistence %s | rls %s/%s | replident %s | options %s | acl %s | comment %s',
                  c.relname, c.relkind, c.relpersistence, c.relrowsecurity, c.relforcerowsecurity,
                  c.relreplident, c.reloptions, pg_temp.acl(c.relacl, c.relowner),
                  pg_temp.txt(obj_description(c.oid, 'pg_class')))
      FROM pg_class c, nsp n
     WHERE c.relnamespace = n.oid AND c.relkind NOT IN ('c', 't')
    UNION ALL
    -- columns in physical order, with type, NOT NULL, default, identity, generation, collation
    SELECT format('column | %s | %s | %s | %s | not null %s | default %s | identity %s | generated %s | collation %s | acl %s | comment %s',
                  c.relname, lpad(a.attnum::text, 3, '0'), a.attname, format_type(a.atttypid, a.atttypmod),
                  a.attnotnull, pg_temp.txt(pg_get_expr(ad.adbin, ad.adrelid)), a.attidentity, a.attgenerated,
                  CASE WHEN a.attcollation = 0 THEN '-' ELSE a.attcollation::regcollation::text END,
                  pg_temp.acl(a.attacl, c.relowner), pg_temp.txt(col_description(c.oid, a.attnum)))
      FROM pg_attribute a
      JOIN pg_class c ON c.oid = a.attrelid
      JOIN nsp n ON n.oid = c.relnamespace
      LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
     WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND a.attnum > 0 AND NOT a.attisdropped
    UNION ALL
    -- constraints with their full definitions
    SELECT format('constraint | %s | %s | %s | %s | deferrable %s/%s | validated %s | comment %s',
                  coalesce(c.relname, '-'), k.conname, k.contype, pg_get_constraintdef(k.oid),
                  k.condeferrable, k.condeferred, k.convalidated,
                  pg_temp.txt(obj_description(k.oid, 'pg_constraint')))
      FROM pg_constraint k
      JOIN nsp n ON n.oid = k.connamespace
      LEFT JOIN pg_class c ON c.oid = k.conrelid
    UNION ALL
    -- indexes with their definitions
    SELECT format('index | %s | %s | %s | unique %s | primary %s | valid %s | comment %s',
                  t.relname, i.relname, pg_get_indexdef(x.indexrelid), x.indisunique, x.indisprimary,
                  x.indisvalid, pg_temp.txt(obj_description(i.oid, 'pg_class')))
      FROM pg_index x
      JOIN pg_class i ON i.oid = x.indexrelid
      JOIN pg_class t ON t.oid = x.indrelid
      JOIN nsp n ON n.oid = t.relnamespace
    UNION ALL
    -- user triggers (the internal ones of foreign keys carry OIDs in their names)
    SELECT format('trigger | %s | %s', c.relname, pg_get_triggerdef(g.oid))
      FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid JOIN nsp n ON n.oid = c.relnamespace
     WHERE NOT g.tgisinternal
    UNION ALL
    SELECT format('policy | %s | %s | %s | %s | %s', p.tablename, p.policyname, p.cmd, p.roles, p.qual)
      FROM pg_policies p, nsp n WHERE p.schemaname = n.nspname
    UNION ALL
    -- types (enums with their labels in order; a table's row type is its relation)
    SELECT format('type | %s | kind %s | labels %s | comment %s', t.typname, t.typtype,
                  (SELECT string_agg(e.enumlabel, ', ' ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid),
                  pg_temp.txt(obj_description(t.oid, 'pg_type')))
      FROM pg_type t JOIN nsp n ON n.oid = t.typnamespace
     WHERE t.typtype <> 'c' AND t.typelem = 0 OR t.typtype = 'e'
    UNION ALL
    -- functions: arguments, result, language, volatility, parallel safety, security, SET
    -- clauses, strictness, cost, the C symbol / library or the body, privileges and comment
    SELECT format('function | %s(%s) | args %s | returns %s | kind %s | language %s | volatile %s | parallel %s | security definer %s | strict %s | leakproof %s | cost %s | rows %s | config %s | bin %s | src %s | acl %s | comment %s',
                  p.proname, pg_get_function_identity_arguments(p.oid), pg_get_function_arguments(p.oid),
                  pg_get_function_result(p.oid), p.prokind, l.lanname, p.provolatile, p.proparallel,
                  p.prosecdef, p.proisstrict, p.proleakproof, p.procost, p.prorows, p.proconfig,
                  pg_temp.txt(p.probin), pg_temp.txt(p.prosrc), pg_temp.acl(p.proacl, p.proowner),
                  pg_temp.txt(obj_description(p.oid, 'pg_proc')))
      FROM pg_proc p JOIN nsp n ON n.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang
    UNION ALL
    -- privileges an extension script set (pg_dump restores them from here)
    SELECT format('init privs | %s | %s', pg_describe_object(i.classoid, i.objoid, i.objsubid),
                  pg_temp.acl(i.initprivs, x.extowner))
      FROM pg_init_privs i, ext x
     WHERE i.privtype = 'e'
       AND (i.classoid, i.objoid) IN (SELECT d.classid, d.objid FROM pg_depend d
                                       WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = x.oid
                                         AND d.deptype = 'e')
)
SELECT line FROM facts ORDER BY line COLLATE "C";
