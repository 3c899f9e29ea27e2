#!/usr/bin/env bash
# Benchmark of prefect-filter-http with wrk: the Prefect UI's default deployments page
# (POST /api/deployments/paginate {"sort":"NAME_ASC","limit":100,"page":1}) and a 10-row filter
# (POST /api/deployments/filter), at 2 and 16 connections, against the in-database time of the
# same call (pgbench running the same SQL function over libpq at the same concurrency, and the
# mean execution time PostgreSQL itself records in pg_stat_statements).
#
#   bench/http/run.sh [scale] [seconds]      defaults: scale 10 of data/generate.sql, 10 s a run
#   PF_BENCH_REUSE_DB=1 keeps an existing pf_http_bench database instead of generating it again.
#
# Uses PGHOST/PGPORT if set, else starts a throwaway cluster (scripts/pg_tmp.sh, port 56028).
# Installs wrk with apt-get when missing. Writes bench/results/http.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
SCALE=${1:-10}
SECONDS_PER_RUN=${2:-10}
PY=/usr/bin/python3
PG_BINDIR=$(pg_config --bindir)
OUT=bench/results/http.md
WORK=$(mktemp -d /tmp/pf_http_bench.XXXXXX)
DB=pf_http_bench
OWN_CLUSTER=0
SERVER_PID=""

cleanup() {
    [[ -n $SERVER_PID ]] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
    [[ $OWN_CLUSTER -eq 1 ]] && pg_tmp_stop
    rm -rf "$WORK"
}
trap cleanup EXIT

if ! command -v wrk >/dev/null; then
    echo "installing wrk"
    SUDO=""; [[ $(id -u) -eq 0 ]] || SUDO=sudo
    $SUDO apt-get update -qq && $SUDO apt-get install -y -qq wrk >/dev/null
fi

cmake -S . -B build/http -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/http --target prefect-filter-http -j2 >/dev/null

if [[ -z ${PGPORT:-} || -z ${PGHOST:-} ]]; then
    source scripts/pg_tmp.sh
    pg_tmp_start 56028
    OWN_CLUSTER=1
fi
export PGUSER=${PGUSER:-postgres}
if [[ ${PF_BENCH_REUSE_DB:-0} == 1 ]] && psql -X -At -d "$DB" -c "SELECT 1" >/dev/null 2>&1; then
    echo "== reusing database $DB"
else
    echo "== database $DB at scale $SCALE"
    dropdb --if-exists "$DB" >/dev/null 2>&1 || true
    createdb "$DB"
    psql -q -X -v ON_ERROR_STOP=1 -d "$DB" -c "CREATE EXTENSION pg_trgm; CREATE EXTENSION prefect_filter;" >/dev/null
    psql -q -X -v ON_ERROR_STOP=1 -v scale="$SCALE" -d "$DB" -f data/generate.sql >/dev/null
fi
HAVE_PGSS=0
if psql -q -X -d "$DB" -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null 2>&1; then HAVE_PGSS=1; fi
DEPLOYMENTS=$(psql -X -At -d "$DB" -c "SELECT count(*) FROM prefect.deployment")

PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
POOL=8
build/http/prefect-filter-http --db "host=$PGHOST port=$PGPORT user=$PGUSER dbname=$DB" --listen "127.0.0.1:$PORT" \
    --pool "$POOL" --threads 32 >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$PORT/api/health" && break; sleep 0.05; done

UI_BODY='{"sort":"NAME_ASC","limit":100,"page":1}'
FILTER_BODY='{"deployments": {"paused": {"eq_": false}}, "sort": "CREATED_DESC", "limit": 10}'  # spaced: pgbench reads :name as a variable

wrk_script() {  # wrk_script FILE BODY
    cat >"$1" <<LUA
wrk.method = "POST"
wrk.body = '$2'
wrk.headers["Content-Type"] = "application/json"
LUA
}
wrk_script "$WORK/ui.lua" "$UI_BODY"
wrk_script "$WORK/filter.lua" "$FILTER_BODY"
wrk_script "$WORK/count.lua" "{}"

