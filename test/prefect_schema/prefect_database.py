#!/usr/bin/python3
"""The extension over a database laid out by Prefect's own migrations (run by run.sh).

  prefect_database.py answers  --source DSN --prefect DSN --bodies FILE
      the same rows in the extension's own tables (source, a stand-alone database) and in
      Prefect's migrated tables (prefect, tables found by themselves): every body gives the same
      answer (or the same error) from both
  prefect_database.py layout   --prefect DSN --catalog FILE --catalog-sql FILE
      CREATE EXTENSION made no copy of Prefect's tables, found them in public, changed nothing of
      Prefect's schema (its catalog is still the recorded one)
  prefect_database.py head     --prefect DSN
      an alembic head we have not verified is refused with a clear error; a verified one is served
  prefect_database.py indexes  --source DSN --prefect DSN
      prefect.recommended_indexes() gives the CREATE INDEX CONCURRENTLY statements for what is
      missing; once run they exist with the stand-alone definitions and nothing more is proposed

Prints "ok"/"FAIL" lines and "N passed, M failed"; exit 1 on failure.
"""
import argparse
import os
import re
import subprocess
import sys

import psycopg2

PASSED = 0
FAILED = 0
FUNCTIONS = ["deployments_filter", "deployments_count", "deployments_paginate"]


def check(name, ok, detail=""):
    global PASSED, FAILED
    if ok:
        PASSED += 1
        print(f"ok   {name}")
    else:
        FAILED += 1
        print(f"FAIL {name} {detail}"[:1500])


def connect(dsn):
    conn = psycopg2.connect(dsn)
    conn.autocommit = True
    return conn


def call(cur, fn, body):
    try:
        cur.execute(f"SELECT prefect.{fn}(%s::jsonb)::text", (body,))
        return ("ok", cur.fetchone()[0])
    except psycopg2.Error as e:
        return ("error", e.pgcode, e.diag.message_primary)


def answers(args):
    src = connect(args.source).cursor()
    dst = connect(args.prefect).cursor()
    dst.execute("SELECT prefect.tables_schema()")
    check("tables found in public by themselves", dst.fetchone()[0] == "public")
    same = differ = nonempty = 0
    with open(args.bodies) as f:
        bodies = [line.strip() for line in f if line.strip()]
    for body in bodies:
        for fn in FUNCTIONS:
            a, b = call(src, fn, body), call(dst, fn, body)
            if a == b:
                same += 1
                nonempty += a[0] == "ok" and a[1] not in ("[]", "0")
            else:
                differ += 1
                print(f"  differs: {fn} {body[:100]}\n    own tables: {str(a)[:200]}\n    Prefect's:  {str(b)[:200]}")
    check(f"{same} answers identical over Prefect's tables and the extension's own ({nonempty} non-empty)",
          differ == 0 and nonempty * 2 >= same, f"{differ} differ")


def catalog(dsn, catalog_sql, schema):
    out = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-v", f"schema={schema}", "-d", dsn,
                          "-f", catalog_sql], capture_output=True, text=True, check=True)
    return out.stdout


def layout(args):
    cur = connect(args.prefect).cursor()
    cur.execute("SELECT to_regclass('prefect.deployment') IS NULL AND to_regclass('prefect.flow_run') IS NULL, "
                "to_regtype('prefect.state_type') IS NULL")
    no_tables, no_types = cur.fetchone()
    check("no copy of Prefect's tables or enums in schema prefect", no_tables and no_types)
    cur.execute("SELECT prefect.tables_schema(), extversion FROM pg_extension WHERE extname = 'prefect_filter'")
    schema, version = cur.fetchone()
    check(f"extension {version} reads schema {schema}", schema == "public")
    with open(args.catalog) as f:
        want = f.read()
    # (the list of extensions now names prefect_filter, which lives in schema prefect)
    got = "".join(l for l in catalog(args.prefect, args.catalog_sql, "public").splitlines(True)
                  if not l.startswith("extension | prefect_filter |"))
    check("Prefect's schema unchanged by CREATE EXTENSION (recorded catalog)", got == want,
          "\n".join(l for l in set(got.splitlines()) ^ set(want.splitlines()))[:1000])


