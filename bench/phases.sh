#!/usr/bin/env bash
# Where a call's time goes, by phase (bench/phases.py), for the pages the issue names: the UI
# page (paginate, NAME_ASC, limit 100) and the default 200-row page, each with the render cache
# on (its steady state: the same page asked again) and off. One backend runs each body in a
# loop under `perf record -g`; the loop's own clock gives the median ms per call.
#
#   bench/phases.sh OUT.md     (PGHOST/PGPORT/PGDATABASE: a database with a dataset, e.g. M)
#
# Needs perf (Debian: linux-perf, matching the running kernel). bench/run.sh M calls it when
# perf is there.
set -euo pipefail
OUT=${1:?usage: bench/phases.sh OUT.md}
HERE=$(cd "$(dirname "$0")" && pwd)
command -v perf >/dev/null || { echo "phases: perf not found, skipped" >&2; exit 0; }
CALLS=${PHASES_CALLS:-1500}
WORK=$(mktemp -d /tmp/pf_phases.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

{
    echo "# Where the time goes, by phase"
    echo
    echo "$(date -u '+%Y-%m-%d %H:%M') UTC, database \`${PGDATABASE:-}\`, $CALLS calls per case in one backend under"
    echo "\`perf record -g\` (bench/phases.sh; phases as bench/phases.py defines them). In-server time: no client,"
    echo "no transfer. Shares are of the samples; µs are shares of the loop's median call time."
    echo
} >"$OUT"

run_case() {  # label fn body rows cache_kb
    local label=$1 fn=$2 body=$3 rows=$4 cache=$5
    cat >"$WORK/loop.sql" <<SQL
SET prefect_filter.render_cache_size = $cache;
SELECT pg_backend_pid() AS pid \gset
\o $WORK/pid
SELECT :pid;
\o
SELECT pg_sleep(1.5);
CREATE TEMP TABLE t (ms float8);
DO \$\$ DECLARE t0 timestamptz; r json; BEGIN
  FOR i IN 1..$CALLS LOOP
    t0 := clock_timestamp();
    r := prefect.$fn('$body');
    INSERT INTO t VALUES (extract(epoch FROM clock_timestamp() - t0) * 1000);
  END LOOP; END \$\$;
\o $WORK/ms
SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FROM t;
\o
SQL
    psql -X -q -At -f "$WORK/loop.sql" >/dev/null &
    local client=$!
    for _ in $(seq 50); do [[ -s $WORK/pid ]] && break; sleep 0.1; done
    local pid; pid=$(tr -dc 0-9 <"$WORK/pid")
    sleep 0.5
    perf record -q -g -p "$pid" -o "$WORK/perf.data" >/dev/null 2>&1 &
    local rec=$!
    wait "$client"
    kill -INT "$rec" 2>/dev/null || true
    wait "$rec" 2>/dev/null || true
    perf script -i "$WORK/perf.data" 2>/dev/null >"$WORK/perf.txt"
    /usr/bin/python3 "$HERE/phases.py" "$WORK/perf.txt" "$(tr -d ' \n' <"$WORK/ms")" "$rows" "$label" >>"$OUT"
    rm -f "$WORK/pid" "$WORK/ms" "$WORK/perf.data"
}

UI='{"sort": "NAME_ASC", "limit": 100, "page": 1}'
run_case "UI page (paginate NAME_ASC limit 100), render cache on" deployments_paginate "$UI" 100 DEFAULT
run_case "UI page (paginate NAME_ASC limit 100), render cache off" deployments_paginate "$UI" 100 0
run_case "{} (200 rows), render cache on" deployments_filter '{}' 200 DEFAULT
run_case "{} (200 rows), render cache off" deployments_filter '{}' 200 0
echo "phases: wrote $OUT"