to_ms() {  # wrk latency ("812.00us", "1.23ms", "1.02s") -> milliseconds
    "$PY" -c 'import sys,re; v=sys.argv[1]; m=re.match(r"([0-9.]+)(us|ms|s)$", v); f={"us":0.001,"ms":1,"s":1000}[m.group(2)]; print(f"{float(m.group(1))*f:.3f}")' "$1"
}

ROWS=()
run_case() {  # run_case LABEL ENDPOINT BODY LUA CONNECTIONS
    local label=$1 endpoint=$2 body=$3 lua=$4 c=$5
    local bytes
    bytes=$(curl -s -X POST -H 'Content-Type: application/json' --data-binary "$body" "http://127.0.0.1:$PORT/api/deployments/$endpoint" | wc -c)
    # warm-up, then the measured run
    local threads=$((c < 2 ? c : 2))
    wrk -t"$threads" -c"$c" -d2s -s "$lua" "http://127.0.0.1:$PORT/api/deployments/$endpoint" >/dev/null
    wrk -t"$threads" -c"$c" -d"${SECONDS_PER_RUN}s" --latency -s "$lua" "http://127.0.0.1:$PORT/api/deployments/$endpoint" \
        >"$WORK/wrk.txt"
    local rps p50 p99 errors
    rps=$(awk '/^Requests\/sec:/ {print $2}' "$WORK/wrk.txt")
    p50=$(to_ms "$(awk '$1 == "50%" {print $2}' "$WORK/wrk.txt")")
    p99=$(to_ms "$(awk '$1 == "99%" {print $2}' "$WORK/wrk.txt")")
    errors=$(grep -E "Non-2xx|Socket errors" "$WORK/wrk.txt" || true)
    [[ -n $errors ]] && echo "  wrk: $errors"

    # The same call straight to PostgreSQL: pgbench, same concurrency, prepared statement,
    # per-transaction latency log.
    local db_clients=$c
    printf 'SELECT prefect.deployments_%s(%s::jsonb)::text;\n' "$endpoint" "'$body'" >"$WORK/pgb.sql"
    [[ $HAVE_PGSS -eq 1 ]] && psql -X -q -d "$DB" -c "SELECT pg_stat_statements_reset()" >/dev/null
    rm -f "$WORK"/pgb_log*
    (cd "$WORK" && "$PG_BINDIR/pgbench" -n -M prepared -f pgb.sql -c "$db_clients" -j "$db_clients" \
        -T "$SECONDS_PER_RUN" -l --log-prefix=pgb_log -d "$DB" >"$WORK/pgbench.txt" 2>&1)
    local db_tps db_p50 db_p99 exec_ms="n/a"
    db_tps=$(awk '/^tps = / {printf "%.1f", $3}' "$WORK/pgbench.txt")
    read -r db_p50 db_p99 < <(cat "$WORK"/pgb_log* | "$PY" -c '
import sys
v = sorted(int(line.split()[2]) for line in sys.stdin if line.strip())
q = lambda p: v[min(len(v) - 1, int(p * len(v)))] / 1000
print(f"{q(0.50):.3f} {q(0.99):.3f}")')
    if [[ $HAVE_PGSS -eq 1 ]]; then
        exec_ms=$(psql -X -At -d "$DB" -c "SELECT round(mean_exec_time::numeric, 3) FROM pg_stat_statements WHERE query LIKE 'SELECT prefect.deployments_${endpoint}(%' ORDER BY calls DESC LIMIT 1")
    fi
    local added
    added=$("$PY" -c "print(f'{float(\"$p50\") - float(\"$db_p50\"):+.3f}')")
    echo "  $label, $c connections: ${rps} req/s, p50 ${p50} ms, p99 ${p99} ms | pgbench ${db_tps} tps, p50 ${db_p50} ms, p99 ${db_p99} ms | exec ${exec_ms} ms"
    ROWS+=("| $label | $c | $bytes | $rps | $p50 | $p99 | $db_tps | $db_p50 | $db_p99 | $exec_ms | $added |")
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
echo "== wrk (server on 127.0.0.1:$PORT, pool $POOL)"
for c in 1 2 16; do run_case "UI page: paginate NAME_ASC limit 100" paginate "$UI_BODY" "$WORK/ui.lua" "$c"; done
for c in 1 2 16; do run_case "10-row filter" filter "$FILTER_BODY" "$WORK/filter.lua" "$c"; done
run_case "count {} (bare integer: the fixed cost)" count "{}" "$WORK/count.lua" 1

# gzip as the UI asks for it, for the record
cat >>"$WORK/ui_gzip.lua" <<LUA
wrk.method = "POST"
wrk.body = '$UI_BODY'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept-Encoding"] = "gzip, deflate, br"
LUA
wrk -t2 -c2 -d"${SECONDS_PER_RUN}s" --latency -s "$WORK/ui_gzip.lua" "http://127.0.0.1:$PORT/api/deployments/paginate" >"$WORK/wrk_gzip.txt"
GZ_RPS=$(awk '/^Requests\/sec:/ {print $2}' "$WORK/wrk_gzip.txt")
GZ_P50=$(to_ms "$(awk '$1 == "50%" {print $2}' "$WORK/wrk_gzip.txt")")
GZ_BYTES=$(curl -s -X POST -H 'Content-Type: application/json' -H 'Accept-Encoding: gzip' --data-binary "$UI_BODY" "http://127.0.0.1:$PORT/api/deployments/paginate" | wc -c)
echo "  UI page with gzip, 2 connections: $GZ_RPS req/s, p50 $GZ_P50 ms, $GZ_BYTES bytes on the wire"

{
    echo "# prefect-filter-http benchmark"
    echo
    echo "Generated by \`bench/http/run.sh $SCALE $SECONDS_PER_RUN\` on $(date -u +%Y-%m-%d) — $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')),"
    echo "PostgreSQL $(psql -X -At -d "$DB" -c 'SHOW server_version'), data/generate.sql scale $SCALE ($DEPLOYMENTS deployments)."
    echo "wrk (2 threads), the server (\`--pool $POOL --threads 32\`) and PostgreSQL share the same $(nproc) cores;"
    echo "load average before the runs: $LOAD_BEFORE, after: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine makes"
    echo "the figures noisy when it is above ~2)."
    echo
    echo "- **HTTP**: wrk against the server, ${SECONDS_PER_RUN} s after a 2 s warm-up; no Accept-Encoding."
    echo "- **pgbench**: the same SQL function call with the same body over libpq (Unix socket, prepared),"
    echo "  as many clients as wrk has connections — the time the call takes in the database, round trip"
    echo "  included, without HTTP."
    echo "- **exec**: mean execution time PostgreSQL records for the statement (pg_stat_statements)."
    echo "- **added p50** = HTTP p50 − pgbench p50: what the HTTP server and its pool add (at 2 and 16"
    echo "  connections this includes wrk's own CPU use, which competes with PostgreSQL for the 2 cores;"
    echo "  the 1-connection rows show the server's own cost)."
    echo
    echo "| workload | conns | body bytes | HTTP req/s | HTTP p50 ms | HTTP p99 ms | pgbench tps | pgbench p50 ms | pgbench p99 ms | exec ms | added p50 ms |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|"
    printf '%s\n' "${ROWS[@]}"
    echo
    echo "With \`Accept-Encoding: gzip\` (as the UI sends it), the UI page at 2 connections: $GZ_RPS req/s, p50 $GZ_P50 ms,"
    echo "$GZ_BYTES bytes on the wire (the server's default gzip level 6; Prefect's GZipMiddleware uses 9)."
} >"$OUT"
echo "== wrote $OUT"
cat "$OUT"
