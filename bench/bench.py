#!/usr/bin/python3
"""Benchmark driver: times (a) ours, (b) hand-written optimal SQL, (c) Prefect's statements for
every shape in shapes.py, interleaved, after warm-up, over the Unix socket of the cluster that
PGHOST/PGPORT point at. Writes <out>.json (everything) and <out>_raw.csv (every sample);
report.py turns them into Markdown and PNG.

Run with Debian's /usr/bin/python3 (psycopg2 from python3-psycopg2), e.g. via bench/run.sh.
"""
import argparse
import csv
import datetime
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

import psycopg2
import psycopg2.extensions

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import shapes as shp  # noqa: E402

RAW_OIDS = (114, 3802, 1082, 1083, 1114, 1184, 1186, 1266, 1700, 3802, 199, 3807, 1115, 1185, 1231)
RAW = psycopg2.extensions.new_type(RAW_OIDS, "RAW", lambda v, cur: v)


def connect(autocommit=True, app="bench"):
    conn = psycopg2.connect("", application_name=app)
    psycopg2.extensions.register_type(RAW, conn)
    conn.autocommit = autocommit
    return conn


def pct(sorted_vals, q):
    """Nearest-rank percentile of an ascending list."""
    if not sorted_vals:
        return None
    k = max(0, min(len(sorted_vals) - 1, int(round(q / 100.0 * len(sorted_vals) + 0.5)) - 1))
    return sorted_vals[k]


def summary(samples_ms):
    v = sorted(samples_ms)
    return {"n": len(v), "median": pct(v, 50), "p95": pct(v, 95), "p99": pct(v, 99),
            "min": v[0] if v else None, "mean": sum(v) / len(v) if v else None}


def lit(v):
    """Value -> something psycopg2 renders as a literal the EXECUTE coerces to the parameter type."""
    return v


A_FUNCTION = {"filter": "deployments_filter", "paginate": "deployments_paginate", "count": "deployments_count"}


class Runner:
    """Holds the three client connections and runs one call of a variant."""

    def __init__(self, shape_list):
        self.shapes = shape_list
        self.a = connect(app="bench_a")
        self.b = connect(app="bench_b")
        self.c = connect(autocommit=False, app="bench_c")
        self.admin = connect(app="bench_admin")
        with self.admin.cursor() as cur:  # load the extension's library now, in every session, so
            # that all of them run the same build even if it is reinstalled during the run
            cur.execute("SELECT prefect.deployments_filter_sql('{}')")
        self.c_prepared = set()
        for conn in (self.a, self.b, self.c):
            with conn.cursor() as cur:
                cur.execute("SET jit = off")  # the server's default for OLTP-ish pages; same for all three
                cur.execute("LOAD 'prefect_filter'")
        with self.c.cursor() as cur:
            cur.execute("SET search_path = prefect, public")
        self.c.commit()
        self.pids = {}
        for name in ("a", "b", "c"):
            with getattr(self, name).cursor() as cur:
                cur.execute("SELECT pg_backend_pid()")
                self.pids[name] = cur.fetchone()[0]
            if name == "c":
                self.c.commit()
        with self.a.cursor() as cur:  # (a) is a prepared statement too, as (b) and (c) are
            for sh in shape_list:
                cur.execute(f"PREPARE a_{sh.key}(jsonb) AS SELECT prefect.{A_FUNCTION[sh.endpoint]}($1)")
        with self.b.cursor() as cur:
            for sh in shape_list:
                sql, types, _ = sh.b_statement()
                cur.execute(f"PREPARE b_{sh.key}({', '.join(types)}) AS {sql}" if types
                            else f"PREPARE b_{sh.key} AS {sql}")
        with self.c.cursor() as cur:
            for sh in shape_list:
                sql, types, _ = sh.c_main()
                cur.execute(f"PREPARE c_{sh.key}({', '.join(types)}) AS {sql}" if types
                            else f"PREPARE c_{sh.key} AS {sql}")
                if sh.endpoint == "paginate":
                    sql, types, _ = sh.c_count()
                    cur.execute(f"PREPARE cc_{sh.key}({', '.join(types)}) AS {sql}" if types
                                else f"PREPARE cc_{sh.key} AS {sql}")
        self.c.commit()

    # ---------------------------------------------------------------- (a)
    def run_a(self, sh):
        with self.a.cursor() as cur:
            cur.execute(f"EXECUTE a_{sh.key}(%s)", (json.dumps(sh.body),))
            return cur.fetchone()[0]

    # ---------------------------------------------------------------- (b)
    def run_b(self, sh):
        _, _, vals = sh.b_statement()
        with self.b.cursor() as cur:
            if vals:
                cur.execute(f"EXECUTE b_{sh.key}({', '.join(['%s'] * len(vals))})", [lit(v) for v in vals])
            else:
                cur.execute(f"EXECUTE b_{sh.key}")
            return cur.fetchone()[0]

    # ---------------------------------------------------------------- (c)
    def _c_in(self, cur, kind, template, keys):
        """A selectin load: one statement with an IN list of len(keys) uuid parameters, prepared
        once per list length (asyncpg caches prepared statements the same way)."""
        n = len(keys)
        name = f"c_{kind}_{n}"
        if name not in self.c_prepared:
            in_list = ", ".join(f"${i}::UUID" for i in range(1, n + 1))
            cur.execute(f"PREPARE {name}({', '.join(['uuid'] * n)}) AS {template.format(in_list=in_list)}")
            self.c_prepared.add(name)
        cur.execute(f"EXECUTE {name}({', '.join(['%s'] * n)})", keys)
        return cur.fetchall()

    def run_c(self, sh):
        """Prefect's session: main query, then the selectin loads, (paginate: the count), rollback.
        Returns (ids of the page, count) for the sanity checks."""
        _, _, vals = sh.c_main()
        cur = self.c.cursor()
        try:
            if vals:
                cur.execute(f"EXECUTE c_{sh.key}({', '.join(['%s'] * len(vals))})", vals)
            else:
                cur.execute(f"EXECUTE c_{sh.key}")
            rows = cur.fetchall()
            if sh.endpoint == "count":
                return None, rows[0][0]
            ids = [r[25] for r in rows]
            field = {"NAME_ASC": 0, "NAME_DESC": 0, "CREATED_DESC": 26, "UPDATED_DESC": 27}[sh.sort]
            self.c_keys = {r[25]: norm_key(r[field]) for r in rows}
            count = None
            if ids:
                self._c_in(cur, "sched", shp.C_SCHEDULES, ids)
                gcl = list(dict.fromkeys(r[13] for r in rows if r[13] is not None))
                if gcl:
                    self._c_in(cur, "gcl", shp.C_GCL, gcl)
                wqs = list(dict.fromkeys(r[10] for r in rows if r[10] is not None))
                if wqs:
                    queues = self._c_in(cur, "wq", shp.C_WORK_QUEUE, wqs)
                    pools = list(dict.fromkeys(q[8] for q in queues))
                    if pools:
                        self._c_in(cur, "wp", shp.C_WORK_POOL, pools)
            if sh.endpoint == "paginate":
                _, _, cvals = sh.c_count()
                if cvals:
                    cur.execute(f"EXECUTE cc_{sh.key}({', '.join(['%s'] * len(cvals))})", cvals)
                else:
                    cur.execute(f"EXECUTE cc_{sh.key}")
                count = cur.fetchone()[0]
            return ids, count
        finally:
            cur.close()
            self.c.rollback()

    def run(self, variant, sh):
        return getattr(self, "run_" + variant)(sh)

    def set_tracking(self, on):
        for name in ("a", "b", "c"):
            conn = getattr(self, name)
            with conn.cursor() as cur:
                cur.execute("SET pg_stat_statements.track = %s", ("all" if on else "top",))
                cur.execute("SET pg_stat_statements.track_planning = %s", ("on" if on else "off",))
            if name == "c":
                conn.commit()


