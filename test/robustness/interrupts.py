#!/usr/bin/python3
"""Interrupts: a slow filter is stopped by statement_timeout and by pg_cancel_backend.

  interrupts.py DBNAME [--setup] [--rounds N] [--limit-ms 100]

--setup (re)creates DBNAME: the extension, 200 deployments and 20 000 flow runs with 100 tags each,
in a few seconds. The slow filter is {"flow_runs": {"tags": {"any_": [2 000 absent tags]}}}: the
jsonb ?| operator compares each of the 2 000 tags with each of a row's 100 tags, ~1 ms per row,
half a minute or more for the table, and PostgreSQL checks for interrupts between rows. The same
shape with two tags ("same-shape" body: the same compiled SQL, so the same cached plan) takes
a few tens of milliseconds.

For each of deployments_filter, _count and _paginate and each of statement_timeout (1 s) and
pg_cancel_backend from a second connection (0.5 s into the call), it measures the time from the
deadline / the cancel to the ERROR arriving at the client (must be < --limit-ms, and the SQLSTATE
57014), then checks, in the same backend: the next call answers what a fresh connection answers,
a call of the same shape (same compiled SQL, so the same cached plan) works and answers correctly,
and the backend holds no lock (pg_locks, seen from the other connection). Then the same inside a
transaction with a savepoint: after ROLLBACK TO SAVEPOINT the backend holds exactly the locks it
held before the savepoint. Then memory: pg_backend_memory_contexts and /proc/<pid>/status after
--churn more interrupted calls stay within 10 % of the figures before them. Last, the latency of an
interrupt that lands while a 1 000 000-element list is being compiled and planned is measured and
reported (it is bounded, not 100 ms: see doc/robustness.md).
"""
import argparse
import json
import threading
import time

import psycopg2

import lib
from lib import log

SLOW = json.dumps({"flow_runs": {"tags": {"any_": ["x%05d" % i for i in range(2000)]}}})
SAME_SHAPE = json.dumps({"flow_runs": {"tags": {"any_": ["t00042", "x"]}}})  # same SQL text as SLOW
CHEAP = [json.dumps({"limit": 5}), json.dumps({"deployments": {"name": {"like_": "dep-1"}}, "limit": 3}),
         json.dumps({"flow_runs": {"name": {"any_": ["run-7", "run-4242"]}}, "limit": 2, "page": 1})]
HUGE = '{"deployments": {"name": {"any_": ["%s"]}}}' % '","'.join("n%d" % i for i in range(100000))  # kMaxListLength
DATA_FNS = ("deployments_count", "deployments_filter", "deployments_paginate")


def setup(db):
    t = time.monotonic()
    lib.create_database(db)
    conn = lib.connect(db)
    cur = conn.cursor()
    # Our own throwaway database: drop flow_run's secondary indexes and skip FK triggers so that
    # the rows load in seconds (the slow filter scans the table anyway).
    cur.execute("""
        DO $$ DECLARE r record; BEGIN
          FOR r IN SELECT indexrelid::regclass AS ix FROM pg_index
                   WHERE indrelid = 'prefect.flow_run'::regclass AND NOT indisprimary LOOP
            EXECUTE format('DROP INDEX %s', r.ix);
          END LOOP; END $$;
        SET session_replication_role = replica;
        INSERT INTO prefect.flow (id, name) VALUES ('00000000-0000-4000-8000-000000000001', 'bigflow');
        INSERT INTO prefect.deployment (id, name, flow_id, tags)
        SELECT ('00000000-0000-4000-8000-' || lpad(to_hex(g), 12, '0'))::uuid, 'dep-' || g,
               '00000000-0000-4000-8000-000000000001', '["robust"]'
          FROM generate_series(1, 200) g;
        WITH t AS (SELECT k, jsonb_agg('t' || lpad(((k + i) % 1000)::text, 5, '0')) AS tags
                     FROM generate_series(0, 999) k, generate_series(1, 100) i GROUP BY k)
        INSERT INTO prefect.flow_run (id, name, flow_id, deployment_id, state_type, state_name, tags)
        SELECT ('20000000-0000-4000-8000-' || lpad(to_hex(g), 12, '0'))::uuid, 'run-' || g,
               '00000000-0000-4000-8000-000000000001',
               ('00000000-0000-4000-8000-' || lpad(to_hex(1 + g % 200), 12, '0'))::uuid,
               (ARRAY['COMPLETED', 'FAILED', 'RUNNING']::prefect.state_type[])[1 + g % 3],
               (ARRAY['Completed', 'Failed', 'Running'])[1 + g % 3], t.tags
          FROM generate_series(1, 20000) g JOIN t ON t.k = g % 1000;
        RESET session_replication_role;
        -- no statistics on tags: otherwise the planner (matchingsel) runs ?| with the 2 000-tag
        -- list against every MCV / histogram entry, ~0.5 s of planning that does not check for
        -- interrupts (PostgreSQL's planner; measured separately below, "long lists")
        ALTER TABLE prefect.flow_run ALTER COLUMN tags SET STATISTICS 0;
        ANALYZE;
    """)
    conn.close()
    log("setup: %s with 200 deployments and 20 000 flow runs of 100 tags each in %.1f s"
        % (db, time.monotonic() - t))


