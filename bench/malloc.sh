#!/usr/bin/env bash
# What glibc's malloc thresholds cost a backend that returns large answers. A UI page is about
# 300 KB of JSON; glibc serves an allocation that size with a fresh mmap (its mmap threshold
# starts at 128 KB and only grows past sizes already freed), so every call touches new pages
# (~75 page faults per UI page in the extension's own result buffer, more in json_out's and the
# send buffer's copies) and unmaps them again. GLIBC_TUNABLES moves such allocations to the heap,
# where they are reused. This script measures the difference, like with like, in one run:
#
#   bench/malloc.sh [scale] [seconds]      defaults: scale 25 (10 000 deployments), 5 s a run
#
# A throwaway cluster (scripts/pg_tmp.sh, port 56031) is restarted alternately without and with
#   GLIBC_TUNABLES=glibc.malloc.mmap_threshold=4194304:glibc.malloc.trim_threshold=8388608
# three times each; every start runs pgbench (-M prepared) on the UI page (paginate, NAME_ASC,
# limit 100) and the default 200-row page ({}), at 1 and at 8 clients. Writes
# bench/results/malloc.md (p50 of each run from pgbench's per-transaction log, and the median of
# the three). About 6 minutes with the defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
SCALE=${1:-25}
SECONDS_PER_RUN=${2:-5}
TUNED="glibc.malloc.mmap_threshold=4194304:glibc.malloc.trim_threshold=8388608"
OUT=bench/results/malloc.md
WORK=$(mktemp -d /tmp/pf_malloc_bench.XXXXXX)
chmod 755 "$WORK"
source scripts/pg_tmp.sh
pg_tmp_start 56031
trap 'pg_tmp_stop; rm -rf "$WORK"' EXIT
psql -q -X -v ON_ERROR_STOP=1 -c "CREATE EXTENSION pg_trgm" -c "CREATE EXTENSION prefect_filter" >/dev/null
psql -q -X -v ON_ERROR_STOP=1 -v scale="$SCALE" -f data/generate.sql >/dev/null
psql -q -X -c "VACUUM (ANALYZE)" >/dev/null
DEPLOYMENTS=$(psql -X -At -c "SELECT count(*) FROM prefect.deployment")

restart() {  # restart TUNABLES: the postmaster (and so every backend) with this environment
    _pg_tmp_as_owner env GLIBC_TUNABLES="$1" "$PG_BINDIR/pg_ctl" -D "$PG_TMP_DIR/data" \
        -l "$PG_TMP_DIR/server.log" -w -m fast restart >/dev/null
}
p50() {  # p50 FN BODY CLIENTS: median ms of prefect.FN(BODY) under pgbench
    echo "SELECT prefect.$1(:body);" >"$WORK/call.sql"
    rm -f "$WORK"/pgbench_log.*
    (cd "$WORK" && pgbench -n -M prepared -c "$3" -j "$(($3 < 2 ? $3 : 2))" -T "$SECONDS_PER_RUN" -D body="$2" \
        -f "$WORK/call.sql" -l >/dev/null 2>&1)
    cat "$WORK"/pgbench_log.* | awk '{print $3 / 1000}' | sort -n |
        awk '{a[NR] = $1} END {printf "%.3f", (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2)}'
}

UI='{"sort": "NAME_ASC", "limit": 100, "page": 1}'
CASES=("deployments_paginate|$UI|1" "deployments_paginate|$UI|8" "deployments_filter|{}|1" "deployments_filter|{}|8")
declare -A RUNS
for round in 1 2 3; do
    for setting in default tuned; do
        if [[ $setting == default ]]; then restart ""; else restart "$TUNED"; fi
        psql -X -q -At -c "SELECT length(prefect.deployments_filter('{}')::text)" >/dev/null  # warm the caches
        for c in "${CASES[@]}"; do
            IFS='|' read -r fn body clients <<<"$c"
            RUNS["$c|$setting"]+="$(p50 "$fn" "$body" "$clients") "
        done
        echo "malloc: round $round $setting done" >&2
    done
done
restart ""

median3() { tr ' ' '\n' <<<"$1" | grep . | sort -n | sed -n 2p; }
{
    echo "# glibc's malloc thresholds and large answers"
    echo
    echo "bench/malloc.sh $SCALE $SECONDS_PER_RUN, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(git rev-parse --short HEAD)."
    echo "data/generate.sql scale $SCALE ($DEPLOYMENTS deployments). pgbench -M prepared, $SECONDS_PER_RUN s a run,"
    echo "p50 ms from its per-transaction log; the cluster restarted alternately with each setting, three"
    echo "times (runs in order), and the median of the three."
    echo
    echo "- default: no GLIBC_TUNABLES;"
    echo "- tuned: \`GLIBC_TUNABLES=$TUNED\`."
    echo
    echo "| call | clients | default runs | tuned runs | default | tuned | tuned / default |"
    echo "|---|---:|---|---|---:|---:|---:|"
    for c in "${CASES[@]}"; do
        IFS='|' read -r fn body clients <<<"$c"
        d=$(median3 "${RUNS["$c|default"]}")
        t=$(median3 "${RUNS["$c|tuned"]}")
        ratio=$(awk -v d="$d" -v t="$t" 'BEGIN {printf "%.2f", t / d}')
        echo "| \`$fn('$body')\` | $clients | ${RUNS["$c|default"]% } | ${RUNS["$c|tuned"]% } | $d | $t | $ratio |"
    done
} >"$OUT"
echo "malloc: wrote $OUT"
