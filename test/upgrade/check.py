#!/usr/bin/python3
"""Helpers of test/upgrade/run.sh.

  check.py answers DSN OUT      the answers of deployments_filter/count/paginate (and their
                                errors) for BODIES, as JSON lines, into OUT
  check.py prepared DSN         sessions that prepared statements on the 0.1.0 extension run
                                ALTER EXTENSION prefect_filter UPDATE from another connection
                                and check the prepared statements still answer the same

Prints "ok ..." / "FAIL ..." lines; exits 1 on any FAIL.
"""
import ctypes
import ctypes.util
import json
import sys

import psycopg2

# Bodies over data/generate.sql's database: plain pages, every sort, offsets and pages, each
# kind of sub-filter (deployment-only generic plans and value-sensitive custom plans), an
# empty result and validation errors.
BODIES = [
    None,
    {},
    {"limit": 5, "sort": "CREATED_DESC"},
    {"limit": 7, "offset": 11, "sort": "UPDATED_DESC"},
    {"limit": 3, "sort": "NAME_DESC"},
    {"deployments": {"name": {"like_": "e"}}, "limit": 10},
    {"deployments": {"paused": {"eq_": True}}},
    {"deployments": {"tags": {"all_": ["prod"]}}, "sort": "UPDATED_DESC"},
    {"flows": {"name": {"like_": "a"}}, "limit": 15, "offset": 2},
    {"flow_runs": {"state": {"type": {"any_": ["FAILED", "CRASHED"]}}}, "sort": "UPDATED_DESC", "limit": 20},
    {"flow_runs": {"start_time": {"after_": "2025-05-25T00:00:00Z"}}, "limit": 25},
    {"task_runs": {"state": {"type": {"any_": ["COMPLETED"]}}}, "limit": 4},
    {"work_pools": {"type": {"any_": ["kubernetes", "process"]}}, "page": 2, "limit": 6},
    {"work_pool_queues": {"name": {"any_": ["default"]}}, "sort": "CREATED_DESC"},
    {"deployments": {"name": {"any_": ["no-such-deployment"]}}},
    {"page": 3, "limit": 9, "sort": "NAME_ASC"},
    {"limit": 201},
    {"flow_runs": {"state": {"type": {"any_": ["RUNING"]}}}},
]
FUNCTIONS = ["deployments_filter", "deployments_count", "deployments_paginate"]

failed = False


def report(ok, what):
    global failed
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        failed = True


def body_text(body):
    return None if body is None else json.dumps(body)


def answers(dsn, out):
    conn = psycopg2.connect(dsn)
    conn.autocommit = True
    cur = conn.cursor()
    nonempty = 0
    with open(out, "w") as f:
        for fn in FUNCTIONS:
            for body in BODIES:
                try:
                    cur.execute(f"SELECT prefect.{fn}(%s::jsonb)::text", (body_text(body),))
                    result = cur.fetchone()[0]
                    if result not in ("0", "[]") and '"results":[]' not in result:
                        nonempty += 1
                    line = {"fn": fn, "body": body, "result": result}
                except psycopg2.Error as e:
                    line = {"fn": fn, "body": body, "error": [e.pgcode, e.pgerror]}
                f.write(json.dumps(line, sort_keys=True) + "\n")
    conn.close()
    # the comparison means little if every answer is empty
    report(nonempty >= 2 * len(BODIES), f"{nonempty} of {len(FUNCTIONS) * len(BODIES)} answers are not empty")


class Libpq:
    """Just enough of libpq for protocol-level prepared statements (PQprepare/PQexecPrepared),
    the way the HTTP server (src/http/pg_pool.cpp) talks to the database."""

    PGRES_COMMAND_OK, PGRES_TUPLES_OK = 1, 2

    def __init__(self):
        lib = ctypes.CDLL(ctypes.util.find_library("pq") or "libpq.so.5")
        lib.PQconnectdb.restype = ctypes.c_void_p
        lib.PQconnectdb.argtypes = [ctypes.c_char_p]
        lib.PQstatus.argtypes = [ctypes.c_void_p]
        lib.PQerrorMessage.restype = ctypes.c_char_p
        lib.PQerrorMessage.argtypes = [ctypes.c_void_p]
        lib.PQprepare.restype = ctypes.c_void_p
        lib.PQprepare.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_void_p]
        lib.PQexecPrepared.restype = ctypes.c_void_p
        lib.PQexecPrepared.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int,
                                       ctypes.POINTER(ctypes.c_char_p), ctypes.c_void_p, ctypes.c_void_p,
                                       ctypes.c_int]
        lib.PQresultStatus.argtypes = [ctypes.c_void_p]
        lib.PQresultErrorMessage.restype = ctypes.c_char_p
        lib.PQresultErrorMessage.argtypes = [ctypes.c_void_p]
        lib.PQgetvalue.restype = ctypes.c_char_p
        lib.PQgetvalue.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int]
        lib.PQclear.argtypes = [ctypes.c_void_p]
        lib.PQfinish.argtypes = [ctypes.c_void_p]
        self.lib = lib

    def connect(self, dsn):
        conn = self.lib.PQconnectdb(dsn.encode())
        if self.lib.PQstatus(conn) != 0:
            raise RuntimeError("libpq connect: " + self.lib.PQerrorMessage(conn).decode())
        return conn

    def prepare(self, conn, name, sql):
        res = self.lib.PQprepare(conn, name.encode(), sql.encode(), 1, None)
        try:
            if self.lib.PQresultStatus(res) != self.PGRES_COMMAND_OK:
                raise RuntimeError("PQprepare: " + self.lib.PQresultErrorMessage(res).decode())
        finally:
            self.lib.PQclear(res)

    def exec_prepared(self, conn, name, param):
        values = (ctypes.c_char_p * 1)(None if param is None else param.encode())
        res = self.lib.PQexecPrepared(conn, name.encode(), 1, values, None, None, 0)
        try:
            if self.lib.PQresultStatus(res) != self.PGRES_TUPLES_OK:
                return "ERROR: " + self.lib.PQresultErrorMessage(res).decode().strip()
            return self.lib.PQgetvalue(res, 0, 0).decode()
        finally:
            self.lib.PQclear(res)

    def finish(self, conn):
        self.lib.PQfinish(conn)


