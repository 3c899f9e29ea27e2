"""Shared helpers of the server-side robustness tests (test/robustness/*.py).

Connections come from the libpq environment (PGHOST, PGPORT, PGUSER) that scripts/pg_tmp.sh
exports; each test names its own database. Run with /usr/bin/python3 (Debian's python3-psycopg2).
"""
import json
import os
import re
import subprocess
import sys
import time

import psycopg2
import psycopg2.extensions

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# The SQLSTATEs our functions may raise for bad input (README "Errors").
ALLOWED_SQLSTATES = {"22023", "22P02", "54000"}
# What PostgreSQL's own jsonb input may raise for text that is not acceptable JSON (before our
# function is reached): invalid text, untranslatable \u0000 / lone surrogates, stack depth.
CAST_SQLSTATES = {"22P02", "22P05", "54001", "54000"}
# Every error message of ours starts with the JSON path: "(body)" or a path under a known key
# (unknown top-level keys are ignored, so a path always starts with one of these).
TOP_KEYS = ("flows", "flow_runs", "task_runs", "deployments", "work_pools", "work_pool_queues",
            "limit", "offset", "page", "sort")
PATH_PREFIX = re.compile(r"^(\(body\)|(%s)([.\[][^:]*)?): " % "|".join(TOP_KEYS), re.S)
# The extension's message buffer is 1 KiB: a path longer than that (a hostile 2 000-character key)
# fills the whole message, which then is the truncated path alone.
TRUNCATED_PATH = re.compile(r"^(%s)[.\[]" % "|".join(TOP_KEYS))


def starts_with_path(message):
    return bool(PATH_PREFIX.match(message)) or (len(message.encode()) >= 1000 and bool(TRUNCATED_PATH.match(message)))

FUNCTIONS = ("deployments_filter", "deployments_count", "deployments_paginate", "deployments_filter_sql")
CRASH_PATTERNS = re.compile(r"terminated by signal|PANIC|server process|was terminated|"
                            r"terminating any other active server processes|database system was interrupted")


def log(*args):
    print(*args, flush=True)


def fail(msg):
    log("FAIL: " + msg)
    sys.exit(1)


def connect(dbname, autocommit=True, **kw):
    conn = psycopg2.connect(dbname=dbname, **kw)
    conn.autocommit = autocommit
    return conn


def backend_pid(cur):
    cur.execute("SELECT pg_backend_pid()")
    return cur.fetchone()[0]


def shorten(text, n=4000):
    text = text if isinstance(text, str) else repr(text)
    return text if len(text) <= n else text[:n] + "... (%d chars in all)" % len(text)


class ConnectionLost(Exception):
    pass


def lost(cur, e):
    """True when the error is the connection's, not a statement's. (psycopg2 maps SQLSTATE class
    54, program_limit_exceeded, to OperationalError, so the exception class alone does not tell.)"""
    return e.pgcode is None or cur.connection.closed != 0 or isinstance(e, psycopg2.InterfaceError)


def call(cur, fn, body_text):
    """Calls prefect.<fn>(body_text::jsonb). Returns ("ok", value) or ("error", sqlstate, message).
    body_text None is SQL NULL. Connection-level failures propagate (psycopg2.OperationalError /
    InterfaceError): those are always test failures."""
    try:
        cur.execute("SELECT prefect.%s(%%s::jsonb)::text" % fn, (body_text,))
        return ("ok", cur.fetchone()[0])
    except psycopg2.Error as e:
        if lost(cur, e):
            raise
        return ("error", e.pgcode, e.diag.message_primary or str(e))


# ------------------------------------------------------------------ server log
def server_log_path(cur=None):
    """The server log: $PG_TMP_DIR/server.log or $PGHOST/server.log (scripts/pg_tmp.sh puts the
    socket, the data directory and server.log in one directory, and exports only PGHOST), else
    pg_current_logfile() (logging_collector), else server.log beside the data directory."""
    for d in (os.environ.get("PG_TMP_DIR"), os.environ.get("PGHOST")):
        if d and os.path.isdir(d) and os.path.exists(os.path.join(d, "server.log")):
            return os.path.join(d, "server.log")
    if cur is not None:
        cur.execute("SELECT pg_current_logfile(), current_setting('data_directory')")
        f, data = cur.fetchone()
        if f:
            return f if os.path.isabs(f) else os.path.join(data, f)
        beside = os.path.join(os.path.dirname(data), "server.log")
        if os.path.exists(beside):
            return beside
    return None


class LogWatch:
    """Remembers the end of a server log and later reports crash lines written after it."""

    def __init__(self, path):
        self.path = path
        self.offset = os.path.getsize(path) if path and os.path.exists(path) else 0

    def crashes(self):
        if not self.path or not os.path.exists(self.path):
            return None
        with open(self.path, "rb") as f:
            f.seek(self.offset)
            text = f.read().decode("utf-8", "replace")
        return [l for l in text.splitlines() if CRASH_PATTERNS.search(l)]

    def check(self, what):
        bad = self.crashes()
        if bad is None:
            log("WARNING: no server log readable (%s); crash check relies on the connection" % self.path)
            return
        if bad:
            fail("%s: server log shows a crash:\n  %s" % (what, "\n  ".join(bad[:20])))
        log("%s: server log %s has no crash line since the test started" % (what, self.path))


