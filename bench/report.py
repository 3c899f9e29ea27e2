#!/usr/bin/python3
"""Turns bench.py's JSON into bench/results/<label>.md, <label>.csv and <label>.png;
with --sweep, several light runs into sweep.md / sweep.csv / sweep.png.

  report.py results/M.json
  report.py --sweep results/sweep_1k.json results/sweep_10k.json results/sweep_100k.json
"""
import argparse
import csv
import json
import os
import re
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

# The speed targets (README, "Speed")
A_OVER_C = 0.5            # every shape
A_OVER_B = 1.0            # every shape
A_OVER_B_PAGES = 0.5      # every page shape (filter, paginate)
RENDER_US = 8.0           # per rendered deployment, in the server
UI_P50_MS, UI_P99_MS = 1.5, 10.0
P95_L_MS = 1000.0         # L: every shape, (a) p95
FR_WINDOW_P95_L_MS = 100.0  # L: flow-run window shapes, (a) p95
MEM_MB = 32
SWEEP_GROWTH = 1.5        # sweep: selective shapes, 1 k -> 100 k deployments
REGRESSION = 1.05         # against the previous results file: (a) p50 may grow by 5 % at most
SELECTIVE_MAX, UNSELECTIVE_MIN = 0.02, 0.50   # share of all deployments a pair's count matches
SEQ_RUNS = re.compile(r"Seq Scan on (flow_run|task_run)\b")


def f(x, nd=2):
    if x is None:
        return "–"
    if isinstance(x, float):
        if abs(x) >= 100:
            return f"{x:.0f}"
        if abs(x) >= 10:
            return f"{x:.1f}"
        return f"{x:.{nd}f}"
    return str(x)


def ok(flag):
    return "✅" if flag else "❌"


def load(path):
    with open(path) as fh:
        return json.load(fh)


def per_shape(r):
    rows = []
    for s in r["shapes"]:
        k = s["key"]
        t = {v: r["timing"][f"{k}|{v}"] for v in "abc"}
        p = {v: r["pgss"][f"{k}|{v}"] for v in "abc"}
        chk = r["checks"][k]
        mem = r.get("memory", {}).get(f"{k}|a") if isinstance(r.get("memory"), dict) else None
        memb = r.get("memory", {}).get(f"{k}|b") if isinstance(r.get("memory"), dict) else None
        plan = r.get("plans", {}).get(k, {})
        ab = t["a"]["median"] / t["b"]["median"]
        ac = t["a"]["median"] / t["c"]["median"]
        rows.append({
            "shape": k, "title": s["title"], "endpoint": s["endpoint"], "selective": s["selective"],
            "rows": chk["rows"], "bytes": chk["a_bytes"], "a_eq_b": chk["b_equal"], "c_same": chk["c_same"],
            "a_med": t["a"]["median"], "a_p95": t["a"]["p95"], "a_p99": t["a"]["p99"],
            "b_med": t["b"]["median"], "b_p95": t["b"]["p95"],
            "c_med": t["c"]["median"], "c_p95": t["c"]["p95"],
            "a_over_b": ab, "a_over_c": ac,
            "a_server_ms": (r["inserver_a"][k]["median"] if "inserver_a" in r else p["a"]["server_ms_per_call"]),
            "a_server_p95": (r["inserver_a"][k]["p95"] if "inserver_a" in r else None),
            "a_pgss_mean_ms": p["a"]["server_ms_per_call"], "b_server_ms": p["b"]["server_ms_per_call"],
            "c_server_ms": p["c"]["server_ms_per_call"],
            "a_stmts": p["a"]["statements_per_call"], "a_nested": p["a"]["nested_per_call"],
            "b_stmts": p["b"]["statements_per_call"],
            "c_stmts": p["c"]["statements_per_call"], "c_tx": p["c"]["tx_statements_per_call"],
            "a_mode": p["a"]["plan_mode"], "b_mode": p["b"]["plan_mode"], "c_mode": p["c"]["plan_mode"],
            "a_plan_ms": p["a"]["plan_ms_per_call"],
            "a_stmt_ms": plan.get("stmt_exec_ms"),
            "a_peak_mb": mem["peak_private_kb"] / 1024 if mem else None,
            "b_peak_mb": memb["peak_private_kb"] / 1024 if memb else None,
            "seq_runs": ",".join(seq_scans(r, k)) or "no",
            "pair": "/".join(s["pair"]) if s.get("pair") else "",
        })
    return rows


def page_shape(row):
    """A page (filter or paginate): target a/b <= 0.5."""
    return row["endpoint"] != "count"


def fr_window_shape(shape):
    """A flow-run window shape: a flow_runs sub-filter with a start_time range."""
    fr = shape["body"].get("flow_runs") or {}
    return isinstance(fr.get("start_time"), dict) and bool({"after_", "before_"} & set(fr["start_time"]))


def seq_scans(r, key):
    """Sequential scans of flow_run / task_run in (a)'s plans of this shape: the plan bench.py
    recorded for every shape (EXPLAIN of the compiled statement) and, when there is one, the
    EXPLAIN ANALYZE of the slow-shape section."""
    found = set()
    for text in (r.get("plans", {}).get(key, {}).get("plan", ""), (r.get("explain") or {}).get(key, {}).get("a", "")):
        found.update(SEQ_RUNS.findall(text or ""))
    return sorted(found)


def write_csv(path, rows):
    with open(path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0].keys()))
        w.writeheader()
        for row in rows:
            w.writerow({k: (round(v, 4) if isinstance(v, float) else v) for k, v in row.items()})