def recorded_heads():
    """The heads scripts/prefect_schema.sh verified (heads.tsv: tag<TAB>head)."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "heads.tsv")
    with open(path) as f:
        return sorted({line.rstrip("\n").split("\t")[1] for line in f if line.strip() and not line.startswith("#")})


def head(args):
    cur = connect(args.prefect).cursor()
    cur.execute("SELECT version_num FROM public.alembic_version")
    real = cur.fetchone()[0]
    ok = call(cur, "deployments_count", "{}")
    check(f"verified head {real} is served", ok[0] == "ok", str(ok))
    cur.execute("UPDATE public.alembic_version SET version_num = 'ffffffffffff'")
    try:
        for fn in FUNCTIONS:
            r = call(cur, fn, "{}")
            check(f"unknown head: {fn} refused with 0A000 naming it and the supported ones",
                  r[0] == "error" and r[1] == "0A000" and "ffffffffffff" in r[2], str(r))
        detail = None
        try:
            cur.execute("SELECT prefect.deployments_count('{}')")
        except psycopg2.Error as e:
            detail = e.diag.message_detail or ""
        check("the error's detail lists every head of heads.tsv",
              detail is not None and all(h in detail for h in recorded_heads()), repr(detail))
        cur.execute("DELETE FROM public.alembic_version")
        r = call(cur, "deployments_count", "{}")
        check("empty alembic_version refused", r[0] == "error" and r[1] == "0A000", str(r))
    finally:
        cur.execute("DELETE FROM public.alembic_version")
        cur.execute("INSERT INTO public.alembic_version VALUES (%s)", (real,))
    r = call(cur, "deployments_count", "{}")
    check("served again once the head is back", r[0] == "ok", str(r))


def index_defs(cur, schema):
    cur.execute("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = %s AND indexname LIKE 'pf_ix_%%' "
                "ORDER BY 1", (schema,))
    return [(n, re.sub(r"\b" + schema + r"\.", "S.", d)) for n, d in cur.fetchall()]


def indexes(args):
    src = connect(args.source).cursor()
    dst = connect(args.prefect).cursor()
    src.execute("SELECT count(*) FROM prefect.recommended_indexes()")
    check("stand-alone tables: nothing to recommend", src.fetchone()[0] == 0)
    dst.execute("SELECT * FROM prefect.recommended_indexes()")
    statements = [r[0] for r in dst.fetchall()]
    own = index_defs(src, "prefect")
    check(f"Prefect's tables: one CREATE INDEX CONCURRENTLY statement per index of the stand-alone tables ({len(own)})",
          len(statements) == len(own) >= 5 and all(s.startswith("CREATE INDEX CONCURRENTLY ") for s in statements),
          str(statements))
    for s in statements:
        dst.execute(s)  # autocommit: CONCURRENTLY runs outside a transaction, as the operator would
    dst.execute("SELECT count(*) FROM prefect.recommended_indexes()")
    check("once created, nothing more is recommended", dst.fetchone()[0] == 0)
    check("the created indexes are the stand-alone tables' own", index_defs(dst, "public") == index_defs(src, "prefect"),
          f"{index_defs(dst, 'public')} vs {index_defs(src, 'prefect')}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["answers", "layout", "head", "indexes"])
    p.add_argument("--source")
    p.add_argument("--prefect", required=True)
    p.add_argument("--bodies")
    p.add_argument("--catalog")
    p.add_argument("--catalog-sql")
    args = p.parse_args()
    {"answers": answers, "layout": layout, "head": head, "indexes": indexes}[args.mode](args)
    print(f"{PASSED} passed, {FAILED} failed")
    sys.exit(1 if FAILED else 0)


if __name__ == "__main__":
    main()
