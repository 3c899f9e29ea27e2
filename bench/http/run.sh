#!/usr/bin/env bash
# Benchmark of prefect-filter-http: the current build ("new") against the server at git rev
# PF_BENCH_OLD_REV ("old", default 1ea23dd: cpp-httplib, one blocking thread per connection,
# --threads 32), in the same run, on the same database. Writes bench/results/http.md with
#   1. load: wrk at 1, 8, 64, 256 and 1024 connections on POST /api/deployments/count `{}` and on a
#      10-row filter, old and new interleaved row by row: req/s, p50, p99, socket errors, non-2xx,
#      and connections wrk cannot see are starved (bench/http/conn_sample.py reads /proc/net/tcp);
#   2. idle and slow connections: the latency of sequential `count {}` requests on one keep-alive
#      connection, quiet and then with 2 000 idle keep-alive connections plus 64 slowloris ones
#      (one header byte a second) held open (bench/http/idle_slow.py), and the server's RSS per
#      idle connection;
#   3. a database restart (pg_ctl restart -m fast) under load: the answers before, during and
#      after, 503s counted (bench/http/restart_load.py);
#   4. server against database: the Prefect UI's deployments page, the 10-row filter and count at
#      1-16 connections over HTTP (new server) against pgbench running the same SQL function.
#
#   bench/http/run.sh [scale] [seconds]      defaults: scale 10 of data/generate.sql, 10 s a wrk run
#
# Environment:
#   PF_BENCH_OLD=0            no old server (only the new one is measured)
#   PF_BENCH_OLD_REV=REV      the old server's git revision (default 1ea23dd); it is built by the
#                             script in a temporary git worktree, removed afterwards
#   PF_BENCH_OLD_BIN=PATH     use this old binary instead of building PF_BENCH_OLD_REV
#   PF_BENCH_NEW_BIN=PATH     use this binary as the new server instead of building build/http
#   PF_BENCH_NEW_REV=REV      build the new server from this git revision in a temporary worktree
#                             (like the old one) instead of build/http from the work tree
#   PF_BENCH_PARTS=LIST       comma-separated subset of load,idle,restart,db (default: all four)
#   PF_BENCH_CONNS=LIST       connection counts of the load rows (default "1 8 64 256 1024")
#   PF_BENCH_REPEAT=N         runs of each load row per server (default 2; the order old/new
#                             alternates from run to run and from row to row)
#   PF_BENCH_IDLE=N, PF_BENCH_SLOW=N, PF_BENCH_PROBE=N   idle/slow test sizes (2000, 64, 1000)
#   PF_BENCH_REUSE_DB=1       keep an existing pf_http_bench database (with PGHOST/PGPORT)
#   PF_BENCH_OUT=FILE         where to write the results (default bench/results/http.md)
#   PF_BENCH_KEEP_WORK=1      keep the work directory (server logs, wrk outputs) in /tmp
#
# Uses PGHOST/PGPORT if set (the restart part is then skipped), else starts a throwaway cluster
# (scripts/pg_tmp.sh, port 56028). The extension must be installed (scripts/build.sh). Installs
# wrk with apt-get when missing. Run as root (the cluster runs as postgres). Raises ulimit -n.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
SCALE=${1:-10}
SECS=${2:-10}
PY=/usr/bin/python3
PG_BINDIR=$(pg_config --bindir)
HERE=$ROOT/bench/http
OUT=${PF_BENCH_OUT:-bench/results/http.md}
WORK=$(mktemp -d /tmp/pf_http_bench.XXXXXX)
chmod 755 "$WORK"
DB=pf_http_bench
POOL=8
OLD=${PF_BENCH_OLD:-1}
OLD_REV=${PF_BENCH_OLD_REV:-1ea23dd}
PARTS=",${PF_BENCH_PARTS:-load,idle,restart,db},"
CONNS=${PF_BENCH_CONNS:-1 8 64 256 1024}
REPEAT=${PF_BENCH_REPEAT:-2}
N_IDLE=${PF_BENCH_IDLE:-2000}
N_SLOW=${PF_BENCH_SLOW:-64}
N_PROBE=${PF_BENCH_PROBE:-1000}
OWN_CLUSTER=0
WORKTREES=()
declare -A BIN PID PORT STYLE CMDLINE
ROLES=()