# ------------------------------------------------------------------------------------------------
def norm_key(v):
    """A sort key from either side: names as they are; timestamps (JSON '...Z' or PostgreSQL's
    '... +00' text) as datetimes."""
    if isinstance(v, str) and re.match(r"^\d{4}-\d\d-\d\d[ T]\d\d:\d\d", v):
        t = v.replace(" ", "T").replace("Z", "+00:00")
        if re.search(r"[+-]\d\d$", t):
            t += ":00"
        return datetime.datetime.fromisoformat(t)
    return v


def check_answers(r, shapes_list):
    """(a) = (b) byte for byte; (c) finds the same page (same ids as a set; Prefect has no tiebreak)
    and the same count."""
    out = {}
    for sh in shapes_list:
        a = r.run_a(sh)
        b = r.run_b(sh)
        c_ids, c_count = r.run_c(sh)
        a_text, b_text = str(a), str(b)
        res = {"a_bytes": len(a_text), "b_equal": a_text == b_text}
        if not res["b_equal"]:
            i = next((k for k in range(min(len(a_text), len(b_text))) if a_text[k] != b_text[k]),
                     min(len(a_text), len(b_text)))
            res["first_diff"] = i
            res["a_context"] = a_text[max(0, i - 60):i + 60]
            res["b_context"] = b_text[max(0, i - 60):i + 60]
        if sh.endpoint == "count":
            res["rows"] = int(a)
            res["c_same"] = int(a) == int(c_count)
        else:
            doc = json.loads(a_text)
            page = doc["results"] if sh.endpoint == "paginate" else doc
            a_ids = [d["id"] for d in page]
            res["rows"] = len(a_ids)
            res["c_same_order"] = a_ids == c_ids
            res["c_same"] = set(a_ids) == set(c_ids) and (sh.endpoint != "paginate" or doc["count"] == c_count)
            if not res["c_same"] and len(a_ids) == len(c_ids) and a_ids:
                # Prefect has no tiebreak: a different row may stand at the page boundary when
                # several rows share the boundary's sort key. Accept exactly that.
                field = {"NAME_ASC": "name", "NAME_DESC": "name", "CREATED_DESC": "created",
                         "UPDATED_DESC": "updated"}[sh.sort]
                key = {d["id"]: norm_key(d[field]) for d in page}
                key.update(r.c_keys)
                # both ends of the page: with an offset, ties can straddle its first row too
                boundary = {norm_key(page[-1][field]), norm_key(page[0][field])}
                diff = set(a_ids) ^ set(c_ids)
                if all(key.get(i) in boundary for i in diff):
                    res["c_same"] = True
                    res["c_tie_note"] = f"{len(diff) // 2} row(s) at the boundary tie differ"
        out[sh.key] = res
        print(f"  check {sh.key:24s} rows={res['rows']:>6} bytes={res['a_bytes']:>8} "
              f"a==b:{res['b_equal']} c_same:{res['c_same']}", flush=True)
    return out


