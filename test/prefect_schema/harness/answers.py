#!/usr/bin/python3
"""Same rows, two layouts: the extension's answers over schema `prefect` (its own tables) and over
schema `public` (Prefect's migrated tables holding a copy of the same rows) must be identical.

usage: answers.py DSN BODIES_JSONL
For each body and each of deployments_filter / deployments_count / deployments_paginate, runs the
call with SET prefect_filter.schema = 'prefect' and = 'public' and compares the JSON (or the
error). Prints one line per difference and a final "N passed, M failed"; exits 1 on a failure or
if fewer than half the answers are non-empty (the bodies would not be testing anything).
"""
import json
import sys

import psycopg2

FUNCTIONS = ["deployments_filter", "deployments_count", "deployments_paginate"]


def call(cur, schema, fn, body):
    cur.execute("SELECT set_config('prefect_filter.schema', %s, false)", (schema,))
    try:
        cur.execute(f"SELECT prefect.{fn}(%s::jsonb)::text", (body,))
        return ("ok", cur.fetchone()[0])
    except psycopg2.Error as e:
        return ("error", e.pgcode, e.diag.message_primary)


def main():
    dsn, path = sys.argv[1], sys.argv[2]
    conn = psycopg2.connect(dsn)
    conn.autocommit = True
    cur = conn.cursor()
    passed = failed = nonempty = total = 0
    with open(path) as f:
        bodies = [line.strip() for line in f if line.strip()]
    for body in bodies:
        json.loads(body)
        for fn in FUNCTIONS:
            a = call(cur, "prefect", fn, body)
            b = call(cur, "public", fn, body)
            total += 1
            if a[0] == "ok" and a[1] not in ("[]", "0") and '"results": []' not in a[1] and '"results":[]' not in a[1]:
                nonempty += 1
            if a == b:
                passed += 1
            else:
                failed += 1
                print(f"FAIL {fn} {body}\n  prefect: {str(a)[:300]}\n  public:  {str(b)[:300]}")
    print(f"{nonempty} of {total} answers over schema prefect are non-empty")
    if nonempty * 2 < total:
        print("FAIL too few non-empty answers")
        failed += 1
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