# ------------------------------------------------------------------ memory
def proc_status(pid):
    out = {}
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("VmRSS", "VmHWM", "RssAnon", "VmData"):
                    out[k] = int(v.split()[0]) * 1024
    except OSError:
        pass
    return out


def backend_memory(cur, pid):
    """Sum of pg_backend_memory_contexts.total_bytes in this session, and /proc/<pid>/status.
    Read after a trivial statement (the per-message context of a large previous statement is gone
    then), twice, until two readings agree."""
    prev = None
    for _ in range(5):
        cur.execute("SELECT 1")
        cur.execute("SELECT sum(total_bytes)::bigint, count(*) FROM pg_backend_memory_contexts")
        total, n = cur.fetchone()
        if (total, n) == prev:
            break
        prev = (total, n)
    m = {"contexts_bytes": int(total), "contexts": int(n)}
    m.update(proc_status(pid))
    return m


def contexts_by_name(cur):
    cur.execute("SELECT name, count(*), sum(total_bytes)::bigint FROM pg_backend_memory_contexts GROUP BY 1")
    return {r[0]: (int(r[1]), int(r[2])) for r in cur.fetchall()}


def contexts_diff(a, b, n=10):
    """The n largest changes between two contexts_by_name() readings, as text."""
    rows = []
    for k in set(a) | set(b):
        x, y = a.get(k, (0, 0)), b.get(k, (0, 0))
        if x != y:
            rows.append((abs(y[1] - x[1]), "%s: %d contexts %d B -> %d contexts %d B" % (k, x[0], x[1], y[0], y[1])))
    rows.sort(reverse=True)
    return "; ".join(r[1] for r in rows[:n]) or "no change"


def top_contexts(cur, n=8):
    cur.execute("SELECT name, coalesce(ident, ''), total_bytes FROM pg_backend_memory_contexts "
                "ORDER BY total_bytes DESC LIMIT %s", (n,))
    return cur.fetchall()


def fmt_mem(m):
    keys = ("contexts_bytes", "VmRSS", "VmHWM", "RssAnon")
    return ", ".join("%s %.2f MiB" % (k, m[k] / 1048576.0) for k in keys if k in m)


# ------------------------------------------------------------------ databases
def admin_exec(sql, db="postgres"):
    conn = connect(db)
    try:
        conn.cursor().execute(sql)
    finally:
        conn.close()