stop_server() {  # stop_server KEY: SIGTERM, then SIGKILL after 15 s
    local key=$1 pid=${PID[$1]:-}
    [[ -n $pid ]] || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
        echo "  $key server (pid $pid) still running 15 s after SIGTERM: SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
    PID[$key]=""
}

cleanup() {
    set +e
    for key in "${!PID[@]}"; do stop_server "$key"; done
    [[ $OWN_CLUSTER -eq 1 ]] && pg_tmp_stop
    for wt in "${WORKTREES[@]}"; do
        [[ -d $wt ]] && git -C "$ROOT" worktree remove --force "$wt"
    done
    if [[ ${PF_BENCH_KEEP_WORK:-0} == 1 ]]; then
        rm -rf "$WORK"/src_*
        echo "== kept $WORK (server logs, wrk outputs, JSON)"
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT

has_part() { [[ $PARTS == *",$1,"* ]]; }

# 2000 idle + 64 slow connections + wrk's 1024 need more than the usual 1024 descriptors.
ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)"
echo "== ulimit -n $(ulimit -n)"

if ! command -v wrk >/dev/null; then
    echo "installing wrk"
    SUDO=""; [[ $(id -u) -eq 0 ]] || SUDO=sudo
    $SUDO apt-get update -qq && $SUDO apt-get install -y -qq wrk >/dev/null
fi

# ---------------------------------------------------------------- binaries
build_rev() {  # build_rev ROLE REV: the server at git revision REV, built in a temporary worktree
    local role=$1 rev=$2 wt=$WORK/src_$1
    echo "== building the $role server at $(git -C "$ROOT" rev-parse --short "$rev^{commit}") (git worktree in $wt)"
    WORKTREES+=("$wt")
    git -C "$ROOT" worktree add --detach "$wt" "$rev" >"$WORK/worktree_$role.log" 2>&1 || { cat "$WORK/worktree_$role.log"; exit 1; }
    cmake -S "$wt" -B "$wt/build/http" -DCMAKE_BUILD_TYPE=Release >"$WORK/cmake_$role.log" 2>&1 || { cat "$WORK/cmake_$role.log"; exit 1; }
    cmake --build "$wt/build/http" --target prefect-filter-http -j2 >"$WORK/build_$role.log" 2>&1 || { cat "$WORK/build_$role.log"; exit 1; }
    cp "$wt/build/http/prefect-filter-http" "$WORK/prefect-filter-http.$role"
    git -C "$ROOT" worktree remove --force "$wt"
    BIN[$role]=$WORK/prefect-filter-http.$role
}

if [[ -n ${PF_BENCH_NEW_REV:-} ]]; then
    build_rev new "$PF_BENCH_NEW_REV"
    NEW_REV=$(git -C "$ROOT" rev-parse --short "$PF_BENCH_NEW_REV^{commit}")
    NEW_DESC="built by this script from git rev $NEW_REV (PF_BENCH_NEW_REV=$PF_BENCH_NEW_REV; \`git worktree add --detach DIR $PF_BENCH_NEW_REV\`, cmake Release, target prefect-filter-http)"
elif [[ -n ${PF_BENCH_NEW_BIN:-} ]]; then
    BIN[new]=$PF_BENCH_NEW_BIN
    NEW_DESC="\`$PF_BENCH_NEW_BIN\` (given by PF_BENCH_NEW_BIN)"
else
    echo "== building the new server (build/http)"
    cmake -S . -B build/http -DCMAKE_BUILD_TYPE=Release >"$WORK/cmake_new.log" 2>&1 || { cat "$WORK/cmake_new.log"; exit 1; }
    cmake --build build/http --target prefect-filter-http -j2 >"$WORK/build_new.log" 2>&1 || { cat "$WORK/build_new.log"; exit 1; }
    BIN[new]=$ROOT/build/http/prefect-filter-http
    NEW_DESC="\`build/http/prefect-filter-http\` built from the work tree"
