#!/usr/bin/python3
"""Answers through a hot standby and through PgBouncer equal direct answers.

  compare.py replica   --db D --host H --primary-port P --standby-port S
  compare.py pgbouncer --db D --host H --port P --bouncer-host BH --bouncer-port BP [--clients 8] [--rounds 40]

replica: on the standby pg_is_in_recovery() is true and the session is read-only; every reference
body through deployments_filter / _count / _paginate answers exactly what the primary answers, and
bodies that fail validation fail with the same SQLSTATE and message; filter_sql is the same.

pgbouncer (transaction pooling): --clients threads, each with its own client connection, run
--rounds iterations of either one autocommitted call or an explicit transaction of 2-4 calls
(one of them failing inside a savepoint now and then), all interleaved across fewer server
connections than clients. Every answer must equal the direct connection's answer for the same
body, and clients must be seen on several server backends (so nothing relies on session state).
"""
import argparse
import json
import random
import threading

import psycopg2

import lib
from lib import log

BAD = [json.dumps({"deployments": {"id": {"any_": ["zz"]}}}), json.dumps({"limit": 500}),
       json.dumps({"flows": {"bogus": 1}}), '{"x": ' + "[" * 40 + "]" * 40 + "}"]


def reference(cur):
    bodies = [json.dumps(b) for b in lib.reference_bodies(lib.value_pools(cur))] + BAD
    out = {}
    for b in bodies:
        for fn in lib.FUNCTIONS:
            out[(fn, b)] = lib.call(cur, fn, b)
    return out


def replica(args):
    p = lib.connect(args.db, host=args.host, port=args.primary_port)
    s = lib.connect(args.db, host=args.host, port=args.standby_port)
    pc, sc = p.cursor(), s.cursor()
    sc.execute("SELECT pg_is_in_recovery(), current_setting('transaction_read_only')")
    rec, ro = sc.fetchone()
    if not rec or ro != "on":
        lib.fail("standby: pg_is_in_recovery %s, transaction_read_only %s" % (rec, ro))
    expected = reference(pc)
    got = {k: lib.call(sc, *k) for k in expected}
    bad = [k for k in expected if expected[k] != got[k]]
    if bad:
        for k in bad[:3]:
            log("  %s(%s): primary %s, standby %s" % (k[0], k[1][:200], lib.shorten(str(expected[k]), 200),
                                                     lib.shorten(str(got[k]), 200)))
        lib.fail("replica: %d of %d answers differ" % (len(bad), len(expected)))
    n_ok = sum(1 for v in expected.values() if v[0] == "ok")
    sc.execute("SELECT prefect.deployments_count('{}'), (SELECT count(*) FROM prefect.deployment)")
    log("replica: standby in recovery, read-only; %d answers equal the primary's (%d results, %d errors); "
        "standby count = %s deployments" % (len(expected), n_ok, len(expected) - n_ok, sc.fetchone()))


def pgbouncer(args):
    direct = lib.connect(args.db, host=args.host, port=args.port)
    expected = reference(direct.cursor())
    keys = sorted(expected)
    errors = []
    pids = {}
    counts = {"calls": 0, "transactions": 0, "autocommit": 0}
    lock = threading.Lock()

    def check(k, got, where):
        if got != expected[k]:
            errors.append("%s: %s(%s) answered %s, directly %s" % (where, k[0], k[1][:200],
                                                                  lib.shorten(str(got), 200),
                                                                  lib.shorten(str(expected[k]), 200)))

    def client(i):
        rng = random.Random(i)
        try:
            conn = lib.connect(args.db, host=args.bouncer_host, port=args.bouncer_port)
            cur = conn.cursor()
            seen = set()
            for r in range(args.rounds):
                where = "client %d round %d" % (i, r)
                if rng.random() < 0.5:
                    k = rng.choice(keys)
                    check(k, lib.call(cur, *k), where)
                    cur.execute("SELECT pg_backend_pid()")
                    seen.add(cur.fetchone()[0])
                    with lock:
                        counts["calls"] += 1
                        counts["autocommit"] += 1
                    continue
                cur.execute("BEGIN")
                cur.execute("SELECT pg_backend_pid()")
                pid = cur.fetchone()[0]
                seen.add(pid)
                n = rng.randint(2, 4)
                for _ in range(n):
                    k = rng.choice(keys)
                    cur.execute("SAVEPOINT s")
                    got = lib.call(cur, *k)
                    cur.execute("ROLLBACK TO SAVEPOINT s" if got[0] == "error" else "RELEASE SAVEPOINT s")
                    check(k, got, where + " (in a transaction)")
                cur.execute("SELECT pg_backend_pid()")
                if cur.fetchone()[0] != pid:
                    errors.append("%s: the server connection changed inside a transaction" % where)
                cur.execute("COMMIT")
                with lock:
                    counts["calls"] += n
                    counts["transactions"] += 1
            pids[i] = seen
            conn.close()
        except psycopg2.Error as e:
            errors.append("client %d: %s" % (i, e))

    threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        for e in errors[:5]:
            log("  " + e)
        lib.fail("pgbouncer: %d problems" % len(errors))
    all_pids = set().union(*pids.values()) if pids else set()
    multi = sum(1 for s in pids.values() if len(s) > 1)
    log("pgbouncer: %d clients, %d calls (%d autocommitted, %d in %d explicit transactions) over %d server "
        "backends; %d of %d clients were served by more than one backend; every answer equals the direct one"
        % (args.clients, counts["calls"], counts["autocommit"], counts["calls"] - counts["autocommit"],
           counts["transactions"], len(all_pids), multi, args.clients))
    if len(all_pids) < 2 or multi == 0:
        lib.fail("pgbouncer: no sign of transaction pooling (backends %s)" % sorted(all_pids))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["replica", "pgbouncer"])
    ap.add_argument("--db", required=True)
    ap.add_argument("--host", required=True)
    ap.add_argument("--port")
    ap.add_argument("--primary-port")
    ap.add_argument("--standby-port")
    ap.add_argument("--bouncer-host")
    ap.add_argument("--bouncer-port")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=40)
    args = ap.parse_args()
    (replica if args.mode == "replica" else pgbouncer)(args)


if __name__ == "__main__":
    main()