def create_database(name, trgm=True):
    admin_exec('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % name)
    admin_exec('CREATE DATABASE "%s"' % name)
    conn = connect(name)
    cur = conn.cursor()
    if trgm:
        cur.execute("CREATE EXTENSION pg_trgm")
    cur.execute("SET client_min_messages = warning")
    cur.execute("CREATE EXTENSION prefect_filter")
    conn.close()


def drop_database(name):
    admin_exec('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % name)


def generate_data(db, scale=1, **knobs):
    """Loads data/generate.sql at the given scale into db (via psql, as the data README says)."""
    args = ["psql", "-X", "-q", "-d", db, "-v", "ON_ERROR_STOP=1", "-v", "scale=%s" % scale]
    for k, v in knobs.items():
        args += ["-v", "%s=%s" % (k, v)]
    args += ["-f", os.path.join(ROOT, "data", "generate.sql")]
    r = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        fail("data/generate.sql failed:\n" + r.stdout[-4000:])


def value_pools(cur):
    """Real ids and names from the database, so generated bodies also match rows."""
    pools = {}
    queries = {
        "deployment_id": "SELECT id::text FROM prefect.deployment ORDER BY id LIMIT 200",
        "flow_id": "SELECT id::text FROM prefect.flow ORDER BY id LIMIT 100",
        "flow_run_id": "SELECT id::text FROM prefect.flow_run ORDER BY id LIMIT 200",
        "task_run_id": "SELECT id::text FROM prefect.task_run ORDER BY id LIMIT 200",
        "work_pool_id": "SELECT id::text FROM prefect.work_pool ORDER BY id",
        "work_queue_id": "SELECT id::text FROM prefect.work_queue ORDER BY id",
        "deployment_name": "SELECT DISTINCT name FROM prefect.deployment ORDER BY 1 LIMIT 200",
        "flow_name": "SELECT name FROM prefect.flow ORDER BY 1 LIMIT 100",
        "flow_run_name": "SELECT DISTINCT name FROM prefect.flow_run ORDER BY 1 LIMIT 200",
        "task_run_name": "SELECT DISTINCT name FROM prefect.task_run ORDER BY 1 LIMIT 200",
        "tag": "SELECT DISTINCT t FROM (SELECT jsonb_array_elements_text(tags) t FROM prefect.deployment "
               "UNION ALL SELECT jsonb_array_elements_text(tags) FROM prefect.flow_run) x ORDER BY 1 LIMIT 100",
        "work_pool_name": "SELECT name FROM prefect.work_pool ORDER BY 1",
        "work_pool_type": "SELECT DISTINCT type FROM prefect.work_pool ORDER BY 1",
        "work_queue_name": "SELECT DISTINCT name FROM prefect.work_queue ORDER BY 1",
        "state_name": "SELECT DISTINCT state_name FROM prefect.flow_run WHERE state_name IS NOT NULL ORDER BY 1",
        "flow_version": "SELECT DISTINCT flow_version FROM prefect.flow_run WHERE flow_version IS NOT NULL "
                        "ORDER BY 1 LIMIT 50",
        "idempotency_key": "SELECT idempotency_key FROM prefect.flow_run WHERE idempotency_key IS NOT NULL "
                           "ORDER BY 1 LIMIT 50",
    }
    for k, q in queries.items():
        cur.execute(q)
        pools[k] = [r[0] for r in cur.fetchall()] or ["x"]
    return pools


def regress_bodies():
    """Every single-quoted JSON object literal in the pg_regress tests (as scripts/fuzz.sh seeds)."""
    out = []
    sqldir = os.path.join(ROOT, "sql")
    for name in sorted(os.listdir(sqldir)):
        if not name.endswith(".sql"):
            continue
        with open(os.path.join(sqldir, name), encoding="utf-8") as f:
            text = f.read()
        for m in re.finditer(r"'(\{.*?\})'", text):
            body = m.group(1).replace("''", "'")
            try:
                out.append(json.loads(body))
            except ValueError:
                pass
    return out


# A fixed set of valid bodies used to compare answers across connections, poolers and replicas.
def reference_bodies(pools):
    d, f, fr = pools["deployment_id"], pools["flow_name"], pools["flow_run_id"]
    return [
        {},
        {"limit": 5},
        {"limit": 7, "offset": 3, "sort": "CREATED_DESC"},
        {"sort": "UPDATED_DESC", "limit": 20},
        {"sort": "NAME_DESC", "limit": 50, "page": 2},
        {"deployments": {"id": {"any_": d[:10]}}},
        {"deployments": {"id": {"not_any_": d[:5]}}, "limit": 10},
        {"deployments": {"name": {"like_": "a"}}, "limit": 30},
        {"deployments": {"paused": {"eq_": True}}},
        {"deployments": {"tags": {"any_": pools["tag"][:3]}}, "sort": "CREATED_DESC"},
        {"deployments": {"flow_or_deployment_name": {"like_": f[0][:3]}}},
        {"flows": {"name": {"any_": f[:5]}}, "limit": 15},
        {"flows": {"tags": {"all_": pools["tag"][:1]}}},
        {"flow_runs": {"state": {"type": {"any_": ["FAILED", "CRASHED"]}}}, "limit": 25},
        {"flow_runs": {"id": {"any_": fr[:20]}}},
        {"flow_runs": {"start_time": {"after_": "2025-05-01T00:00:00Z"}}, "sort": "UPDATED_DESC"},
        {"flow_runs": {"operator": "or_", "tags": {"any_": pools["tag"][:2]},
                       "state": {"name": {"any_": pools["state_name"][:2]}}}},
        {"task_runs": {"state": {"type": {"any_": ["COMPLETED"]}}}, "limit": 12},
        {"task_runs": {"name": {"like_": "load"}}, "flow_runs": {"state": {"type": {"not_any_": ["SCHEDULED"]}}}},
        {"work_pools": {"name": {"any_": pools["work_pool_name"][:2]}}},
        {"work_pool_queues": {"name": {"startswith_": ["def", "hi"]}}},
        {"deployments": {"operator": "or_", "paused": {"eq_": True}, "name": {"like_": "etl"}}, "page": 1,
         "limit": 9},
    ]


def answers(cur, bodies):
    """[(fn, body, outcome)] for every reference body through the three data functions."""
    out = []
    for b in bodies:
        text = json.dumps(b)
        for fn in FUNCTIONS[:3]:
            out.append((fn, text, call(cur, fn, text)))
    return out


def compare_answers(expected, got, what):
    bad = [(e, g) for e, g in zip(expected, got) if e != g]
    if len(expected) != len(got) or bad:
        for e, g in bad[:3]:
            log("  %s(%s): expected %s, got %s" % (e[0], e[1], shorten(str(e[2]), 300), shorten(str(g[2]), 300)))
        fail("%s: %d of %d answers differ" % (what, len(bad), len(expected)))
    n_ok = sum(1 for e in expected if e[2][0] == "ok")
    log("%s: %d answers equal (%d results, %d errors)" % (what, len(expected), n_ok, len(expected) - n_ok))