fi
if [[ -z ${PF_BENCH_NEW_REV:-} ]]; then
    NEW_REV="work tree at $(git -C "$ROOT" rev-parse --short HEAD)"
    if [[ -n $(git -C "$ROOT" status --porcelain -- src/http CMakeLists.txt 2>/dev/null) ]]; then
        NEW_REV="$NEW_REV + uncommitted changes in src/http"
    fi
    NEW_DESC="$NEW_DESC, $NEW_REV"
fi
ROLES+=(new)

if [[ $OLD == 1 ]]; then
    OLD_REV_FULL=$(git -C "$ROOT" rev-parse --short "$OLD_REV^{commit}")
    if [[ -n ${PF_BENCH_OLD_BIN:-} ]]; then
        BIN[old]=$PF_BENCH_OLD_BIN
        OLD_DESC="\`$PF_BENCH_OLD_BIN\` (given by PF_BENCH_OLD_BIN, said to be rev $OLD_REV_FULL)"
    else
        build_rev old "$OLD_REV"
        OLD_DESC="built by this script from git rev $OLD_REV_FULL (\`git worktree add --detach DIR $OLD_REV\`, cmake Release, target prefect-filter-http)"
    fi
    ROLES=(old new)
fi

# Which command line does a binary take? The event-driven server has --request-timeout-s;
# the cpp-httplib one has --threads = connections served at once.
for role in "${ROLES[@]}"; do
    if "${BIN[$role]}" --help 2>&1 | grep -q -- '--request-timeout-s'; then STYLE[$role]=async; else STYLE[$role]=threaded; fi
    echo "== $role: ${BIN[$role]} (${STYLE[$role]} options)"
done

# ---------------------------------------------------------------- database
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
PG_VERSION=$(psql -X -At -d "$DB" -c 'SHOW server_version')
EXT_VERSION=$(psql -X -At -d "$DB" -c "SELECT extversion FROM pg_extension WHERE extname = 'prefect_filter'")
EXT_SO_TIME=$(date -u -r "$(pg_config --pkglibdir)/prefect_filter.so" '+%Y-%m-%d %H:%M UTC' 2>/dev/null || echo "?")
CLUSTER_DESC="the cluster at PGHOST=$PGHOST"
[[ $OWN_CLUSTER -eq 1 ]] && CLUSTER_DESC="a throwaway cluster (scripts/pg_tmp.sh: fsync off, shared_buffers 512MB) on a Unix socket"
CONNINFO="host=$PGHOST port=$PGPORT user=$PGUSER dbname=$DB"