def plot_shapes(path, r, rows):
    fig, ax = plt.subplots(figsize=(11, 0.42 * len(rows) + 1.5))
    ys = list(range(len(rows)))[::-1]
    h = 0.27
    colors = {"a": "#1f77b4", "b": "#ff7f0e", "c": "#7f7f7f"}
    labels = {"a": "(a) prefect_filter function", "b": "(b) hand-written SQL, same JSON",
              "c": "(c) Prefect's SQL (no JSON)"}
    for i, v in enumerate("abc"):
        med = [row[f"{v}_med"] for row in rows]
        p95 = [row[f"{v}_p95"] for row in rows]
        err = [[0] * len(rows), [max(0.0, p - m) for m, p in zip(med, p95)]]
        ax.barh([y + (1 - i) * h for y in ys], med, height=h, color=colors[v], label=labels[v],
                xerr=err, error_kw={"elinewidth": 0.8, "capsize": 1.5, "ecolor": "#333"})
    ax.set_yticks(ys)
    ax.set_yticklabels([f"{row['shape']} ({row['rows']})" for row in rows], fontsize=8)
    ax.set_xscale("log")
    ax.set_xlabel("client-side latency, ms (bar = median, whisker = p95; log scale)")
    ax.set_title(f"Dataset {r['label']}: latency per shape (rows returned in parentheses)")
    ax.grid(axis="x", which="both", alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def fence(text):
    return "```\n" + text.rstrip() + "\n```\n"


def dataset_section(r):
    out = []
    ds = r["dataset"]
    out.append("| table | rows | size |\n|---|---:|---:|")
    for t, v in ds["tables"].items():
        out.append(f"| {t} | {v['rows']:,} | {v['bytes'] / 2**20:.0f} MB |")
    out.append("")
    gen = r.get("gen_seconds")
    out.append(f"Generated with `data/generate.sql` {r.get('gen_knobs', '')} in "
               f"**{gen:.0f} s** ({gen / 60:.1f} min)." if gen else "Generation time not recorded.")
    out.append("")
    out.append(f"Server: {ds['server'].split(' on ')[0]}; prefect_filter {ds['extension']}; "
               + ", ".join(f"{k} = {v}" for k, v in sorted(ds["settings"].items()))
               + f". Machine: {os.cpu_count()} cores, load average at start / end "
               f"{r['loadavg_start'][0]:.1f} / {r['loadavg_end'][0]:.1f} (other jobs share the machine: "
               "compare the three columns of one run, not absolute numbers across runs).")
    out.append("")
    return "\n".join(out)


def _mb(b):
    return "–" if b is None else (f"{b / 2**20:.0f} MB" if b >= 2**20 else f"{b / 1024:.0f} kB")


def indexes_section(r):
    """The indexes beyond Prefect's that all three variants ran against: the extension's own and
    the DBA's (shapes.DBA_INDEXES, made by bench.py before timing)."""
    md = ["## Indexes\n"]
    ix = r.get("indexes")
    ds = r["dataset"]
    reasons = ds.get("extension_index_reasons") or {}
    dba = (ix or {}).get("dba", [])
    dba_names = {i["name"] for i in dba}
    md.append("(a), (b) and (c) run on the same database, so against the same indexes: Prefect's own (its "
              "migrations' indexes, not listed here), the extension's (made by `CREATE EXTENSION prefect_filter`; "
              "the trigram indexes by `prefect.create_trigram_indexes()`, pg_trgm being installed first) and the "
              "DBA's: the targets let a fair (b) use \"any index the extension could create, plus whatever a DBA would "
              "add for that query\". bench.py makes the DBA's indexes after generation and before timing "
              "(`CREATE INDEX IF NOT EXISTS`, then ANALYZE of the tables that got one); an index the extension "
              "itself makes from a later version is skipped when one of that name exists.\n")
    md.append("| index | made by | definition | size | why |")
    md.append("|---|---|---|---:|---|")
    for row in ds.get("extension_indexes", []):
        if len(row) < 3:      # results from before 2026-12: (index, table) only
            md.append(f"| `{row[0]}` | extension | on {row[1]} | – | |")
            continue
        name, _table, definition, size = row[:4]
        if name in dba_names:
            continue
        why = reasons.get(name) or next((v for k, v in reasons.items() if k.endswith("_") and name.startswith(k)), "")
        md.append(f"| `{name}` | extension | `{definition}` | {_mb(size)} | {why} |")
    for i in dba:
        made = {"created by bench.py": f"DBA (bench.py, {i['seconds']:.1f} s)" if i.get("seconds") is not None
                else "DBA (bench.py)"}.get(i["status"], i["status"])
        if i["status"] == "created by the extension":
            made = f"created by the extension ({i.get('extension')})"
        md.append(f"| `{i['name']}` | {made} | `{i.get('definition') or i['sql']}` | {_mb(i.get('bytes'))} | "
                  f"{i['reason']} |")
    md.append("")
    if ix is None:
        md.append("This run predates the DBA's indexes: (b) and (c) ran with Prefect's and the extension's indexes "
                  "only.\n")
    else:
        if ix.get("trigram_made"):
            md.append(f"`prefect.create_trigram_indexes()` made {ix['trigram_made']} trigram index(es) the "
                      "extension had not made.\n")
        if ix.get("analyzed"):
            md.append("ANALYZE after the indexes: " + ", ".join(f"`{t}`" for t in ix["analyzed"]) + ".\n")
    return "\n".join(md)


def pairs_section(r, t):
    """Selective and unselective shapes for every sub-filter, page and count."""
    pairs = r.get("pairs")
    if not pairs:
        return ""
    total = t["count_all"]["rows"] if "count_all" in t else None
    md = ["## Selective and unselective shapes, per sub-filter\n"]
    md.append("Issue 5: \"selective and unselective versions of every sub-filter (counts and pages), so that a "
              "plan that only works on one side cannot hide\". Each pair is the same filter as a page (filter, "
              "limit 200) and as a count; the count's result is the number of deployments the filter matches "
              f"on this dataset (share of `count_all`). Selective: < {SELECTIVE_MAX:.0%} of the deployments on M; "
              f"unselective: > {UNSELECTIVE_MIN:.0%}. The class is chosen for M (10 000 deployments); at smoke scale "
              "(283 deployments, 7 pools, 11 queues, 40 flows) one pool, queue or pair of flows is 3–7 %, so "
              "'holds' may say no there.\n")
    md.append("| sub-filter | kind | matches here | expected on M | holds | page shape | rows | (a) p50 | a/b | a/c "
              "| count shape | (a) p50 | a/b | a/c |")
    md.append("|---|---|---:|---:|---|---|---:|---:|---:|---:|---|---:|---:|---:|")
    for p in pairs:
        pg, ct = t.get(p["page"]), t.get(p["count"])
        if pg is None or ct is None:
            continue
        n = ct["rows"]
        share = n / total if total else None
        holds = (share < SELECTIVE_MAX if p["kind"] == "selective" else share > UNSELECTIVE_MIN) if share is not None else None
        md.append(f"| {p['sub_filter']} | {p['kind']} | {n:,} ({share:.1%}) | {p.get('expected_m', '')} | "
                  f"{'–' if holds is None else ok(holds)} | `{p['page']}` | {pg['rows']} | {f(pg['a_med'])} | "
                  f"{f(pg['a_over_b'])} | {f(pg['a_over_c'])} | `{p['count']}` | {f(ct['a_med'])} | "
                  f"{f(ct['a_over_b'])} | {f(ct['a_over_c'])} |")
    md.append("")
    return "\n".join(md)


def regression_section(r, rows):
    """(a) p50 against the previous results file of the same dataset (bench.py copied it to
    <D>.previous.json before writing this one and put its per-shape timings into this file)."""
    md = ["## Regression against the previous results file\n"]
    prev = r.get("previous")
    if "previous" not in r:
        md.append("This results file predates the regression check (bench.py did not yet keep the file it "
                  "replaced): nothing to compare.\n")
        return "\n".join(md), []
    if not prev:
        md.append(f"No previous results file for dataset {r['label']} (bench.py looks for the `{r['label']}.json` it is "
                  "about to overwrite): nothing to compare.\n")
        return "\n".join(md), []
    if "error" in prev:
        md.append(f"The previous results file could not be read: {prev['error']}.\n")
        return "\n".join(md), []
    so = prev.get("so_start") or {}
    md.append(f"Previous run: `{prev['file']}` (the `{r['label']}.json` this run replaced), started {prev.get('started')}, "
              f"prefect_filter {prev.get('extension')}, build {so.get('sha256_16')} ({so.get('mtime')}), "
              f"{prev.get('rounds')} rounds, load average at start "
              f"{(prev.get('loadavg_start') or [0])[0]:.1f} (this run: {r['loadavg_start'][0]:.1f}).\n")
    md.append(f"Target: no shape's (a) p50 grows by more than {REGRESSION - 1:.0%}. The raw ratio new / previous (a) "
              "p50 moves with the machine's speed, which drifts between runs on this shared 2-core machine. "
              "**The fair figure is the normalised one: (a/b) new ÷ (a/b) previous** — (a) and (b) run back to "
              "back in the same rounds, so a slower machine slows both and the ratio cancels it; (b) is fixed SQL "
              "on the same data. (a/c) new ÷ (a/c) previous is the same check against Prefect's statements "
              "(more client-bound, so a second opinion). A shape is listed as a regression when the fair figure "
              f"exceeds {REGRESSION:.2f}; the raw and a/c figures are flagged too.\n")
    if not prev.get("had_dba_indexes") and r.get("indexes"):
        md.append("Caution: the previous run predates the DBA's indexes, this one has them: (b) and (c) got faster "
                  "on the shapes those indexes serve, so the normalised ratios overstate (a)'s change there; "
                  "read the raw ratio for those shapes.\n")
    md.append("| shape | (a) p50 previous | (a) p50 now | now / previous | a/b previous | a/b now | "
              "**(a/b) now ÷ previous** | a/c now ÷ previous |")
    md.append("|---|---:|---:|---:|---:|---:|---:|---:|")
    timing = prev.get("timing", {})
    fair_miss, raw_miss, new_shapes = [], [], []

    def flag(x):
        return "–" if x is None else f"{x:.2f} " + ("⚠️" if x > REGRESSION else "✅")

    for row in rows:
        k = row["shape"]
        pa, pb, pc = (timing.get(f"{k}|{v}", {}).get("median") for v in "abc")
        if not pa:
            new_shapes.append(k)
            md.append(f"| `{k}` | – (new shape: no previous figure) | {f(row['a_med'])} | – | – | {f(row['a_over_b'])} | – | – |")
            continue
        raw = row["a_med"] / pa
        ab_prev = pa / pb if pb else None
        fair = row["a_over_b"] / ab_prev if ab_prev else None
        ac = row["a_over_c"] / (pa / pc) if pc else None
        if fair is not None and fair > REGRESSION:
            fair_miss.append((k, fair, raw))
        if raw > REGRESSION:
            raw_miss.append((k, raw))
        md.append(f"| `{k}` | {f(pa)} | {f(row['a_med'])} | {flag(raw)} | {f(ab_prev)} | {f(row['a_over_b'])} | "
                  f"**{flag(fair)}** | {flag(ac)} |")
    md.append("")
    gone = [k for k in prev.get("shape_keys", []) if k not in {row["shape"] for row in rows}]
    md.append("Regressions by more than 5 % (fair figure, a/b normalised): "
              + (", ".join(f"`{k}` ({x:.2f}, raw {y:.2f})" for k, x, y in fair_miss) if fair_miss else "none") + ". "
              + "Raw (a) p50 more than 5 % slower: "
              + (", ".join(f"`{k}` ({x:.2f})" for k, x in raw_miss) if raw_miss else "none") + ". "
              + ("New shapes, no previous figure: " + ", ".join(f"`{k}`" for k in new_shapes) + ". " if new_shapes else "")
              + ("Shapes of the previous run no longer measured: " + ", ".join(f"`{k}`" for k in gone) + "." if gone else "")
              + "\n")
    return "\n".join(md), fair_miss


def report(path_json):
    r = load(path_json)
    base = os.path.splitext(path_json)[0]
    label = r["label"]
    rows = per_shape(r)
    write_csv(base + ".csv", rows)
    plot_shapes(base + ".png", r, rows)
    md = []
    md.append(f"# Benchmark results: dataset {label}\n")
    md.append(f"Run {r['started']}: {r['warmup']} warm-up rounds, then {r['rounds']} rounds; in every round each "
              "shape runs (a), (b) and (c) back to back in a rotating order, shapes shuffled. Client-side "
              "time over the Unix socket with psycopg2, including fetching every row / the whole JSON text. "
              f"Whole benchmark: {r['bench_seconds'] / 60:.1f} min. How to rerun and what each column means: "
              "[bench/README.md](../README.md). Raw samples: "
              f"[{label}_raw.csv]({label}_raw.csv); per-shape summary: [{label}.csv]({label}.csv); "
              f"everything incl. plans: [{label}.json]({label}.json).\n")
    md.append(dataset_section(r))
    so0, so1 = r.get("so_start", {}), r.get("so_end", {})
    if so0:
        md.append(f"Extension build: `{so0.get('path')}` {so0.get('mtime')} sha256 {so0.get('sha256_16')}"
                  + ("" if so0 == so1 else f" (**reinstalled during the run**: now {so1.get('mtime')} "
                                           f"{so1.get('sha256_16')})") + ".\n")
    if r.get("note"):
        md.append(r["note"] + "\n")
    md.append(indexes_section(r))
    md.append(f"![latency per shape]({label}.png)\n")

    md.append("## Latency per shape (ms, client side)\n")
    md.append("| shape | rows | (a) p50 | (a) p95 | (b) p50 | (b) p95 | (c) p50 | (c) p95 | a/b | a/c | "
              + ("(a) in server p50" if "inserver_a" in r else "(a) in server (pgss mean)")
              + " | stmts a / b / c | plan a / b / c | a = b bytes | peak MB a / b |")
    md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|---|")
    for row in rows:
        ab_ok = row["a_over_b"] <= (A_OVER_B_PAGES if page_shape(row) else A_OVER_B)
        md.append(
            f"| `{row['shape']}` | {row['rows']} | {f(row['a_med'])} | {f(row['a_p95'])} | {f(row['b_med'])} | "
            f"{f(row['b_p95'])} | {f(row['c_med'])} | {f(row['c_p95'])} | {f(row['a_over_b'])} {ok(ab_ok)} | "
            f"{f(row['a_over_c'])} {ok(row['a_over_c'] <= A_OVER_C)} | {f(row['a_server_ms'])} | "
            f"1 (+{row['a_nested']:.0f} SPI) / {row['b_stmts']:.0f} / {row['c_stmts']:.0f} (+{row['c_tx']:.0f} tx) | "
            f"{row['a_mode']} / {row['b_mode']} / {row['c_mode']} | {'yes' if row['a_eq_b'] else '**NO**'} | "
            f"{f(row['a_peak_mb'], 1)} / {f(row['b_peak_mb'], 1)} |")
    md.append("")
    md.append(f"a/b target: ≤ {A_OVER_B_PAGES} on every page shape (filter, paginate), ≤ {A_OVER_B} on the counts; "
              f"a/c target ≤ {A_OVER_C} on every shape. Shapes: "
              + "; ".join(f"`{s['key']}` = {s['title']} `{json.dumps(s['body'])}`" for s in r["shapes"]) + ".\n")

    diffs = [(k, c) for k, c in r["checks"].items() if not c["b_equal"]]
    if diffs:
        md.append("### Shapes where (b)'s JSON text differs from (a)'s\n")
        for k, c in diffs:
            md.append(f"- `{k}` first differs at byte {c['first_diff']}:\n  - (a) `{c['a_context']}`\n  - (b) `{c['b_context']}`")
        md.append("")
    else:
        md.append("(b) produced byte-identical JSON text to (a) on every shape.\n")
    ties = [(k, c) for k, c in r["checks"].items() if c.get("c_tie_note")]
    notsame = [k for k, c in r["checks"].items() if not c["c_same"]]
    md.append("(c) returned the same deployments as (a) on every shape" if not notsame
              else f"(c) returned different deployments from (a) on: {', '.join(notsame)}")
    if ties:
        md.append(" (up to Prefect's missing tiebreak: " + "; ".join(f"`{k}`: {c['c_tie_note']}" for k, c in ties) + ")")
    md.append(".\n")

    # rendering cost per deployment
    t = {row["shape"]: row for row in rows}
    per_dep_server = None
    if "all_name_asc" in t and "all_limit1" in t:
        per_dep_a = (t["all_name_asc"]["a_med"] - t["all_limit1"]["a_med"]) / 199 * 1000
        per_dep_b = (t["all_name_asc"]["b_med"] - t["all_limit1"]["b_med"]) / 199 * 1000
        from_table = None
        if "inserver_a" in r:
            from_table = (t["all_name_asc"]["a_server_ms"] - t["all_limit1"]["a_server_ms"]) / 199 * 1000
        per_dep_server = from_table
        how = f"{r.get('inserver_per_shape', 15)} calls a shape, the table above"
        if "inserver_per_deployment" in r:  # the dedicated, interleaved measurement
            ipd = r["inserver_per_deployment"]
            per_dep_server = ipd["us_per_deployment"]
            how = (f"{ipd['all_name_asc']['n']} calls of each page, alternating in one backend: "
                   f"{f(ipd['all_name_asc']['median'], 3)} and {f(ipd['all_limit1']['median'], 3)} ms; from the "
                   f"table's medians {f(from_table, 1)} µs")
        md.append(f"Cost per rendered deployment ((`all_name_asc` − `all_limit1`) / 199, medians): in the server "
                  f"(a) **{f(per_dep_server, 1)} µs** ({how}; target ≤ {RENDER_US:g} µs: "
                  f"{'–' if per_dep_server is None else ok(per_dep_server <= RENDER_US)}; it includes reading the "
                  f"rows and their related rows, not only rendering); client side, with the transfer of the text, "
                  f"(a) {per_dep_a:.0f} µs, (b) {per_dep_b:.0f} µs.\n")

    md.append(pairs_section(r, t))

    # UI page
    md.append("## Default UI page (`ui_page`)\n")
    if "inserver" in r:
        ins = r["inserver"]["ui_page"]
        md.append(f"Inside the server (plpgsql loop timing each call with clock_timestamp(), {ins['a']['n']} calls, "
                  "no client or socket):\n")
        md.append("| | p50 | p95 | p99 |\n|---|---:|---:|---:|")
        for v in ("a", "b"):
            md.append(f"| ({v}) | {f(ins[v]['median'])} ms | {f(ins[v]['p95'])} ms | {f(ins[v]['p99'])} ms |")
        md.append("")
        md.append(f"Target p50 ≤ {UI_P50_MS:g} ms: {ok(ins['a']['median'] <= UI_P50_MS)}; p99 ≤ {UI_P99_MS:g} ms: "
                  f"{ok(ins['a']['p99'] <= UI_P99_MS)}. Prefect's own server code on dataset M was measured at "
                  "~75–105 ms median; 25× faster means ≤ 3–4 ms: "
                  f"{ok(ins['a']['median'] * 25 <= 75)} ({75 / ins['a']['median']:.0f}× against 75 ms).\n")
    if "pgbench" in r:
        pb = r["pgbench"]["ui_page"]
        md.append("Throughput, `pgbench -n -M prepared -c 2 -j 2` on the UI page:\n")
        md.append("| | tps | mean latency |\n|---|---:|---:|")
        for v in ("a", "b"):
            md.append(f"| ({v}) | {f(pb[v]['tps'])} | {f(pb[v]['latency_ms'])} ms |")
        md.append("")

    # statements and plans
    md.append("## Statements per call and plan modes\n")
    md.append("From `pg_stat_statements` (track = all, track_planning = on), reset before each shape and variant, "
              "then a few calls. (a) is one statement from the client plus its SPI statements (the page "
              "statement, then — when the page is not empty — one load each for schedules, concurrency limits "
              "and work queues, each only when a row of the page points at it; paginate adds the count; a flows "
              "condition, and a work pool/queue condition, each add one statement before the page that finds the "
              "ids they match). (c) counts Prefect's statements; `tx` is its BEGIN/ROLLBACK. Plan mode: "
              "`custom` = planned on every call (plans = calls), `generic` = a cached generic plan (plans = 0).\n")
    if all(k in t for k in ("all_limit1", "all_limit100", "all_name_asc")):
        # bounded, not growing with the page: one client statement, at most the page statement and
        # one per related load (a load no row of the page points at does not run)
        bounded = all(t[k]["a_stmts"] == 1 and t[k]["a_nested"] <= 4 for k in ("all_limit1", "all_limit100", "all_name_asc"))
        md.append(f"Page size 1 / 100 / 200 (`all_limit1`, `all_limit100`, `all_name_asc`): (a) "
                  + " / ".join(f"{t[k]['a_stmts']:.0f}+{t[k]['a_nested']:.0f}" for k in ("all_limit1", "all_limit100", "all_name_asc"))
                  + ", (c) " + " / ".join(f"{t[k]['c_stmts']:.0f}" for k in ("all_limit1", "all_limit100", "all_name_asc"))
                  + f" statements per call — bounded for (a), at most 1+4 whatever the page size: {ok(bounded)}.\n")
    md.append("Why each mode: the extension prepares a statement with CURSOR_OPT_CUSTOM_PLAN (planned with "
              "the values on every call) when the best plan depends on them — relational sub-filters (flows, "
              "flow runs, task runs, work pools and queues) and ILIKE patterns — and otherwise with "
              "CURSOR_OPT_GENERIC_PLAN (planned once per backend: deployment-only filters, the three related "
              "loads, counts without sub-filters). (a)'s column lists the page statement's mode first, then the "
              "loads'. (b) and (c) are plain prepared statements with PostgreSQL's default (five custom plans, "
              "then the generic plan if its estimated cost is not higher).\n")
    md.append("| shape | (a) plan mode | (a) planning ms/call | (a) in server, ms | its rows statement alone, ms | "
              "rest (compile, related loads, render), ms | seq scan of flow_run / task_run in (a)'s plan |")
    md.append("|---|---|---:|---:|---:|---:|---|")
    for row in rows:
        rest = row["a_server_ms"] - row["a_stmt_ms"] if row["a_stmt_ms"] is not None else None
        md.append(f"| `{row['shape']}` | {row['a_mode']} | {f(row['a_plan_ms'], 3)} | {f(row['a_server_ms'])} | "
                  f"{f(row['a_stmt_ms'])} | {f(rest)} | {row['seq_runs']} |")
    md.append("")
    md.append("'Rows statement alone' is EXPLAIN (ANALYZE, TIMING OFF) of the statement "
              "`prefect.deployments_filter_sql` returns for the body, run in the same plan mode (median of 5; "
              "for paginate only the rows statement, not the count). The difference to the function's server "
              "time is compiling the body, SPI, the three related loads and rendering the JSON. The two are measured at different "
              "moments (15 in-server calls vs 5 EXPLAINs), so on a busy machine the difference is noisy and "
              "can even come out negative; it is an estimate, not an accounting.")
    md.append("")

    # memory
    md.append("## Backend memory\n")
    if isinstance(r.get("memory"), dict) and "error" not in r["memory"]:
        peak = max(row["a_peak_mb"] for row in rows if row["a_peak_mb"] is not None)
        md.append(f"Peak private memory of a backend serving one shape (fresh connection, one warm-up call, "
                  f"peak RSS reset through /proc/<pid>/clear_refs, then VmHWM − RssFile − RssShmem after the "
                  f"call): largest (a) {peak:.1f} MB (target ≤ {MEM_MB} MB: {ok(peak <= MEM_MB)}); per shape in "
                  "the table above.\n")
    elif "memory" in r:
        md.append(f"Not measured: {r['memory']}\n")
    if "long_memory" in r:
        lm = r["long_memory"]
        s = lm["samples"]
        md.append(f"Long run on one connection ({lm['seconds']:.0f} s): {lm['calls']:,} calls cycling over every "
                  f"shape's body at limit 10 ({len(lm['shapes'])} bodies: filter, paginate, count, every sub-filter; "
                  f"the counts over many flow runs left out for time), then {lm['big_calls']:,} calls of `{{}}` at "
                  "limit 200:\n")
        md.append("| calls | phase | memory contexts total | of which the render cache | RssAnon |\n"
                  "|---:|---|---:|---:|---:|")
        for x in s:
            md.append(f"| {x['calls']:,} | {x.get('phase', '')} | {x['contexts_kb']:,} kB | "
                      f"{x.get('render_cache_kb', 0):,} kB | {x['anon_kb']:,} kB |")
        first = next((x for x in s if x["calls"] > 0), s[0])
        at_calls = next((x for x in s if x["calls"] == lm["calls"]), s[-1])
        cache_grow = at_calls.get("render_cache_kb", 0) - first.get("render_cache_kb", 0)
        grow = at_calls["anon_kb"] - first["anon_kb"] - cache_grow
        growc = at_calls["contexts_kb"] - first["contexts_kb"] - cache_grow
        md.append("")
        md.append(f"From call {first['calls']:,} to call {at_calls['calls']:,}, leaving out the render cache's "
                  f"growth ({cache_grow:+,} kB: it fills up to prefect_filter.render_cache_size by design, "
                  f"doc/design.md): {grow:+,} kB RssAnon, {growc:+,} kB "
                  f"memory contexts (flat: {ok(abs(grow) < 2048 and abs(growc) < 1024)}).\n")

    # explains
    if r.get("explain"):
        md.append("## Plans of the slowest shapes\n")
        md.append("EXPLAIN (ANALYZE, BUFFERS) of (a)'s compiled statement (`prefect.deployments_filter_sql`, "
                  "in the plan mode the function uses; for count shapes that function only shows the rows "
                  "statement of the same filter, so (b)'s count statement stands for ours), of (b), and of "
                  "(c)'s main statement. The extension plans page statements serially; the harness explains (a)'s "
                  "statement with max_parallel_workers_per_gather = 0 since 2026-11-29 14:50 — the M and L runs "
                  "of 13:20-14:41 explained it with workers allowed, so a Gather in (a)'s page plan there "
                  "(tr_state) is not what the function ran: it ran the serial plan, see its in-server time.\n")
        for k, e in r["explain"].items():
            row = t[k]
            md.append(f"### `{k}` — {row['title']}\n")
            md.append(f"(a) p50 {f(row['a_med'])} ms, (b) {f(row['b_med'])} ms, (c) {f(row['c_med'])} ms.\n")
            md.append(f"(a), {e.get('a_mode', '')}:\n")
            md.append(fence(e["a"]))
            md.append("(b):\n")
            md.append(fence(e["b"]))
            md.append("(c) main statement:\n")
            md.append(fence(e["c"]))

    # regression against the previous results file
    reg_md, reg_miss = regression_section(r, rows)
    md.append(reg_md)

    # targets
    md.append("## Targets on this dataset\n")
    is_l = label.startswith("L")
    shapes_by_key = {x["key"]: x for x in r["shapes"]}
    fr_windows = [row for row in rows if fr_window_shape(shapes_by_key[row["shape"]])]
    pages = [row for row in rows if page_shape(row)]
    seq_rows = [row for row in rows if row["seq_runs"] != "no"]
    miss = []
    for row in rows:
        if row["a_over_b"] > A_OVER_B:
            miss.append(f"`{row['shape']}`: a/b = {row['a_over_b']:.2f} (every shape ≤ {A_OVER_B}; a {f(row['a_med'])} ms, "
                        f"b {f(row['b_med'])} ms)")
        elif page_shape(row) and row["a_over_b"] > A_OVER_B_PAGES:
            miss.append(f"`{row['shape']}`: a/b = {row['a_over_b']:.2f} (page shapes ≤ {A_OVER_B_PAGES}; "
                        f"a {f(row['a_med'])} ms, b {f(row['b_med'])} ms)")
        if row["a_over_c"] > A_OVER_C:
            miss.append(f"`{row['shape']}`: a/c = {row['a_over_c']:.2f} (target ≤ {A_OVER_C}; a {f(row['a_med'])} ms, "
                        f"c {f(row['c_med'])} ms)")
        if row["seq_runs"] != "no":
            miss.append(f"`{row['shape']}`: sequential scan of {row['seq_runs']} in (a)'s plan")
        if not row["a_eq_b"]:
            miss.append(f"`{row['shape']}`: (b)'s text differs from (a)'s")
        if is_l and row["a_p95"] > P95_L_MS:
            miss.append(f"`{row['shape']}`: (a) p95 {row['a_p95']:.0f} ms on L (every shape ≤ {P95_L_MS:.0f} ms)")
    if is_l:
        for row in fr_windows:
            if row["a_p95"] > FR_WINDOW_P95_L_MS:
                miss.append(f"`{row['shape']}`: (a) p95 {row['a_p95']:.0f} ms on L (flow-run window shapes "
                            f"≤ {FR_WINDOW_P95_L_MS:.0f} ms)")
    if per_dep_server is not None and per_dep_server > RENDER_US:
        miss.append(f"per rendered deployment {per_dep_server:.1f} µs in the server (target ≤ {RENDER_US:g} µs)")
    if "inserver" in r:
        ins = r["inserver"]["ui_page"]["a"]
        if ins["median"] > UI_P50_MS:
            miss.append(f"UI page p50 {ins['median']:.2f} ms in the database (target ≤ {UI_P50_MS:g} ms)")
        if ins["p99"] > UI_P99_MS:
            miss.append(f"UI page p99 {ins['p99']:.2f} ms in the database (target ≤ {UI_P99_MS:g} ms)")
    for k, x, y in reg_miss:
        miss.append(f"`{k}`: (a) {x - 1:+.0%} against the previous run, normalised by (b) (raw {y - 1:+.0%}; "
                    f"target ≤ {REGRESSION - 1:+.0%})")

    def worst(vals, key):
        return max(vals, key=lambda row: row[key]) if vals else None

    def cell(row, key, unit=""):
        return "–" if row is None else f"{f(row[key])}{unit} (`{row['shape']}`)"

    wb, wbp, wc = worst(rows, "a_over_b"), worst(pages, "a_over_b"), worst(rows, "a_over_c")
    md.append("| target | worst on this dataset | met |\n|---|---|---|")
    md.append(f"| every shape a/b ≤ {A_OVER_B} | {cell(wb, 'a_over_b')} | {ok(wb['a_over_b'] <= A_OVER_B)} |")
    if wbp:
        md.append(f"| every page shape a/b ≤ {A_OVER_B_PAGES} | {cell(wbp, 'a_over_b')} | "
                  f"{ok(wbp['a_over_b'] <= A_OVER_B_PAGES)} |")
    md.append(f"| every shape a/c ≤ {A_OVER_C} | {cell(wc, 'a_over_c')} | {ok(wc['a_over_c'] <= A_OVER_C)} |")
    if per_dep_server is not None:
        md.append(f"| per rendered deployment ≤ {RENDER_US:g} µs (in the server) | {per_dep_server:.1f} µs | "
                  f"{ok(per_dep_server <= RENDER_US)} |")
    if is_l:
        wp = worst(rows, "a_p95")
        md.append(f"| L: every shape (a) p95 ≤ {P95_L_MS:.0f} ms | {cell(wp, 'a_p95', ' ms')} | {ok(wp['a_p95'] <= P95_L_MS)} |")
        wf = worst(fr_windows, "a_p95")
        if wf:
            md.append(f"| L: flow-run window shapes (a) p95 ≤ {FR_WINDOW_P95_L_MS:.0f} ms | {cell(wf, 'a_p95', ' ms')} | "
                      f"{ok(wf['a_p95'] <= FR_WINDOW_P95_L_MS)} |")
    seq_text = ", ".join(f"`{row['shape']}` ({row['seq_runs']})" for row in seq_rows) or "none"
    md.append(f"| no sequential scan of flow_run / task_run in (a)'s plans | {seq_text} | {ok(not seq_rows)} |")
    if "inserver" in r:
        ins = r["inserver"]["ui_page"]["a"]
        md.append(f"| UI page in the database p50 ≤ {UI_P50_MS:g} ms, p99 ≤ {UI_P99_MS:g} ms | "
                  f"{ins['median']:.2f} / {ins['p99']:.2f} ms | {ok(ins['median'] <= UI_P50_MS and ins['p99'] <= UI_P99_MS)} |")
    if r.get("previous") and "error" not in r["previous"]:
        md.append(f"| no shape slower by more than {REGRESSION - 1:.0%} than the previous run (a/b normalised) | "
                  f"{len(reg_miss)} shape(s) | {ok(not reg_miss)} |")
    md.append("")
    md.append("Flow-run window shapes (a flow_runs start_time range): "
              + (", ".join(f"`{row['shape']}`" for row in fr_windows) or "none")
              + ". The sequential-scan check reads (a)'s plans: the EXPLAIN of the statement the function compiles "
              "for every shape (for a count shape its count statement, planned with workers when custom, as the extension runs it) and the EXPLAIN ANALYZE "
              "of the slow-shape section. The UI page, memory and statement-count targets are in their sections "
              "above; the scaling target in sweep.md.\n")
    md.append("Missed:\n" if miss else "Every target above met.\n")
    for m in miss:
        md.append(f"- {m}")
    md.append("")
    with open(base + ".md", "w") as fh:
        fh.write("\n".join(md))
    print(f"wrote {base}.md, {base}.csv, {base}.png")


def sweep(paths, outdir):
    runs = [load(p) for p in paths]
    runs.sort(key=lambda r: r["dataset"]["tables"]["deployment"]["rows"])
    sizes = [r["dataset"]["tables"]["deployment"]["rows"] for r in runs]
    keys = [s["key"] for s in runs[0]["shapes"]]
    sel = {s["key"]: s["selective"] for s in runs[0]["shapes"]}
    rows = []
    for k in keys:
        row = {"shape": k, "selective": sel[k]}
        for r, n in zip(runs, sizes):
            for v in "abc":
                row[f"{v}_med_{n}"] = r["timing"][f"{k}|{v}"]["median"]
            row[f"rows_{n}"] = r["checks"][k]["rows"]
        row["a_growth"] = row[f"a_med_{sizes[-1]}"] / row[f"a_med_{sizes[0]}"]
        row["b_growth"] = row[f"b_med_{sizes[-1]}"] / row[f"b_med_{sizes[0]}"]
        row["c_growth"] = row[f"c_med_{sizes[-1]}"] / row[f"c_med_{sizes[0]}"]
        rows.append(row)
    write_csv(os.path.join(outdir, "sweep.csv"), rows)

    fig, axes = plt.subplots(1, 2, figsize=(13, 6), sharey=True)
    markers = "osD^v<>pPX*h"
    for ax, group, title in ((axes[0], True, "selective shapes"), (axes[1], False, "other shapes")):
        group_rows = [row for row in rows if row["selective"] == group]
        for i, row in enumerate(group_rows):
            color = plt.cm.tab20(i % 20) if len(group_rows) > 10 else plt.cm.tab10(i % 10)
            line, = ax.plot(sizes, [row[f"a_med_{n}"] for n in sizes], marker=markers[i % len(markers)],
                            color=color, label=f"{row['shape']} (a)")
            ax.plot(sizes, [row[f"c_med_{n}"] for n in sizes], marker="x", linestyle=":", color=line.get_color(),
                    alpha=0.6)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("deployments")
        ax.set_title(f"{title}: (a) solid, (c) dotted")
        ax.grid(which="both", alpha=0.3)
        ax.legend(fontsize=7, ncol=2)
    axes[0].set_ylabel("median client-side latency, ms")
    fig.suptitle("Scaling sweep: 1 k / 10 k / 100 k deployments")
    fig.tight_layout()
    fig.savefig(os.path.join(outdir, "sweep.png"), dpi=110)
    plt.close(fig)

    md = ["# Scaling sweep: 1 k / 10 k / 100 k deployments\n"]
    flat = [k for k in keys if sel[k]]
    md.append("Light runs of bench.py (timings, pg_stat_statements, plan modes, every shape) on three generated "
              "datasets. Median client-side ms per shape; growth = 100 k / 1 k. Target: shapes marked selective "
              f"for the sweep grow ≤ {SWEEP_GROWTH:g}×: index-driven, and their result does not grow with the number "
              "of deployments (the sweep keeps ~20 deployments per flow): "
              + ", ".join(f"`{k}`" for k in flat) + ". The other shapes' results grow with the data (counts; "
              "pages that only fill up at the larger sizes; the selective shapes of pools, queues and flow-run "
              "windows, whose matches are a share of the deployments — see the rows columns) and are plotted "
              "for the scaling curve.\n")
    md.append("| dataset | deployments | flow runs | task runs | generation | bench run | rounds |")
    md.append("|---|---:|---:|---:|---:|---:|---:|")
    for r in runs:
        tb = r["dataset"]["tables"]
        md.append(f"| {r['label']} | {tb['deployment']['rows']:,} | {tb['flow_run']['rows']:,} | "
                  f"{tb['task_run']['rows']:,} | {r['gen_seconds'] or 0:.0f} s | {r['bench_seconds']:.0f} s | "
                  f"{r['rounds']} |")
    md.append("")
    md.append(f"Knobs: " + "; ".join(f"{r['label']}: `{r.get('gen_knobs', '')}`" for r in runs) + "\n")
    builds = []
    for r in runs:
        b0, b1 = r.get("so_start", {}), r.get("so_end", {})
        builds.append(f"{r['label']}: {b0.get('sha256_16')} ({b0.get('mtime')})"
                      + ("" if b0 == b1 else f", **reinstalled during the run** → {b1.get('sha256_16')}"))
    md.append("Extension builds (`prefect_filter.so` sha256 prefix): " + "; ".join(builds) + ".\n")
    md.append("![scaling sweep](sweep.png)\n")
    head = "| shape | selective | " + " | ".join(f"rows {n:,}" for n in sizes) + " | " + \
        " | ".join(f"(a) {n:,}" for n in sizes) + " | (a) growth | " + \
        " | ".join(f"(c) {n:,}" for n in sizes) + " | (c) growth |"
    md.append(head)
    md.append("|---|---|" + "---:|" * (3 * len(sizes) + 2))
    for row in rows:
        g = row["a_growth"]
        flag = (" " + ok(g <= SWEEP_GROWTH)) if row["selective"] else ""
        md.append(f"| `{row['shape']}` | {'yes' if row['selective'] else ''} | "
                  + " | ".join(str(row[f'rows_{n}']) for n in sizes) + " | "
                  + " | ".join(f(row[f'a_med_{n}']) for n in sizes) + f" | {g:.1f}×{flag} | "
                  + " | ".join(f(row[f'c_med_{n}']) for n in sizes) + f" | {row['c_growth']:.1f}× |")
    md.append("")
    miss = [r for r in rows if r["selective"] and r["a_growth"] > SWEEP_GROWTH]
    md.append(f"Selective shapes growing more than {SWEEP_GROWTH:g}×: " + (", ".join(f"`{r['shape']}` ({r['a_growth']:.1f}×)" for r in miss)
                                                      if miss else "none") + ".\n")
    with open(os.path.join(outdir, "sweep.md"), "w") as fh:
        fh.write("\n".join(md))
    print(f"wrote {outdir}/sweep.md, sweep.csv, sweep.png")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("json", nargs="+")
    ap.add_argument("--sweep", action="store_true")
    args = ap.parse_args()
    if args.sweep:
        sweep(args.json, os.path.dirname(os.path.abspath(args.json[0])))
    else:
        for p in args.json:
            report(p)


if __name__ == "__main__":
    sys.exit(main())