class Session:
    def __init__(self, db):
        self.conn = lib.connect(db)
        self.cur = self.conn.cursor()
        self.pid = lib.backend_pid(self.cur)

    def run(self, fn, body):
        return lib.call(self.cur, fn, body)


def locks_of(mon, pid):
    mon.execute("SELECT locktype, coalesce(relation::regclass::text, ''), mode, granted FROM pg_locks "
                "WHERE pid = %s AND locktype <> 'virtualxid' ORDER BY 1, 2, 3", (pid,))
    return mon.fetchall()


def timed_call(sess, fn, body, result):
    t = time.monotonic()
    try:
        r = sess.run(fn, body)
    except psycopg2.Error as e:
        r = ("lost", None, str(e))
    result.append((r, t, time.monotonic()))


def interrupt(sess, mon, fn, body, how, at_s):
    """Runs fn(body) in sess and interrupts it: how = 'timeout' (statement_timeout at_s) or
    'cancel' (pg_cancel_backend from mon after at_s). Returns (outcome, latency_ms, elapsed_s)."""
    if how == "timeout":
        sess.cur.execute("SET statement_timeout = %s", (int(at_s * 1000),))
        res = []
        timed_call(sess, fn, body, res)
        sess.cur.execute("SET statement_timeout = 0")
        r, t0, t1 = res[0]
        return r, ((t1 - t0) - at_s) * 1000.0, t1 - t0
    res = []
    th = threading.Thread(target=timed_call, args=(sess, fn, body, res))
    th.start()
    time.sleep(at_s)
    tc = time.monotonic()
    mon.execute("SELECT pg_cancel_backend(%s)", (sess.pid,))
    ok = mon.fetchone()[0]
    th.join()
    if not ok:
        lib.fail("pg_cancel_backend(%d) returned false" % sess.pid)
    r, t0, t1 = res[0]
    return r, (t1 - tc) * 1000.0, t1 - t0


