#!/usr/bin/python3
"""Memory: one backend's memory after N calls is within 10 % of its memory after 1 000 calls.

  memory.py DBNAME [--calls N] [--warm 1000] [--tolerance 0.10]

One connection cycles through a fixed pool of 100 bodies (valid ones of many shapes, so more
distinct compiled statements than the 64-entry plan cache holds and plans are evicted and
re-prepared all the time, and more bodies than the 64-entry cache of compiled requests holds, so
it evicts on every call, plus ~10 % that fail validation with 22023 / 22P02 / 54000), calling
deployments_count (50 %), _filter (20 %), _paginate (20 %) and _filter_sql (10 %). After --warm
calls and after --calls calls (both multiples of the pool size, so the plan cache holds the same
statements) it reads the sum of pg_backend_memory_contexts.total_bytes in the same session and
VmRSS / VmHWM / RssAnon of the backend from /proc/<pid>/status. Each must be within --tolerance
of the first reading (RssAnon: or grow by less than 2 MiB). C++ allocations of the compiler use
malloc, not palloc: a leak there would show in RssAnon/VmRSS, not in the contexts.
The contexts are compared without CacheMemoryContext's own blocks: PostgreSQL's catalog and
relation caches live there, and its block size doubles (1 MiB -> 2 MiB) once their entries pass
1 MiB, which happens before or after the first reading depending on when an invalidation (an
autovacuum ANALYZE) makes entries rebuild, a one-time +1 MiB that is not a leak (seen once:
+17 %). Its children (the kept SPI plans among them) are still counted, and it must stay under
CACHE_CONTEXT_LIMIT.
"""
import argparse
import json
import random
import time

import hostile
import lib
from lib import log

POOL = 100
CACHE_CONTEXT_LIMIT = 8 * 1048576  # CacheMemoryContext's own blocks (catalog caches): bounded, not compared
FN_CYCLE = ["deployments_count"] * 5 + ["deployments_filter"] * 2 + ["deployments_paginate"] * 2 + \
           ["deployments_filter_sql"]


def build_pool(cur, seed):
    rng = random.Random(seed)
    gen = hostile.Gen(rng, lib.value_pools(cur))
    pool, shapes, n_err = [], set(), 0
    while len(pool) < POOL:
        want_error = n_err < POOL // 10 and rng.random() < 0.15
        body = gen.valid_body()
        if isinstance(body, dict):
            body["limit"] = rng.choice([0, 1, 2, 3, 5])
        text = hostile.to_text(gen.mutate(body) if want_error else body)
        if len(text) > 20000 or "\\u0000" in text:
            continue  # (jsonb itself refuses \u0000: 22P05 from the cast, not from the extension)
        t = time.monotonic()
        res = [lib.call(cur, fn, text) for fn in lib.FUNCTIONS]
        if time.monotonic() - t > 0.08:   # keep the loop fast: no slow shapes
            continue
        errors = [r for r in res if r[0] == "error"]
        if any(r[1] not in lib.ALLOWED_SQLSTATES for r in errors):
            lib.fail("unexpected error for %s: %s" % (text, errors))
        if want_error != bool(errors):
            continue
        n_err += bool(errors)
        sql = res[3][1] if res[3][0] == "ok" else None
        if sql:
            shapes.add(json.loads(sql)["sql"])
        pool.append(text)
    return pool, len(shapes), n_err


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("db")
    ap.add_argument("--calls", type=int, default=100000)
    ap.add_argument("--warm", type=int, default=1000)
    ap.add_argument("--tolerance", type=float, default=0.10)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--every", type=int, default=0, help="also print a reading every N calls")
    args = ap.parse_args()
    if args.warm % POOL or args.calls % POOL or args.calls <= args.warm:
        lib.fail("--warm and --calls must be multiples of %d, --calls > --warm" % POOL)

    conn = lib.connect(args.db)
    cur = conn.cursor()
    pid = lib.backend_pid(cur)
    watch = lib.LogWatch(lib.server_log_path(cur))
    pool, n_shapes, n_err = build_pool(cur, args.seed)
    log("memory: backend pid %d; pool of %d bodies (%d distinct compiled statements, %d failing validation)"
        % (pid, len(pool), n_shapes, n_err))

    counts = {}
    readings = []
    t0 = time.monotonic()
    for i in range(args.calls):
        fn = FN_CYCLE[(i + i // POOL) % len(FN_CYCLE)]
        r = lib.call(cur, fn, pool[i % POOL])
        key = r[0] if r[0] == "ok" else r[1]
        counts[key] = counts.get(key, 0) + 1
        if r[0] == "error" and r[1] not in lib.ALLOWED_SQLSTATES:
            lib.fail("%s raised %s: %s (body %s)" % (fn, r[1], r[2], pool[i % POOL]))
        n = i + 1
        if args.every and n % args.every == 0 and n not in (args.warm, args.calls):
            log("  after %7d calls (%6.1f s): %s" % (n, time.monotonic() - t0, lib.fmt_mem(lib.backend_memory(cur, pid))))
        if n == args.warm or n == args.calls:
            m = lib.backend_memory(cur, pid)
            by_name = lib.contexts_by_name(cur)
            m["cache_context_bytes"] = by_name.get("CacheMemoryContext", (0, 0))[1]
            m["contexts_bytes"] -= m["cache_context_bytes"]
            readings.append((n, m, time.monotonic() - t0))
            log("memory after %7d calls (%6.1f s): %s" % (n, time.monotonic() - t0, lib.fmt_mem(m)))
            if n == args.warm:
                first_by_name = by_name
    if lib.backend_pid(cur) != pid:
        lib.fail("backend pid changed")
    (n0, m0, _), (n1, m1, t1) = readings
    log("memory: %d calls in %.1f s (%.2f ms/call): %s"
        % (args.calls, t1, t1 * 1000.0 / args.calls, ", ".join("%s %d" % kv for kv in sorted(counts.items()))))
    bad = []
    for k in ("contexts_bytes", "VmRSS", "VmHWM", "RssAnon"):
        if k not in m0:
            log("WARNING: %s not readable (/proc/%d/status)" % (k, pid))
            continue
        growth = (m1[k] - m0[k]) / float(m0[k])
        log("  %-15s after %d: %10d  after %d: %10d  change %+.2f %%" % (k, n0, m0[k], n1, m1[k], 100 * growth))
        # RssAnon (the backend's private memory: malloc'd C++ objects too) settles over the first
        # ~10 k calls as malloc's arenas find their size; a leak would grow it without bound
        slack = 2 * 1048576 if k == "RssAnon" else 0
        if growth > args.tolerance and m1[k] - m0[k] > slack:
            bad.append(k)
    log("  CacheMemoryContext's own blocks (left out of contexts_bytes): %d then %d B"
        % (m0["cache_context_bytes"], m1["cache_context_bytes"]))
    if m1["cache_context_bytes"] > CACHE_CONTEXT_LIMIT:
        bad.append("CacheMemoryContext (over %d MiB)" % (CACHE_CONTEXT_LIMIT // 1048576))
    log("  contexts that changed: %s" % lib.contexts_diff(first_by_name, by_name))
    if bad:
        lib.fail("%s grew by more than %.0f %% between %d and %d calls" % (", ".join(bad), 100 * args.tolerance,
                                                                           n0, n1))
    conn.close()
    watch.check("memory")


if __name__ == "__main__":
    main()