def prepared(dsn):
    bodies = [body_text(b) for b in BODIES]
    pq = Libpq()
    # session 1: protocol-level prepared statements (PQprepare), as the HTTP server makes them
    c1 = pq.connect(dsn)
    pq.prepare(c1, "pf_count", "SELECT prefect.deployments_count($1::jsonb)")
    pq.prepare(c1, "pf_filter", "SELECT prefect.deployments_filter($1::jsonb)")
    pq.prepare(c1, "pf_paginate", "SELECT prefect.deployments_paginate($1::jsonb)")
    # session 2: SQL PREPARE through psycopg2
    s2 = psycopg2.connect(dsn)
    s2.autocommit = True
    cur2 = s2.cursor()
    cur2.execute("PREPARE pf_count2(jsonb) AS SELECT prefect.deployments_count($1)")

    def run_all():
        out = {}
        # 7 runs each: past the 5 custom plans after which PostgreSQL may keep a generic plan
        for _ in range(7):
            for b in bodies:
                out[("count", b)] = pq.exec_prepared(c1, "pf_count", b)
                out[("filter", b)] = pq.exec_prepared(c1, "pf_filter", b)
                out[("paginate", b)] = pq.exec_prepared(c1, "pf_paginate", b)
                try:
                    cur2.execute("EXECUTE pf_count2(%s)", (b,))
                    out[("count2", b)] = str(cur2.fetchone()[0])
                except psycopg2.Error as e:
                    out[("count2", b)] = f"ERROR: {e.pgcode} {e.pgerror.strip()}"
        return out

    cur2.execute("SELECT extversion FROM pg_extension WHERE extname = 'prefect_filter'")
    version = cur2.fetchone()[0]
    report(version == "0.1.0", f"prepared sessions start on version {version}")
    before = run_all()
    report(before[("count", None)] not in ("0",) and not before[("count", None)].startswith("ERROR"),
           f"prepared count before the upgrade: {before[('count', None)]}")

    # the upgrade, from a third connection, while both sessions hold their prepared statements
    admin = psycopg2.connect(dsn)
    admin.autocommit = True
    admin.cursor().execute("ALTER EXTENSION prefect_filter UPDATE")
    admin.close()

    cur2.execute("SELECT extversion FROM pg_extension WHERE extname = 'prefect_filter'")
    version = cur2.fetchone()[0]
    cur2.execute("SELECT default_version FROM pg_available_extensions WHERE name = 'prefect_filter'")
    latest = cur2.fetchone()[0]
    report(version == latest, f"after ALTER EXTENSION prefect_filter UPDATE the version is {version} (latest {latest})")
    after = run_all()
    diffs = [k for k in before if before[k] != after[k]]
    report(not diffs, f"{len(before)} prepared-statement answers are the same after the upgrade"
           + ("" if not diffs else f"; differ: {diffs[:3]}"))
    cur2.execute("SELECT name, generic_plans + custom_plans FROM pg_prepared_statements ORDER BY 1")
    report(cur2.fetchall() == [("pf_count2", 14 * len(bodies))],
           "the SQL-level prepared statement survived the upgrade (7 executions per body before, 7 after)")

    # the sessions that loaded the library before the upgrade see the later versions' objects and settings
    cur2.execute("SELECT prefect.csrf_token_for_client('no-such-client') IS NULL")
    report(cur2.fetchone()[0] is True, "an old session calls csrf_token_for_client after the upgrade")
    cur2.execute("SET prefect_filter.default_limit = 3")
    cur2.execute("SELECT json_array_length(prefect.deployments_filter('{}'))")
    report(cur2.fetchone()[0] == 3, "an old session honours prefect_filter.default_limit after the upgrade")
    cur2.execute("SELECT prefect.deployments_validation_errors('{\"offset\": -1}')::text")
    report(json.loads(cur2.fetchone()[0])["detail"][0]["type"] == "greater_than_equal",
           "an old session calls deployments_validation_errors after the upgrade")
    pq.finish(c1)
    s2.close()


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "answers":
        answers(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 3 and sys.argv[1] == "prepared":
        prepared(sys.argv[2])
    else:
        sys.exit(__doc__)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