def timed_run(r, shapes_list, warmup, rounds, seed=5):
    rnd = random.Random(seed)
    variants = ["a", "b", "c"]
    samples = {(sh.key, v): [] for sh in shapes_list for v in variants}
    raw = []
    order = list(shapes_list)
    for rnum in range(warmup + rounds):
        rnd.shuffle(order)
        for sh in order:
            vs = variants[rnum % 3:] + variants[:rnum % 3]  # rotate who goes first
            for v in vs:
                t = time.perf_counter_ns()
                r.run(v, sh)
                ms = (time.perf_counter_ns() - t) / 1e6
                if rnum >= warmup:
                    samples[(sh.key, v)].append(ms)
                    raw.append((rnum - warmup, sh.key, v, round(ms, 4)))
        if rnum == warmup - 1:
            print(f"  warm-up done ({warmup} rounds)", flush=True)
        elif rnum >= warmup and (rnum - warmup + 1) % max(1, rounds // 5) == 0:
            print(f"  round {rnum - warmup + 1}/{rounds}", flush=True)
    return samples, raw


def pgss_pass(r, shapes_list, calls):
    """Statements per call, server time, plan mode: pg_stat_statements with track = all and
    track_planning = on, reset before each (shape, variant)."""
    r.set_tracking(True)
    out = {}
    adm = r.admin.cursor()
    for sh in shapes_list:
        for v in ("a", "b", "c"):
            t = time.perf_counter()
            r.run(v, sh)  # anything left over from the timed run is settled
            # shapes slower than 0.5 s a call (task-run shapes on L) get a third of the calls
            n = calls if time.perf_counter() - t < 0.5 else max(2, calls // 3)
            adm.execute("SELECT pg_stat_statements_reset()")
            for _ in range(n):
                r.run(v, sh)
            adm.execute("""
                SELECT toplevel, calls, plans, total_exec_time, total_plan_time, rows, query,
                       min_exec_time, min_plan_time
                  FROM pg_stat_statements
                 WHERE query !~* 'pg_stat_statements' AND dbid = (SELECT oid FROM pg_database
                                                                 WHERE datname = current_database())
                 ORDER BY toplevel DESC, total_exec_time DESC""")
            stmts = []
            for top, ncalls, plans, exec_ms, plan_ms, nrows, query, min_exec, min_plan in adm.fetchall():
                stmts.append({"toplevel": top, "calls": ncalls, "plans": plans, "exec_ms": exec_ms,
                              "plan_ms": plan_ms, "rows": nrows, "query": query[:300],
                              "min_exec_ms": min_exec, "min_plan_ms": min_plan if plans else 0.0})
            top_stmts = [s for s in stmts if s["toplevel"]]
            tx = [s for s in top_stmts if re.match(r"^\s*(BEGIN|ROLLBACK|COMMIT)", s["query"], re.I)]
            work = [s for s in top_stmts if s not in tx]
            nested = [s for s in stmts if not s["toplevel"]]
            mode_src = nested if v == "a" else work[:1]
            modes = []
            for s in mode_src:
                if s["calls"] == 0:
                    continue
                ratio = s["plans"] / s["calls"]
                modes.append("custom" if ratio >= 0.99 else "generic" if ratio <= 0.01 else f"mixed({ratio:.2f})")
            out[(sh.key, v)] = {
                "statements_per_call": sum(s["calls"] for s in work) / n,
                "tx_statements_per_call": sum(s["calls"] for s in tx) / n,
                "nested_per_call": sum(s["calls"] for s in nested) / n,
                "server_ms_per_call": sum(s["exec_ms"] + s["plan_ms"] for s in top_stmts) / n,
                "server_min_ms": sum((s["min_exec_ms"] + s["min_plan_ms"]) * s["calls"] / n for s in top_stmts),
                "plan_ms_per_call": sum(s["plan_ms"] for s in (nested if v == "a" else top_stmts)) / n,
                "plan_mode": "/".join(modes) if modes else "-",
                "statements": stmts,
            }
        print(f"  pgss {sh.key:24s} a: {out[(sh.key, 'a')]['statements_per_call']:.0f}+"
              f"{out[(sh.key, 'a')]['nested_per_call']:.0f} nested ({out[(sh.key, 'a')]['plan_mode']}), "
              f"b: {out[(sh.key, 'b')]['statements_per_call']:.0f} ({out[(sh.key, 'b')]['plan_mode']}), "
              f"c: {out[(sh.key, 'c')]['statements_per_call']:.0f} ({out[(sh.key, 'c')]['plan_mode']})",
              flush=True)
    r.set_tracking(False)
    return out


def proc_status(pid):
    d = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmHWM", "VmRSS", "RssAnon", "RssFile", "RssShmem"):
                d[k] = int(v.split()[0])
    return d


def memory_pass(shapes_list):
    """Peak private memory of a backend serving one shape: a fresh connection per (shape, variant),
    one call to warm it (catalog caches, plan), then reset the backend's peak RSS
    (/proc/<pid>/clear_refs = 5), call again, read /proc/<pid>/status. The backend's private
    (anonymous) memory at its peak is VmHWM - RssFile - RssShmem (file and shared mappings only
    grow, so this is a close lower bound): shared_buffers pages the backend maps do not count."""
    out = {}
    for sh in shapes_list:
        for v in ("a", "b"):
            conn = connect(app="bench_mem")
            cur = conn.cursor()
            cur.execute("SET jit = off")
            cur.execute("SELECT pg_backend_pid()")
            pid = cur.fetchone()[0]
            if v == "a":
                cur.execute(f"PREPARE a_{sh.key}(jsonb) AS SELECT prefect.{A_FUNCTION[sh.endpoint]}($1)")
            else:
                sql, types, _ = sh.b_statement()
                cur.execute(f"PREPARE b_{sh.key}({', '.join(types)}) AS {sql}" if types
                            else f"PREPARE b_{sh.key} AS {sql}")
            r = Runner.__new__(Runner)
            r.a = r.b = conn
            r.run(v, sh)
            idle = proc_status(pid)
            try:
                with open(f"/proc/{pid}/clear_refs", "w") as f:
                    f.write("5")
            except OSError as e:
                conn.close()
                return {"error": str(e)}
            r.run(v, sh)
            after = proc_status(pid)
            out[(sh.key, v)] = {"peak_private_kb": after["VmHWM"] - after["RssFile"] - after["RssShmem"],
                                "idle_private_kb": idle["RssAnon"], "vmhwm_kb": after["VmHWM"],
                                "shmem_kb": after["RssShmem"]}
            conn.close()
    return out


def long_memory(r, calls, shapes_list, big_calls):
    """RSS and memory-context totals of the (a) backend while it serves `calls` calls cycling over
    every shape's body with limit 10 (every code path: filter, paginate, count, each sub-filter;
    the counts over many flow runs are left out for time), then `big_calls` calls of {} at
    limit 200. Sampled every tenth of the way."""
    pid = r.pids["a"]
    cheap = []
    for sh in shapes_list:
        if sh.endpoint == "count" and ("flow_runs" in sh.body or "task_runs" in sh.body):
            continue
        body = dict(sh.body)
        if sh.endpoint != "count":
            body["limit"] = 10
            if sh.endpoint == "filter" and body.get("offset"):
                body["offset"] = min(body["offset"], 9990)
        cheap.append(shp.Shape(sh.key, sh.title, sh.endpoint, body))
    big = shp.Shape("mem200", "mem200", "filter", {})
    with r.a.cursor() as cur:
        cur.execute("PREPARE a_mem200(jsonb) AS SELECT prefect.deployments_filter($1)")
    plan = [(cheap[i % len(cheap)]) for i in range(calls)] + [big] * big_calls
    total = len(plan)
    out = []
    step = max(1, total // 20)
    t = time.time()
    cur = r.a.cursor()
    for i in range(total + 1):
        if i % step == 0 or i == calls or i == total:
            cur.execute("SELECT sum(total_bytes), sum(used_bytes), "
                        "sum(total_bytes) FILTER (WHERE name = 'prefect_filter render cache') "
                        "FROM pg_backend_memory_contexts")
            tot, used, cache = cur.fetchone()
            st = proc_status(pid)
            # The render cache (extension 0.4.0) grows to its bound by design: recorded apart, so
            # that "flat" is judged on the rest.
            out.append({"calls": i, "contexts_kb": int(tot) // 1024, "used_kb": int(used) // 1024,
                        "render_cache_kb": int(cache or 0) // 1024,
                        "rss_kb": st["VmRSS"], "anon_kb": st["RssAnon"], "hwm_kb": st["VmHWM"],
                        "phase": "limit 10, all shapes" if i <= calls else "{} limit 200"})
            print(f"  mem after {i} calls: contexts {int(tot) // 1024} kB, RssAnon {st['RssAnon']} kB",
                  flush=True)
        if i < total:
            r.run_a(plan[i])
    return {"calls": calls, "big_calls": big_calls, "shapes": [c.key for c in cheap], "samples": out,
            "seconds": time.time() - t}


def sql_params_literals(params):
    out = []
    for p in params:
        if isinstance(p, list):
            out.append(shp.arr(p))
        else:
            out.append(p)
    return out


TS_PARAM = re.compile(r"^\d{4}-\d\d-\d\dT")


def compiled(cur, body):
    """{sql, params} of the rows statement the function runs for this body.
    Works around a bug of prefect.deployments_filter_sql in prefect_filter 0.1.0: every timestamp
    parameter is shown with the value of the last one rendered (the text is pushed into the
    jsonb from a reused stack buffer). When a body has both before_ and after_ on a flow-run /
    task-run time filter, put each value back by the operator in front of its placeholder."""
    cur.execute("SELECT prefect.deployments_filter_sql(%s::jsonb)", (json.dumps(body),))
    res = cur.fetchone()[0]
    res = json.loads(res) if isinstance(res, str) else res
    ts_idx = [i for i, p in enumerate(res["params"]) if isinstance(p, str) and TS_PARAM.match(p)]
    if len(ts_idx) > 1:
        windows = []
        for part in ("flow_runs", "task_runs"):
            for flt in (body.get(part) or {}).values():
                if isinstance(flt, dict) and ("before_" in flt or "after_" in flt):
                    windows.append(flt)
        if len(windows) == 1:
            for i in ts_idx:
                m = re.search(r"(<=|>=)\s*\$" + str(i + 1) + r"::timestamptz", res["sql"])
                if m:
                    res["params"][i] = windows[0]["before_" if m.group(1) == "<=" else "after_"]
            res["timestamp_workaround"] = True
    return res


def _prepare_ours(r, sh, plan_mode):
    """PREPAREs (a)'s compiled rows statement for this body (prefect.deployments_filter_sql), or
    its count statement for a count shape, as `ours` on the admin connection, set up as the
    extension runs it: the same plan mode, no JIT, serial except custom-planned counts (the
    extension's parallel_ok). Returns the cursor, the parameter literals and the plan mode;
    _release_ours undoes the settings."""
    body = dict(sh.body)
    if sh.endpoint == "paginate":  # paginate's rows statement = filter with the page's offset
        body.pop("page", None)
        body["offset"] = sh.offset
    cur = r.admin.cursor()
    res = compiled(cur, body)
    # a count shape runs the count statement (planned with workers when custom: parallel_ok)
    is_count = sh.endpoint == "count"
    sql, params = (res["count_sql"], res["count_params"]) if is_count else (res["sql"], res["params"])
    cur.execute("DEALLOCATE ALL")
    cur.execute("PREPARE ours AS " + sql)
    mode = "force_generic_plan" if plan_mode.startswith("generic") else "force_custom_plan"
    cur.execute(f"SET plan_cache_mode = {mode}")
    cur.execute("SET jit = off")
    if not (is_count and mode == "force_custom_plan"):
        cur.execute("SET max_parallel_workers_per_gather = 0")
    return cur, sql_params_literals(params), mode


def _release_ours(cur):
    cur.execute("RESET plan_cache_mode")
    cur.execute("RESET max_parallel_workers_per_gather")
    cur.execute("DEALLOCATE ours")


def explain_ours(r, sh, plan_mode, analyze=True):
    """EXPLAIN of the statement our function compiles for this body, in the plan mode the function
    used."""
    cur, params, mode = _prepare_ours(r, sh, plan_mode)
    opts = "ANALYZE, BUFFERS" if analyze else "COSTS OFF"
    stmt = f"EXPLAIN ({opts}) EXECUTE ours" + (f"({', '.join(['%s'] * len(params))})" if params else "")
    if analyze:
        cur.execute(stmt, params)  # warm
    cur.execute(stmt, params)
    plan = "\n".join(row[0] for row in cur.fetchall())
    _release_ours(cur)
    return plan, mode


def statement_alone_ms(r, sh, plan_mode, repeat=5):
    """Execution time of (a)'s compiled rows statement by itself (EXPLAIN ANALYZE, TIMING OFF:
    the rows are produced but not sent or rendered), median of `repeat`: what the function spends
    finding and reading rows; the rest of (a)'s server time is compiling and rendering."""
    cur, params, _ = _prepare_ours(r, sh, plan_mode)
    stmt = "EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) EXECUTE ours" + \
        (f"({', '.join(['%s'] * len(params))})" if params else "")
    times = []
    for _ in range(repeat + 1):
        cur.execute(stmt, params)
        doc = cur.fetchone()[0]
        doc = json.loads(doc) if isinstance(doc, str) else doc
        times.append(doc[0]["Execution Time"])
    _release_ours(cur)
    return sorted(times[1:])[len(times[1:]) // 2]


def explain_prepared(conn, name, vals, analyze=True):
    cur = conn.cursor()
    opts = "ANALYZE, BUFFERS" if analyze else "COSTS OFF"
    stmt = f"EXPLAIN ({opts}) EXECUTE {name}" + (f"({', '.join(['%s'] * len(vals))})" if vals else "")
    cur.execute(stmt, vals)
    plan = "\n".join(row[0] for row in cur.fetchall())
    if not conn.autocommit:
        conn.rollback()
    return plan


INSERVER_FN = """
CREATE OR REPLACE FUNCTION pg_temp.bench_loop(stmt text, n int) RETURNS float8[]
LANGUAGE plpgsql AS $$
DECLARE t timestamptz; r text; out float8[] := '{}';
BEGIN
  FOR i IN 1..n LOOP
    t := clock_timestamp();
    EXECUTE stmt INTO r;
    out := out || (extract(epoch FROM clock_timestamp() - t) * 1000)::float8;
  END LOOP;
  RETURN out;
END $$"""


def inserver(r, sh, n):
    """Latency inside the server (no client, no socket): a plpgsql loop timing each call with
    clock_timestamp(). (a) and (b) each EXECUTE their prepared statement (a: SELECT
    prefect.deployments_paginate($1)) in their own backend."""
    out = {}
    for v, conn, stmt in (
            ("a", r.a, f"EXECUTE a_{sh.key}({psycopg2.extensions.QuotedString(json.dumps(sh.body)).getquoted().decode()})"),
            ("b", r.b, None)):
        cur = conn.cursor()
        cur.execute(INSERVER_FN)
        if stmt is None:
            _, _, vals = sh.b_statement()
            stmt = cur.mogrify(f"EXECUTE b_{sh.key}({', '.join(['%s'] * len(vals))})", vals).decode() if vals \
                else f"EXECUTE b_{sh.key}"
        cur.execute("SELECT pg_temp.bench_loop(%s, 10)", (stmt,))  # warm
        cur.execute("SELECT pg_temp.bench_loop(%s, %s)", (stmt, n))
        vals = cur.fetchone()[0]
        vals = [float(x) for x in (vals.strip("{}").split(",") if isinstance(vals, str) else vals)]
        out[v] = summary(vals)
    return out


def inserver_all(r, shapes_list, n):
    """(a) of every shape timed inside the server (plpgsql loop, clock_timestamp() per call):
    the function's own latency without client, socket or transfer. n calls (fewer for shapes
    slower than 0.5 s)."""
    out = {}
    cur = r.a.cursor()
    cur.execute(INSERVER_FN)
    for sh in shapes_list:
        stmt = f"EXECUTE a_{sh.key}({psycopg2.extensions.QuotedString(json.dumps(sh.body)).getquoted().decode()})"
        cur.execute("SELECT pg_temp.bench_loop(%s, 1)", (stmt,))
        first = cur.fetchone()[0]
        first = float((first.strip("{}") if isinstance(first, str) else first[0]))
        k = n if first < 500 else max(3, n // 3)
        cur.execute("SELECT pg_temp.bench_loop(%s, %s)", (stmt, k))
        vals = cur.fetchone()[0]
        vals = [float(x) for x in (vals.strip("{}").split(",") if isinstance(vals, str) else vals)]
        out[sh.key] = summary(vals)
    return out


def inserver_per_deployment(r, by_key, rounds, calls):
    """The cost of one more rendered deployment, in the server: the 200-row page (all_name_asc)
    and the 1-row page (all_limit1) timed alternately in one backend, `rounds` x `calls` calls
    each (plpgsql loop, as inserver_all). A difference of two medians needs more samples than the
    per-shape table's 15 to be worth a decimal."""
    cur = r.a.cursor()
    cur.execute(INSERVER_FN)
    samples = {"all_name_asc": [], "all_limit1": []}
    for _ in range(rounds):
        for key in samples:
            sh = by_key[key]
            stmt = f"EXECUTE a_{sh.key}({psycopg2.extensions.QuotedString(json.dumps(sh.body)).getquoted().decode()})"
            cur.execute("SELECT pg_temp.bench_loop(%s, %s)", (stmt, calls))
            vals = cur.fetchone()[0]
            samples[key] += [float(x) for x in (vals.strip("{}").split(",") if isinstance(vals, str) else vals)]
    out = {k: summary(v) for k, v in samples.items()}
    out["us_per_deployment"] = (out["all_name_asc"]["median"] - out["all_limit1"]["median"]) / 199 * 1000
    return out


def pgbench(sh, seconds, clients=2):
    """pgbench -c 2 on one shape, (a) vs (b), prepared protocol."""
    out = {}
    fn = {"filter": "deployments_filter", "paginate": "deployments_paginate",
          "count": "deployments_count"}[sh.endpoint]
    sql_b, types, vals = sh.b_statement()
    # pgbench scripts take one statement per line: inline (b)'s parameters as typed literals
    for i in range(len(vals), 0, -1):
        v = vals[i - 1]
        v_sql = str(v) if isinstance(v, int) and not isinstance(v, bool) else \
            psycopg2.extensions.QuotedString(str(v)).getquoted().decode()
        sql_b = sql_b.replace(f"${i}", f"({v_sql}::{types[i - 1]})")
    scripts = {
        "a": f"SELECT prefect.{fn}('{json.dumps(sh.body)}'::jsonb);\n",
        "b": sql_b + ";\n",
    }
    with tempfile.TemporaryDirectory() as tmp:
        for v, text in scripts.items():
            path = os.path.join(tmp, f"{v}.sql")
            with open(path, "w") as f:
                f.write(text)
            cmd = ["pgbench", "-n", "-M", "prepared", "-c", str(clients), "-j", str(clients),
                   "-T", str(seconds), "-f", path, "-r"]
            p = subprocess.run(cmd, capture_output=True, text=True)
            tps = re.search(r"tps = ([0-9.]+)", p.stdout)
            lat = re.search(r"latency average = ([0-9.]+) ms", p.stdout)
            out[v] = {"tps": float(tps.group(1)) if tps else None,
                      "latency_ms": float(lat.group(1)) if lat else None,
                      "cmd": " ".join(cmd), "stderr": p.stderr[-500:] if p.returncode else ""}
            print(f"  pgbench {v}: tps {out[v]['tps']} latency {out[v]['latency_ms']} ms", flush=True)
    return out


def so_info():
    """Which build of the extension the server loads (the lead reinstalls it from time to time)."""
    try:
        libdir = subprocess.run(["pg_config", "--pkglibdir"], capture_output=True, text=True).stdout.strip()
        path = os.path.join(libdir, "prefect_filter.so")
        st = os.stat(path)
        import hashlib
        with open(path, "rb") as fh:
            digest = hashlib.sha256(fh.read()).hexdigest()[:16]
        return {"path": path, "mtime": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(st.st_mtime)),
                "sha256_16": digest}
    except OSError as e:
        return {"error": str(e)}


def create_indexes(no_dba=False):
    """The indexes every variant runs against, made before anything is timed: the extension's
    trigram indexes (prefect.create_trigram_indexes(): a no-op when CREATE EXTENSION made them,
    pg_trgm being installed first) and the DBA's indexes of shapes.DBA_INDEXES (CREATE INDEX IF NOT
    EXISTS; an index the extension itself makes from a later version is skipped when one of that
    name exists), then ANALYZE of the tables that got an index. Returns what was done, for the
    report."""
    conn = connect(app="bench_indexes")
    cur = conn.cursor()
    out = {"dba": [], "analyzed": []}
    cur.execute("SELECT prefect.create_trigram_indexes()")
    out["trigram_made"] = cur.fetchone()[0]
    touched = set()
    for ix in shp.DBA_INDEXES:
        rec = {k: ix.get(k) for k in ("name", "table", "sql", "reason", "extension")}
        cur.execute("SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = 'prefect' AND c.relname = %s", (ix["name"],))
        if cur.fetchone():
            rec["status"] = ("created by the extension" if ix.get("extension") else
                             "existed before the benchmark")
            rec["seconds"] = None
        elif no_dba:
            rec["status"] = "not created (--no-dba-indexes)"
            rec["seconds"] = None
        else:
            t = time.time()
            cur.execute(ix["sql"])
            rec["seconds"] = time.time() - t
            rec["status"] = "created by bench.py"
            touched.add(ix["table"])
            print(f"  index {ix['name']}: {rec['seconds']:.1f} s", flush=True)
        cur.execute("SELECT pg_get_indexdef(c.oid), pg_relation_size(c.oid) FROM pg_class c "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'prefect' AND c.relname = %s",
                    (ix["name"],))
        row = cur.fetchone()
        rec["definition"], rec["bytes"] = (row[0], row[1]) if row else (None, None)
        out["dba"].append(rec)
    for t in sorted(touched):
        cur.execute(f"ANALYZE prefect.{t}")
        out["analyzed"].append(t)
    conn.close()
    return out


def dataset_facts(r, bench_made=()):
    cur = r.admin.cursor()
    cur.execute("""SELECT s.relname, s.n_live_tup, pg_total_relation_size(c.oid)
                     FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
                    WHERE s.schemaname = 'prefect' ORDER BY s.relname""")
    rows = {name: {"rows": n, "bytes": size} for name, n, size in cur.fetchall()}
    for t in rows:
        cur.execute(f"SELECT count(*) FROM prefect.{t}")
        rows[t]["rows"] = cur.fetchone()[0]
    cur.execute("SELECT version()")
    ver = cur.fetchone()[0]
    cur.execute("SELECT extversion FROM pg_extension WHERE extname = 'prefect_filter'")
    ext = cur.fetchone()[0]
    cur.execute("SELECT name, setting FROM pg_settings WHERE name IN ('shared_buffers', 'work_mem', "
                "'plan_cache_mode', 'jit', 'max_parallel_workers_per_gather', 'random_page_cost', "
                "'effective_cache_size', 'prefect_filter.render_cache_size')")
    settings = dict(cur.fetchall())
    # the extension's own indexes (pf_ix_*, and the trigram indexes of create_trigram_indexes()),
    # without those this run made from shapes.DBA_INDEXES
    cur.execute("SELECT c.relname, i.indrelid::regclass::text, pg_get_indexdef(c.oid), pg_relation_size(c.oid) "
                "FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'prefect' AND (c.relname LIKE 'pf\\_%' OR c.relname LIKE 'trgm\\_ix\\_%') "
                "ORDER BY c.relname")
    extra_idx = [list(row) for row in cur.fetchall() if row[0] not in bench_made]
    return {"tables": rows, "server": ver, "extension": ext, "settings": settings,
            "extension_indexes": extra_idx}


def keep_previous(out):
    """The regression check's baseline: the results file this run is about to overwrite
    (<out>.json) is copied to <out>.previous.json, and a summary of it (when it ran, which build,
    every shape's timing) goes into the new results, so that report.py compares against exactly
    that run even if the .previous.json file is later replaced. None when there is no previous
    file (or it cannot be read)."""
    path = out + ".json"
    if not os.path.exists(path):
        return None
    try:
        with open(path) as f:
            prev = json.load(f)
        shutil.copyfile(path, out + ".previous.json")
    except (OSError, ValueError) as e:
        return {"error": f"{path}: {e}"}
    return {"file": os.path.basename(out) + ".previous.json", "label": prev.get("label"),
            "started": prev.get("started"), "rounds": prev.get("rounds"),
            "extension": prev.get("dataset", {}).get("extension"), "so_start": prev.get("so_start"),
            "loadavg_start": prev.get("loadavg_start"), "shape_keys": [x["key"] for x in prev.get("shapes", [])],
            "timing": {k: {"median": v.get("median"), "p95": v.get("p95")}
                       for k, v in prev.get("timing", {}).items()},
            "had_dba_indexes": bool(prev.get("indexes"))}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--label", required=True)
    ap.add_argument("--out", required=True, help="output prefix (.json, _raw.csv)")
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=50)
    ap.add_argument("--pgss-calls", type=int, default=10)
    ap.add_argument("--shapes", default="", help="comma-separated subset")
    ap.add_argument("--explain-top", type=int, default=4)
    ap.add_argument("--inserver", type=int, default=1000, help="in-server calls of the UI page (0: skip)")
    ap.add_argument("--inserver-per-shape", type=int, default=15, help="in-server calls of (a) per shape")
    ap.add_argument("--pgbench-seconds", type=int, default=20, help="0: skip")
    ap.add_argument("--mem-calls", type=int, default=0,
                    help="long memory run: calls cycling over every shape at limit 10 (0: skip)")
    ap.add_argument("--mem-big-calls", type=int, default=2000, help="then calls of {} at limit 200")
    ap.add_argument("--gen-seconds", type=float, default=None)
    ap.add_argument("--gen-knobs", default="")
    ap.add_argument("--light", action="store_true", help="sweep mode: timings + pgss + plans only")
    ap.add_argument("--note", default="", help="a paragraph for the report (e.g. what the generator cannot do)")
    ap.add_argument("--no-dba-indexes", action="store_true",
                    help="do not create shapes.DBA_INDEXES (for comparison only: (b) is then not the fair (b))")
    args = ap.parse_args()

    all_shapes = shp.shapes()
    if args.shapes:
        want = args.shapes.split(",")
        all_shapes = [s for s in all_shapes if s.key in want]
    t_start = time.time()
    print("indexes", flush=True)
    indexes = create_indexes(args.no_dba_indexes)
    r = Runner(all_shapes)
    result = {"label": args.label, "started": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
              "warmup": args.warmup, "rounds": args.rounds, "gen_seconds": args.gen_seconds,
              "gen_knobs": args.gen_knobs, "loadavg_start": os.getloadavg(),
              "shapes": [{"key": s.key, "title": s.title, "endpoint": s.endpoint, "body": s.body,
                          "selective": s.selective, "pair": list(s.pair) if s.pair else None}
                         for s in all_shapes],
              "pairs": [{"sub_filter": sub, "kind": kind, "page": page, "count": count, "expected_m": exp}
                        for sub, kind, page, count, exp in shp.PAIRS],
              "indexes": indexes}
    result["dataset"] = dataset_facts(r, {i["name"] for i in indexes["dba"] if i["status"] == "created by bench.py"})
    result["dataset"]["extension_index_reasons"] = shp.EXTENSION_INDEX_REASONS
    result["so_start"] = so_info()
    result["note"] = args.note
    print("checking answers", flush=True)
    result["checks"] = check_answers(r, all_shapes)
    print(f"timing: {args.warmup} warm-up + {args.rounds} rounds x {len(all_shapes)} shapes x 3", flush=True)
    samples, raw = timed_run(r, all_shapes, args.warmup, args.rounds)
    result["timing"] = {f"{k}|{v}": summary(s) for (k, v), s in samples.items()}
    with open(args.out + "_raw.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["round", "shape", "variant", "ms"])
        w.writerows(raw)
    print("pg_stat_statements pass", flush=True)
    pgss = pgss_pass(r, all_shapes, args.pgss_calls)
    result["pgss"] = {f"{k}|{v}": val for (k, v), val in pgss.items()}

    print("in-server latency of (a) per shape", flush=True)
    result["inserver_a"] = inserver_all(r, all_shapes, args.inserver_per_shape)
    result["inserver_per_shape"] = args.inserver_per_shape

    # plan facts of our statement for every shape: mode, seq scans on the run tables
    plans = {}
    for sh in all_shapes:
        mode = pgss[(sh.key, "a")]["plan_mode"].split("/")[0]
        try:
            plan, used = explain_ours(r, sh, mode, analyze=False)
        except psycopg2.Error as e:
            r.admin.rollback() if not r.admin.autocommit else None
            plan, used = f"error: {e}", ""
        seq = sorted(set(re.findall(r"Seq Scan on (flow_run|task_run)", plan)))
        plans[sh.key] = {"mode": mode, "explain_mode": used, "seq_scans_on_runs": seq, "plan": plan}
        if sh.endpoint != "count":
            try:
                plans[sh.key]["stmt_exec_ms"] = statement_alone_ms(r, sh, mode)
            except psycopg2.Error as e:
                plans[sh.key]["stmt_exec_ms"] = None
                print(f"  statement alone {sh.key}: {e}", flush=True)
    result["plans"] = plans

    if not args.light:
        print("memory pass", flush=True)
        mem = memory_pass(all_shapes)
        result["memory"] = mem if "error" in mem else {f"{k}|{v}": val for (k, v), val in mem.items()}

        # EXPLAIN (ANALYZE, BUFFERS) of the slowest shapes: ours (compiled statement), b, c main
        med = {sh.key: result["timing"][f"{sh.key}|a"]["median"] for sh in all_shapes}
        slow_a = sorted(med, key=med.get, reverse=True)[:args.explain_top]
        medc = {sh.key: result["timing"][f"{sh.key}|c"]["median"] for sh in all_shapes}
        slow_c = sorted(medc, key=medc.get, reverse=True)[:2]
        for k in ("fr_state_window", "tr_state", "count_fr", "count_fr_window_7d", "count_tr_state"):
            if k in med and k not in slow_a:
                slow_a.append(k)
        for sh in all_shapes:  # and every shape where (a) is slower than (b) or (c)
            k = sh.key
            if k not in slow_a and (med[k] > 1.10 * result["timing"][f"{k}|b"]["median"] or med[k] > medc[k]):
                slow_a.append(k)
        explains = {}
        by_key = {s.key: s for s in all_shapes}
        for k in slow_a + [k for k in slow_c if k not in slow_a]:
            sh = by_key[k]
            e = {}
            try:
                e["a"], e["a_mode"] = explain_ours(r, sh, pgss[(k, "a")]["plan_mode"].split("/")[0])
            except psycopg2.Error as ex:
                e["a"] = f"error: {ex}"
            _, _, bvals = sh.b_statement()
            e["b"] = explain_prepared(r.b, f"b_{k}", bvals)
            _, _, cvals = sh.c_main()
            e["c"] = explain_prepared(r.c, f"c_{k}", cvals)
            explains[k] = e
        result["explain"] = explains

        by_key = {s.key: s for s in all_shapes}
        if args.inserver and "ui_page" in by_key:
            print("in-server latency of the UI page", flush=True)
            result["inserver"] = {"ui_page": inserver(r, by_key["ui_page"], args.inserver)}
        if args.inserver and "all_name_asc" in by_key and "all_limit1" in by_key:
            print("in-server cost per rendered deployment", flush=True)
            result["inserver_per_deployment"] = inserver_per_deployment(r, by_key, 10, 30)
        if args.pgbench_seconds and "ui_page" in by_key:
            print("pgbench", flush=True)
            result["pgbench"] = {"ui_page": pgbench(by_key["ui_page"], args.pgbench_seconds)}
        if args.mem_calls:
            print(f"long memory run: {args.mem_calls} calls", flush=True)
            result["long_memory"] = long_memory(r, args.mem_calls, all_shapes, args.mem_big_calls)
    result["loadavg_end"] = os.getloadavg()
    result["so_end"] = so_info()
    result["bench_seconds"] = time.time() - t_start
    result["previous"] = keep_previous(args.out)
    with open(args.out + ".json", "w") as f:
        json.dump(result, f, indent=1, default=str)
    print(f"wrote {args.out}.json ({result['bench_seconds']:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