def expect_cancelled(r, what):
    if r[0] == "lost":
        lib.fail("%s: connection lost: %s" % (what, r[2]))
    if r[0] != "error" or r[1] != "57014":
        lib.fail("%s: expected SQLSTATE 57014, got %s" % (what, lib.shorten(str(r), 300)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("db")
    ap.add_argument("--setup", action="store_true")
    ap.add_argument("--rounds", type=int, default=2, help="interrupts per function and kind")
    ap.add_argument("--limit-ms", type=float, default=100.0)
    ap.add_argument("--churn", type=int, default=60, help="interrupted calls for the memory check")
    ap.add_argument("--huge", action="store_true", default=True)
    ap.add_argument("--no-huge", dest="huge", action="store_false")
    args = ap.parse_args()
    if args.setup:
        setup(args.db)

    sess, monitor = Session(args.db), Session(args.db)
    mon = monitor.cur
    watch = lib.LogWatch(lib.server_log_path(mon))
    fresh = Session(args.db)
    expected = {(fn, b): fresh.run(fn, b) for fn in DATA_FNS for b in CHEAP + [SAME_SHAPE]}
    fresh.conn.close()
    if any(v[0] != "ok" for v in expected.values()):
        lib.fail("reference calls failed: %s" % [v for v in expected.values() if v[0] != "ok"][:2])
    same_count = int(expected[("deployments_count", SAME_SHAPE)][1])
    log("interrupts: backend pid %d; same-shape body matches %d deployments" % (sess.pid, same_count))

    def check_after(what):
        pid = lib.backend_pid(sess.cur)
        if pid != sess.pid:
            lib.fail("%s: backend pid changed %d -> %d" % (what, sess.pid, pid))
        for (fn, b), exp in expected.items():
            got = sess.run(fn, b)
            if got != exp:
                lib.fail("%s: %s(%s) answers %s, a fresh connection %s"
                         % (what, fn, b, lib.shorten(str(got), 200), lib.shorten(str(exp), 200)))
        locks = locks_of(mon, sess.pid)
        if locks:
            lib.fail("%s: backend %d still holds locks: %s" % (what, sess.pid, locks))

    # warm the session (plans cached, catalogs loaded) before any memory figure is taken
    for (fn, b) in expected:
        sess.run(fn, b)

    latencies = {}
    worst = 0.0
    for fn in DATA_FNS:
        for how, at in (("timeout", 1.0), ("cancel", 0.5)):
            for i in range(args.rounds):
                what = "%s %s #%d" % (fn, how, i + 1)
                r, lat, elapsed = interrupt(sess, mon, fn, SLOW, how, at)
                expect_cancelled(r, what)
                if lat >= args.limit_ms:  # a loaded 2-core machine can delay one wake-up: once more
                    log("  %s: %.1f ms, measuring again" % (what, lat))
                    r, lat, elapsed = interrupt(sess, mon, fn, SLOW, how, at)
                    expect_cancelled(r, what + " (again)")
                latencies.setdefault((fn, how), []).append(lat)
                worst = max(worst, lat)
                check_after(what)
                if lat >= args.limit_ms:
                    lib.fail("%s: the ERROR came %.1f ms after the %s (limit %.0f ms)"
                             % (what, lat, "deadline" if how == "timeout" else "cancel", args.limit_ms))
    for (fn, how), lats in sorted(latencies.items()):
        log("  %-22s %-8s latency %s ms" % (fn, how, ", ".join("%.1f" % x for x in lats)))
    log("interrupts: %d interrupts, all SQLSTATE 57014, worst latency %.1f ms (limit %.0f ms); after each "
        "the same backend answered %d reference calls (same-shape call included) like a fresh connection "
        "and held no lock" % (sum(len(v) for v in latencies.values()), worst, args.limit_ms, len(expected)))

    # inside a transaction: the savepoint's locks go, the transaction's stay, the plan still works
    cur = sess.cur
    cur.execute("BEGIN")
    sess.run("deployments_count", CHEAP[0])
    before = locks_of(mon, sess.pid)
    cur.execute("SAVEPOINT s")
    cur.execute("SET LOCAL statement_timeout = 300")
    r = sess.run("deployments_paginate", SLOW)
    expect_cancelled(r, "paginate in a transaction")
    cur.execute("ROLLBACK TO SAVEPOINT s")
    after = locks_of(mon, sess.pid)
    if after != before:
        lib.fail("after ROLLBACK TO SAVEPOINT the backend holds %s, before the savepoint %s" % (after, before))
    got = sess.run("deployments_count", SAME_SHAPE)
    if got != expected[("deployments_count", SAME_SHAPE)]:
        lib.fail("same-shape count inside the transaction after the cancel: %s" % (got,))
    cur.execute("COMMIT")
    check_after("transaction")
    log("interrupts: in a transaction, ROLLBACK TO SAVEPOINT after the timeout leaves exactly the %d locks "
        "taken before the savepoint; the transaction goes on and commits" % len(before))

    # memory: many more interrupted calls do not grow the backend
    m0 = lib.backend_memory(cur, sess.pid)
    t = time.monotonic()
    for i in range(args.churn):
        fn = DATA_FNS[i % 3]
        cur.execute("SET statement_timeout = 40")
        r = sess.run(fn, SLOW)
        cur.execute("SET statement_timeout = 0")
        expect_cancelled(r, "churn %s" % fn)
        sess.run(fn, CHEAP[i % len(CHEAP)])
    m1 = lib.backend_memory(cur, sess.pid)
    log("interrupts: memory before %d more interrupted calls: %s" % (args.churn, lib.fmt_mem(m0)))
    log("interrupts: memory after  them (%.1f s):            %s" % (time.monotonic() - t, lib.fmt_mem(m1)))
    for k in ("contexts_bytes", "VmRSS", "RssAnon"):
        if k in m0 and m1[k] > m0[k] * 1.10:
            log("top contexts: %s" % lib.top_contexts(cur))
            lib.fail("%s grew by more than 10 %% over %d interrupted calls" % (k, args.churn))
    check_after("memory churn")

    if args.huge:
        # a 100 000-element list (the limit): the compiler polls for interrupts; PostgreSQL's planning of a
        # large array (scalararraysel) does not check for them
        huge = []
        for how, at in (("timeout", 0.3), ("cancel", 1.5)):
            r, lat, elapsed = interrupt(sess, mon, "deployments_count", HUGE, how, at)
            if r[0] == "ok":
                log("  huge body: the call finished (%.1f s) before the %s took effect" % (elapsed, how))
                continue
            expect_cancelled(r, "huge body %s" % how)
            huge.append(lat)
            log("  100 k-element body, %s at %.1f s: ERROR %.0f ms later" % (how, at, lat))
        check_after("huge body")
        if huge and max(huge) > 10000:
            lib.fail("an interrupt of a 100 k-element body took %.0f ms" % max(huge))
        if huge and max(huge) >= args.limit_ms:
            log("NOTE: interrupting a 100 k-element body takes up to %.0f ms (not %.0f): the compiler and "
                "PostgreSQL's planner do not check for interrupts inside one list (doc/robustness.md)"
                % (max(huge), args.limit_ms))

    mon.execute("SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
                "WHERE d.datname = current_database() AND l.pid <> pg_backend_pid()")
    n = mon.fetchone()[0]
    if n:
        lib.fail("%d locks left in %s" % (n, args.db))
    sess.conn.close()
    monitor.conn.close()
    watch.check("interrupts")


if __name__ == "__main__":
    main()