# ---------------------------------------------------------------- servers
quote_args() {  # a command line to copy: arguments with spaces or quotes in single quotes
    local out="" a
    for a in "$@"; do
        if [[ $a =~ [[:space:]\'\"\$] ]]; then a="'${a//\'/\'\\\'\'}'"; fi
        out+="${out:+ }$a"
    done
    echo "$out"
}

free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

start_server() {  # start_server ROLE MODE   (MODE: load, restart = defaults; idle = long keep-alive/request timeouts)
    local role=$1 mode=$2 key="$1_$2" port
    port=$(free_port)
    local args=(--db "$CONNINFO" --listen "127.0.0.1:$port" --pool "$POOL" --keep-alive-max 1000000)
    if [[ ${STYLE[$role]} == threaded ]]; then
        args+=(--threads 32)
        if [[ $mode == idle ]]; then args+=(--keep-alive-timeout-s 120 --read-timeout-s 120); fi
    elif [[ $mode == idle ]]; then
        args+=(--keep-alive-timeout-s 120 --request-timeout-s 120)
    fi
    "${BIN[$role]}" "${args[@]}" >>"$WORK/server_$key.log" 2>&1 &
    PID[$key]=$!
    PORT[$key]=$port
    CMDLINE[$key]=$(quote_args "${BIN[$role]}" "${args[@]}")
    for _ in $(seq 1 200); do
        curl -s -o /dev/null "http://127.0.0.1:$port/api/health" && return 0
        kill -0 "${PID[$key]}" 2>/dev/null || break
        sleep 0.05
    done
    echo "the $role server did not start:"; cat "$WORK/server_$key.log"; exit 1
}

alive() {  # alive KEY: the process runs and answers /api/health within 5 s
    kill -0 "${PID[$1]}" 2>/dev/null &&
        curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:${PORT[$1]}/api/health" | grep -q 200
}

for role in "${ROLES[@]}"; do start_server "$role" load; done

UI_BODY='{"sort":"NAME_ASC","limit":100,"page":1}'
FILTER_BODY='{"deployments": {"paused": {"eq_": false}}, "sort": "CREATED_DESC", "limit": 10}'  # spaced: pgbench reads :name as a variable
wrk_script() {  # wrk_script FILE BODY
    cat >"$1" <<LUA
wrk.method = "POST"
wrk.body = '$2'
wrk.headers["Content-Type"] = "application/json"
LUA
}
wrk_script "$WORK/count.lua" "{}"
wrk_script "$WORK/filter.lua" "$FILTER_BODY"
wrk_script "$WORK/ui.lua" "$UI_BODY"

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
START_TIME=$(date -u '+%Y-%m-%d %H:%M UTC')
T_START=$(date +%s)

# ---------------------------------------------------------------- 1. load, old and new interleaved
LOAD_TSV=$WORK/load.tsv
CLK_TCK=$(getconf CLK_TCK)
cpu_ticks() {  # user + system CPU time of a process, in clock ticks (fields 14 and 15 of /proc/PID/stat)
    awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0
}
: >"$LOAD_TSV"
run_wrk_row() {  # run_wrk_row ROLE WORKLOAD CONNECTIONS RUN
    local role=$1 workload=$2 c=$3 run=$4 key="$1_load" threads note=""
    threads=$((c < 2 ? c : 2))
    local url="http://127.0.0.1:${PORT[$key]}/api/deployments/$workload"
    local txt="$WORK/wrk_${role}_${workload}_${c}_$run.txt"
    wrk -t"$threads" -c"$c" -d2s -s "$WORK/$workload.lua" "$url" >/dev/null 2>&1 || true
    local load1
    load1=$(cut -d' ' -f1 /proc/loadavg)
    # connections wrk does not report as errors: SYN-SENT (accept queue full) or never read
    "$PY" "$HERE/conn_sample.py" --port "${PORT[$key]}" --start 1 --seconds "$((SECS > 2 ? SECS - 1 : 1))" >"$txt.conns" &
    local sampler=$! cpu0 cpu1
    cpu0=$(cpu_ticks "${PID[$key]}")
    wrk -t"$threads" -c"$c" -d"${SECS}s" --latency -s "$WORK/$workload.lua" "$url" >"$txt" 2>&1 || true
    cpu1=$(cpu_ticks "${PID[$key]}")
    wait "$sampler" || true
    local conns
    conns=$(cut -f2,3 "$txt.conns")
    if ! alive "$key"; then
        note="server died or stopped answering; restarted"
        echo "  !! $role server not answering after $workload at $c connections; restarting it"
        tail -n 5 "$WORK/server_$key.log" || true
        stop_server "$key"
        start_server "$role" load
    fi
    local parsed
    parsed=$("$PY" "$HERE/report.py" wrk "$txt")
    local cpu_us
    cpu_us=$(awk -v d="$((cpu1 - cpu0))" -v n="$(cut -f4 <<<"$parsed")" -v hz="$CLK_TCK" 'BEGIN { if (n > 0 && d >= 0) printf "%.0f", d * 1e6 / hz / n; else print "" }')
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$workload" "$c" "$role" "$parsed" "$load1" "$note" "$run" "$conns	$cpu_us" >>"$LOAD_TSV"
    echo "  $workload c=$c $role (run $run): $(cut -f1-3,5- <<<"$parsed" | tr '\t' ' ') | conns max/stuck $(tr '\t' / <<<"$conns") | server CPU ${cpu_us} us/req (load $load1)"
    sleep 1
}
if has_part load; then
    echo "== 1. load (wrk, ${SECS} s a row after a 2 s warm-up)"
    flip=0
    for workload in count filter; do
        for c in $CONNS; do
            for run in $(seq 1 "$REPEAT"); do
                order=("${ROLES[@]}")
                if [[ ${#ROLES[@]} -eq 2 && $flip -eq 1 ]]; then order=("${ROLES[1]}" "${ROLES[0]}"); fi
                flip=$((1 - flip))
                for role in "${order[@]}"; do run_wrk_row "$role" "$workload" "$c" "$run"; done
            done
        done
    done
fi

# ---------------------------------------------------------------- 2. server against database (new)
DB_ROWS=()
GZ_LINE=""
run_db_case() {  # run_db_case LABEL ENDPOINT BODY LUA CONNECTIONS
    local label=$1 endpoint=$2 body=$3 lua=$4 c=$5 port=${PORT[new_load]}
    local bytes threads=$(($5 < 2 ? $5 : 2))
    bytes=$(curl -s -X POST -H 'Content-Type: application/json' --data-binary "$body" "http://127.0.0.1:$port/api/deployments/$endpoint" | wc -c)
    wrk -t"$threads" -c"$c" -d2s -s "$lua" "http://127.0.0.1:$port/api/deployments/$endpoint" >/dev/null
    wrk -t"$threads" -c"$c" -d"${SECS}s" --latency -s "$lua" "http://127.0.0.1:$port/api/deployments/$endpoint" >"$WORK/wrk.txt"
    local rps p50 p99 requests e_conn e_read e_write e_to non2xx
    read -r rps p50 p99 requests e_conn e_read e_write e_to non2xx < <("$PY" "$HERE/report.py" wrk "$WORK/wrk.txt")
    local errors=$((e_conn + e_read + e_write + e_to + non2xx))
    printf 'SELECT prefect.deployments_%s(%s::jsonb)::text;\n' "$endpoint" "'$body'" >"$WORK/pgb.sql"
    [[ $HAVE_PGSS -eq 1 ]] && psql -X -q -d "$DB" -c "SELECT pg_stat_statements_reset()" >/dev/null
    rm -f "$WORK"/pgb_log*
    (cd "$WORK" && "$PG_BINDIR/pgbench" -n -M prepared -f pgb.sql -c "$c" -j "$c" \
        -T "$SECS" -l --log-prefix=pgb_log -d "$DB" >"$WORK/pgbench.txt" 2>&1)
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
    echo "  $label, $c connections: $rps req/s, p50 $p50 ms, p99 $p99 ms, $errors errors | pgbench $db_tps tps, p50 $db_p50 ms, p99 $db_p99 ms | exec $exec_ms ms"
    DB_ROWS+=("| $label | $c | $bytes | $rps | $p50 | $p99 | $errors | $db_tps | $db_p50 | $db_p99 | $exec_ms | $added |")
}
if has_part db; then
    echo "== 2. new server against pgbench"
    for c in 1 2 16; do run_db_case "UI page: paginate NAME_ASC limit 100" paginate "$UI_BODY" "$WORK/ui.lua" "$c"; done
    for c in 1 2 16; do run_db_case "10-row filter" filter "$FILTER_BODY" "$WORK/filter.lua" "$c"; done
    run_db_case "count {} (bare integer: the fixed cost)" count "{}" "$WORK/count.lua" 1
    cat >"$WORK/ui_gzip.lua" <<LUA
wrk.method = "POST"
wrk.body = '$UI_BODY'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept-Encoding"] = "gzip, deflate, br"
LUA
    wrk -t2 -c2 -d"${SECS}s" --latency -s "$WORK/ui_gzip.lua" "http://127.0.0.1:${PORT[new_load]}/api/deployments/paginate" >"$WORK/wrk_gzip.txt"
    read -r GZ_RPS GZ_P50 _ < <("$PY" "$HERE/report.py" wrk "$WORK/wrk_gzip.txt")
    GZ_BYTES=$(curl -s -X POST -H 'Content-Type: application/json' -H 'Accept-Encoding: gzip' --data-binary "$UI_BODY" "http://127.0.0.1:${PORT[new_load]}/api/deployments/paginate" | wc -c)
    GZ_LINE="With \`Accept-Encoding: gzip\` (as the UI sends it), the UI page at 2 connections: $GZ_RPS req/s, p50 $GZ_P50 ms, $GZ_BYTES bytes on the wire (the server's default gzip level 6; Prefect's GZipMiddleware uses 9)."
    echo "  $GZ_LINE"
fi

for role in "${ROLES[@]}"; do
    alive "${role}_load" || echo "  !! $role server not answering at the end of the load rows"
    stop_server "${role}_load"
done

# ---------------------------------------------------------------- 3. idle and slow connections, memory
if has_part idle; then
    echo "== 3. idle ($N_IDLE) and slow ($N_SLOW) connections"
    for role in "${ROLES[@]}"; do
        start_server "$role" idle
        CMDLINE[idle_probe]="$PY bench/http/idle_slow.py --port PORT --pid SERVER_PID --idle $N_IDLE --slow $N_SLOW --probe $N_PROBE --out FILE"
        "$PY" "$HERE/idle_slow.py" --port "${PORT[${role}_idle]}" --pid "${PID[${role}_idle]}" --idle "$N_IDLE" \
            --slow "$N_SLOW" --probe "$N_PROBE" --out "$WORK/idle_$role.json" || echo "  !! idle_slow.py failed for $role"
        alive "${role}_idle" || echo "  !! $role server (idle mode) not answering at the end"
        stop_server "${role}_idle"
        sleep 1
    done
fi

# ---------------------------------------------------------------- 4. database restart under load
RESTART_NOTE=""
if has_part restart; then
    if [[ $OWN_CLUSTER -eq 1 ]]; then
        echo "== 4. database restart under load"
        RESTART_CMD="runuser -u postgres -- $PG_BINDIR/pg_ctl -D $PG_TMP_DIR/data -l $PG_TMP_DIR/server.log -m fast -w restart"
        for role in "${ROLES[@]}"; do
            # a fresh server each time: the other server's restart broke the pool connections of
            # any server started earlier
            start_server "$role" restart
            "$PY" "$HERE/restart_load.py" --port "${PORT[${role}_restart]}" --threads "$POOL" --before 3 --after 5 \
                --restart-cmd "$RESTART_CMD" --out "$WORK/restart_$role.json" || echo "  !! restart_load.py failed for $role"
            alive "${role}_restart" || echo "  !! $role server not answering after the restart"
            stop_server "${role}_restart"
            sleep 1
        done
    else
        RESTART_NOTE="(skipped: the database is not the script's own cluster)"
    fi
fi

LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
ELAPSED=$(($(date +%s) - T_START))

# ---------------------------------------------------------------- report
wrk_line() { echo "wrk -t2 -c N -d ${SECS}s --latency -s $1.lua http://127.0.0.1:PORT/api/deployments/$1"; }
{
    echo "# prefect-filter-http benchmark"
    echo
    echo "Generated by \`${PF_BENCH_NEW_REV:+PF_BENCH_NEW_REV=$PF_BENCH_NEW_REV }bench/http/run.sh $SCALE $SECS\`${PF_BENCH_OLD_BIN:+ (PF_BENCH_OLD_BIN set)}${PF_BENCH_NEW_BIN:+ (PF_BENCH_NEW_BIN set)}${PF_BENCH_PARTS:+ (PF_BENCH_PARTS=$PF_BENCH_PARTS)} on $START_TIME; the measurements took $((ELAPSED / 60)) min $((ELAPSED % 60)) s."
    echo
    echo "- Machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo) RAM, Linux $(uname -r); wrk, both servers and PostgreSQL share these cores."
    echo "- Load average before: $LOAD_BEFORE; after: $LOAD_AFTER (1/5/15 min; other work on the machine makes the figures noisy when it is above ~2; each load row records the 1-minute figure when it started)."
    echo "- PostgreSQL $PG_VERSION, data/generate.sql scale $SCALE ($DEPLOYMENTS deployments), $CLUSTER_DESC; extension prefect_filter $EXT_VERSION as installed (prefect_filter.so of $EXT_SO_TIME); both servers \`--pool $POOL\`."
    echo "- **new**: $NEW_DESC (${STYLE[new]} command line)."
    if [[ $OLD == 1 ]]; then
        echo "- **old**: $OLD_DESC (${STYLE[old]} command line: cpp-httplib, a thread per connection)."
    fi
    echo "- $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-3)."
    echo
    echo "Commands (PORT is a free loopback port; the database is \`$CONNINFO\`):"
    echo
    echo '```'
    for role in "${ROLES[@]}"; do
        echo "# $role server, load rows, server against database and (a new instance each) database restart"
        echo "${CMDLINE[${role}_load]}" | sed "s|127.0.0.1:${PORT[${role}_load]}|127.0.0.1:PORT|; s|$WORK|\$WORK|g"
        if [[ -n ${CMDLINE[${role}_idle]:-} ]]; then
            echo "# $role server, idle/slow connections (long timeouts: the holders do not reconnect)"
            echo "${CMDLINE[${role}_idle]}" | sed "s|127.0.0.1:${PORT[${role}_idle]}|127.0.0.1:PORT|; s|$WORK|\$WORK|g"
        fi
    done
    echo "# load rows: a 2 s warm-up with the same command and -d2s, then (-t1 at 1 connection; $REPEAT run(s) per server)"
    wrk_line count
    wrk_line filter
    echo "# count.lua:  wrk.method = \"POST\"; wrk.body = '{}'; wrk.headers[\"Content-Type\"] = \"application/json\""
    echo "# filter.lua: the same with wrk.body = '$FILTER_BODY'"
    echo "# idle and slow connections"
    echo "${CMDLINE[idle_probe]:-$PY bench/http/idle_slow.py ...}"
    echo "# database restart under load"
    echo "$PY bench/http/restart_load.py --port PORT --threads $POOL --before 3 --after 5 --restart-cmd '${RESTART_CMD:-pg_ctl ... -m fast -w restart}' --out FILE" | sed "s|${PG_TMP_DIR:-/nonexistent}|\$PG_TMP_DIR|g"
    echo '```'
    echo
    echo "## 1. Load"
    echo
    echo "wrk with 2 threads (1 at 1 connection), ${SECS} s per row after a 2 s warm-up, keep-alive; $REPEAT run(s) of"
    echo "each row per server, old and new alternating (the order flips from run to run). wrk's default"
    echo "2 s timeout: every 2 s wrk counts one \"timeout\" per connection whose request has been waiting"
    echo "longer than 2 s (so a connection the server never serves counts about ${SECS}/2 − 1 times), and"
    echo "such requests are left out of the latency figures; a connection whose SYN was dropped (the"
    echo "server's accept queue full) or whose request the server never reads is not counted at all."
    echo "So bench/http/conn_sample.py samples /proc/net/tcp every 0.5 s from 1 s after the start to 1 s"
    echo "before the end: **conns** is the most server-side established connections seen at once,"
    echo "**stuck** the connections that were in SYN-SENT or had an unread request at every sample"
    echo "(never served during the run). **CPU µs/req**: the server process's user + system CPU time during"
    echo "the run (/proc/PID/stat) divided by the requests wrk completed — its own cost, much less"
    echo "sensitive to other work on the machine than req/s. Errors in bold. The checks use the median req/s of the runs and"
    echo "the worst p99 and error count."
    echo
    if has_part load; then "$PY" "$HERE/report.py" load "$LOAD_TSV"; else echo "(not run)"; fi
    echo
    echo "## 2. Idle and slow connections"
    echo
    echo "A probe sends $N_PROBE \`POST /api/deployments/count {}\` one after the other on one keep-alive"
    echo "connection (after 100 warm-up requests; a request unanswered after 2 s is a failure and the"
    echo "probe gives up after 3 failures in a row): quiet first, then with $N_IDLE idle connections (opened,"
    echo "then one \`GET /api/health\` each, then left open) and $N_SLOW slow ones (one byte of a request"
    echo "header every second, never finished) held open, then again after closing them. The servers run"
    echo "with keep-alive and request/read timeouts of 120 s (see the commands), longer than the test, so"
    echo "the holders never need to reconnect. Memory: the server's VmRSS (/proc/PID/status) before"
    echo "and after the idle connections, divided by the number of sockets the server gained (its"
    echo "/proc/PID/fd); a server that does not accept a connection does not pay for it. A server"
    echo "with a thread per connection (old: 32) serves only as many; the other connections wait in its"
    echo "queue or in the kernel's backlog, or their SYN is dropped, and so does the probe."
    echo
    if has_part idle; then "$PY" "$HERE/report.py" idle "$WORK" "${ROLES[@]}"; else echo "(not run)"; fi
    echo
    echo "## 3. Database restart under load"
    echo
    echo "$POOL Python clients send \`POST /api/deployments/count {}\` back to back on keep-alive connections"
    echo "(reconnecting after a failure); after 3 s \`pg_ctl restart -m fast -w\`"
    echo "runs; 5 s after it returned the clients stop. before = answered before pg_ctl started; after ="
    echo "sent after pg_ctl returned (the database accepts connections again); during = the rest, requests"
    echo "in flight when the restart began included. Each server is a fresh instance (the restart for the"
    echo "other one would have broken the pool connections of a server started earlier)."
    echo
    if has_part restart && [[ -z $RESTART_NOTE ]]; then "$PY" "$HERE/report.py" restart "$WORK" "${ROLES[@]}"; else echo "(not run) $RESTART_NOTE"; fi
    echo
    echo "## 4. New server against the database"
    echo
    if has_part db; then
        echo "- **HTTP**: wrk against the new server, ${SECS} s after a 2 s warm-up; no Accept-Encoding."
        echo "- **pgbench**: the same SQL function call with the same body over libpq (Unix socket, prepared),"
        echo "  as many clients as wrk has connections — the time the call takes in the database, round trip"
        echo "  included, without HTTP."
        echo "- **exec**: mean execution time PostgreSQL records for the statement (pg_stat_statements)."
        echo "- **added p50** = HTTP p50 − pgbench p50: what the HTTP server and its pool add (wrk's own CPU"
        echo "  use competes with PostgreSQL for the cores, the 1-connection rows show the server's own cost)."
        echo
        echo "| workload | conns | body bytes | HTTP req/s | HTTP p50 ms | HTTP p99 ms | HTTP errors | pgbench tps | pgbench p50 ms | pgbench p99 ms | exec ms | added p50 ms |"
        echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
        printf '%s\n' "${DB_ROWS[@]}"
        echo
        echo "$GZ_LINE"
    else
        echo "(not run)"
    fi
} >"$OUT"
for role in "${ROLES[@]}"; do
    for log in "$WORK/server_${role}"_*.log; do
        [[ -f $log ]] || continue
        if grep -qivE 'listening on|received SIG|finishing requests|stopped$' "$log"; then
            echo "== $(basename "$log") (other lines than start and stop, the most frequent, timestamps cut):"
            grep -ivE 'listening on|received SIG|finishing requests|stopped$' "$log" | sed -E 's/^[0-9T:.-]+Z //' | sort | uniq -c | sort -rn | head -8
        fi
    done
done
echo "== wrote $OUT"
cat "$OUT"
