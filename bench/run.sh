#!/usr/bin/env bash
# The benchmark, in one command:
#
#   bench/run.sh [M|L|sweep|all|smoke]        (default: M)
#
# Installs what it needs (Debian packages), starts a throwaway PostgreSQL 15 with
# pg_stat_statements on a Unix socket, generates each dataset with data/generate.sql (timed),
# runs bench/bench.py on it (which first makes the DBA's indexes of bench/shapes.py DBA_INDEXES
# and calls prefect.create_trigram_indexes(), so that (a), (b) and (c) run against the same
# indexes) and writes bench/results/<dataset>.{md,csv,png,json} and <dataset>_raw.csv, keeping
# the <dataset>.json it replaces as <dataset>.previous.json (the regression check's baseline);
# `sweep` writes sweep.{md,csv,png} from three light runs. The cluster is stopped and removed at
# the end, whatever happens.
#
# Knobs (environment): BENCH_PORT (56039), BENCH_ROUNDS (60), BENCH_WARMUP (5),
# BENCH_MEM_CALLS (100000: calls of the long memory run on M; 0 skips it), BENCH_PGBENCH_SECONDS (30),
# BENCH_INSERVER (2000: in-server calls of the UI page), BENCH_SWEEP_ROUNDS (15: the sweep runs all 44 shapes),
# BENCH_OUT (bench/results), BENCH_KEEP=1 keeps the cluster running (prints how to reach it).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WHAT=${1:-M}
PORT=${BENCH_PORT:-56039}
ROUNDS=${BENCH_ROUNDS:-60}
WARMUP=${BENCH_WARMUP:-5}
MEM_CALLS=${BENCH_MEM_CALLS:-100000}
PGBENCH_SECONDS=${BENCH_PGBENCH_SECONDS:-30}
INSERVER=${BENCH_INSERVER:-2000}
SWEEP_ROUNDS=${BENCH_SWEEP_ROUNDS:-15}
OUT=${BENCH_OUT:-$ROOT/bench/results}
export PYTHONDONTWRITEBYTECODE=1
PY=/usr/bin/python3   # Debian's, with python3-psycopg2 and python3-matplotlib (not a venv's)

case $WHAT in M|L|sweep|all|smoke) ;; *) echo "usage: bench/run.sh [M|L|sweep|all|smoke]" >&2; exit 2;; esac

# ---------------------------------------------------------------- dependencies
need=()
$PY -c 'import psycopg2' 2>/dev/null || need+=(python3-psycopg2)
$PY -c 'import matplotlib' 2>/dev/null || need+=(python3-matplotlib)
command -v pgbench >/dev/null || need+=(postgresql-15)
command -v pg_config >/dev/null || need+=(postgresql-server-dev-15)
command -v bc >/dev/null || need+=(bc)
if ((${#need[@]})); then
    echo "== installing: ${need[*]}"
    SUDO=""; [[ $(id -u) -eq 0 ]] || SUDO=sudo
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${need[@]}" >/dev/null
fi
if [[ ! -f $(pg_config --sharedir)/extension/prefect_filter.control ]]; then
    echo "== prefect_filter is not installed: building and installing it (scripts/build.sh)"
    scripts/install_deps.sh
    scripts/build.sh
fi
mkdir -p "$OUT"

# ---------------------------------------------------------------- throwaway cluster
source scripts/pg_tmp.sh
cleanup() { [[ ${BENCH_KEEP:-0} == 1 ]] || pg_tmp_stop; }
trap cleanup EXIT
pg_tmp_start "$PORT"
echo "== cluster on $PGHOST port $PGPORT"
psql -q -X -c "ALTER SYSTEM SET pg_stat_statements.max = 10000" \
            -c "ALTER SYSTEM SET max_parallel_workers_per_gather = 2" -c "SELECT pg_reload_conf()" >/dev/null

now() { date +%s.%N; }

# gen <db> <psql -v knobs...>: a fresh database with the extensions, filled by data/generate.sql.
# Sets GEN_SECONDS.
gen() {
    local db=$1; shift
    psql -q -X -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
    PGDATABASE=$db psql -q -X -v ON_ERROR_STOP=1 \
        -c 'CREATE EXTENSION pg_trgm' -c 'CREATE EXTENSION prefect_filter' -c 'CREATE EXTENSION pg_stat_statements'
    echo "== generating $db: $*"
    local t0; t0=$(now)
    PGDATABASE=$db psql -q -X -v ON_ERROR_STOP=1 "$@" -f data/generate.sql | sed 's/^/   /'
    GEN_SECONDS=$(echo "$(now) - $t0" | bc)
    # a checkpoint and a vacuum so that visibility maps are set (index-only scans), every table
    # has statistics (as autovacuum would give a live database, small tables included) and the
    # benchmark does not run into the generator's dirty buffers
    PGDATABASE=$db psql -q -X -c 'VACUUM (ANALYZE)' -c 'CHECKPOINT'
    echo "== generated $db in ${GEN_SECONDS} s"
}

# bench <db> <label> <knob text> [bench.py options...]
bench() {
    local db=$1 label=$2 knobs=$3; shift 3
    echo "== benchmark $label"
    local t0; t0=$(now)
    PGDATABASE=$db $PY bench/bench.py --label "$label" --out "$OUT/$label" \
        --gen-seconds "$GEN_SECONDS" --gen-knobs "$knobs" "$@"
    echo "== benchmark $label took $(echo "$(now) - $t0" | bc) s"
}

drop() { psql -q -X -c "DROP DATABASE IF EXISTS $1" >/dev/null; }

# Dataset definitions. M and L: 10 k deployments over 500 flows (scale 25: 25 work pools).
M_KNOBS=(-v scale=25 -v deployments=10000 -v runs_per_deployment=90 -v tasks_per_run=2)
L_KNOBS=(-v scale=25 -v deployments=10000 -v runs_per_deployment=400 -v busy_deployments=10 -v busy_runs=100000
         -v tasks_per_run=2)

M_NOTE="Dataset M differs from the issue's wording in one point: deployments have 0-4 schedules \
(mean ~1.2, from the generator), not 3 each."

run_M() {
    gen bench_m "${M_KNOBS[@]}"
    bench bench_m M "${M_KNOBS[*]}" --rounds "$ROUNDS" --warmup "$WARMUP" --mem-calls "$MEM_CALLS" \
        --pgbench-seconds "$PGBENCH_SECONDS" --inserver "$INSERVER" --note "$M_NOTE"
    $PY bench/report.py "$OUT/M.json"
    # where a call's time goes, by phase (perf; skipped when perf is missing)
    PGDATABASE=bench_m bench/phases.sh "$OUT/phases.md"
    drop bench_m
}

L_NOTE="Skew of L: runs are recent-heavy by construction (periodic runs end at t0), and 10 busy \
deployments (busy_deployments=10, busy_runs=100000: one run a minute for ~69 days) hold ~1 M of the \
~5 M flow runs; the other deployments have an exponential number of runs (mean 400, at most 1 000)."

run_L() {
    gen bench_l "${L_KNOBS[@]}"
    bench bench_l L "${L_KNOBS[*]}" --rounds "$((ROUNDS / 2))" --warmup 3 --mem-calls 0 \
        --pgbench-seconds "$PGBENCH_SECONDS" --inserver "$((INSERVER / 2))" --note "$L_NOTE"
    $PY bench/report.py "$OUT/L.json"
    drop bench_l
}

run_sweep() {
    local files=()
    for n in 1k 10k 100k; do
        # deployments = 100 * scale^1.5 and work pools = 5 * sqrt(scale) (the generator's own
        # proportions); flows = deployments / 20, so that a flow has ~20 deployments at every size
        # and a filter on two flows returns the same number of rows; 9 flow runs per deployment
        # and ~2 task runs per started run
        local scale deps
        case $n in 1k) scale=4.6416 deps=1000;; 10k) scale=21.5443 deps=10000;; 100k) scale=100 deps=100000;; esac
        local knobs=(-v scale=$scale -v deployments=$deps -v flows=$((deps / 20)) -v runs_per_deployment=9 -v tasks_per_run=2)
        gen "bench_s$n" "${knobs[@]}"
        bench "bench_s$n" "sweep_$n" "${knobs[*]}" --light --rounds "$SWEEP_ROUNDS" --warmup 3
        files+=("$OUT/sweep_$n.json")
        drop "bench_s$n"
    done
    $PY bench/report.py --sweep "${files[@]}"
}

run_smoke() {  # a quick end-to-end check of the whole pipeline (scale 2, a few rounds)
    gen bench_smoke -v scale=2
    bench bench_smoke smoke "-v scale=2" --rounds 5 --warmup 2 --pgss-calls 3 --mem-calls 200 \
        --pgbench-seconds 3 --inserver 50
    $PY bench/report.py "$OUT/smoke.json"
    drop bench_smoke
}

T0=$(now)
case $WHAT in
    M) run_M ;;
    L) run_L ;;
    sweep) run_sweep ;;
    smoke) run_smoke ;;
    all) run_M; run_L; run_sweep ;;
esac
echo "== done ($WHAT) in $(echo "$(now) - $T0" | bc) s; results in $OUT"
if [[ ${BENCH_KEEP:-0} == 1 ]]; then
    echo "cluster kept: PGHOST=$PGHOST PGPORT=$PGPORT; stop with: source scripts/pg_tmp.sh; PG_TMP_DIR=$PG_TMP_DIR pg_tmp_stop"
fi
