#!/usr/bin/env bash
# Server-side robustness tests, called by scripts/test.sh with PGHOST/PGPORT/PGUSER
# pointing at a throwaway cluster (scripts/pg_tmp.sh) where the extension can be created.
# Creates and drops its own databases (robust_main, robust_slow, robust_bench); starts its own
# primary + standby (ports 56041/56042) and pgbouncer (56043). Exits non-zero on any failure.
#
#   1 hostile bodies   hostile.py     ROBUST_BODIES (3000) generated bodies + limit-sized ones
#   2 interrupts       interrupts.py  statement_timeout / pg_cancel_backend within 100 ms
#   3 memory           memory.py      ROBUST_MEMORY_CALLS (100000, ~1 min)
#   4 concurrency      pgbench.sh     ROBUST_PGBENCH_SECONDS (10; pgbench.sh alone runs 120)
#   5 hot standby      replica.sh
#   6 pgbouncer        pgbouncer.sh   (installs the Debian package pgbouncer if missing)
# ROBUST_ONLY="hostile memory" runs a subset. Figures and what each test shows: doc/robustness.md.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }  # seconds since date +%s.%N
: "${PGHOST:?PGHOST must point at the test cluster (scripts/pg_tmp.sh)}"
export PGUSER=${PGUSER:-postgres} PYTHONDONTWRITEBYTECODE=1

$PY -c "import psycopg2" 2>/dev/null || { echo "FAIL: $PY lacks psycopg2 (Debian python3-psycopg2)"; exit 1; }
# scripts/pg_tmp.sh keeps the socket, the data directory and server.log in $PG_TMP_DIR = $PGHOST
LOG=${PG_TMP_DIR:+$PG_TMP_DIR/server.log}
[[ -n $LOG && -f $LOG ]] || LOG=$PGHOST/server.log
if [[ ! -f $LOG ]]; then
    LOG=$(cd "$HERE" && $PY -c "import lib; c = lib.connect('postgres'); print(lib.server_log_path(c.cursor()) or '')" 2>/dev/null)
fi
LOG_START=$([[ -n $LOG && -f $LOG ]] && stat -c %s "$LOG" || echo 0)

declare -a RESULTS=()
FAILED=0
T_ALL=$(date +%s.%N)
want() { [[ -z ${ROBUST_ONLY:-} || " $ROBUST_ONLY " == *" $1 "* ]]; }
step() {  # step NAME COMMAND...
    local name=$1; shift
    [[ $name == setup ]] || want "$name" || return 0
    echo "== robustness: $name"
    local t=$(date +%s.%N)
    (cd "$HERE" && "$@")
    local rc=$?
    local dt=$(since "$t")
    RESULTS+=("$(printf '%-12s %-6s %6.1f s' "$name" "$([[ $rc -eq 0 ]] && echo ok || echo FAILED)" "$dt")")
    [[ $rc -eq 0 ]] || FAILED=1
}
cleanup() { (cd "$HERE" && $PY -c "import lib
for d in ('robust_main', 'robust_slow', 'robust_bench'): lib.drop_database(d)") || true; }
trap cleanup EXIT

setup_main() {
    $PY -c "import lib, time
t = time.time(); lib.create_database('robust_main'); lib.generate_data('robust_main', 1)
print('robust_main: data/generate.sql scale 1 in %.1f s' % (time.time() - t))"
}
if want hostile || want memory || want pgbouncer; then step setup setup_main; fi
step hostile    $PY hostile.py robust_main --bodies "${ROBUST_BODIES:-3000}"
step interrupts $PY interrupts.py robust_slow --setup
step memory     $PY memory.py robust_main --calls "${ROBUST_MEMORY_CALLS:-100000}"
step pgbench    ./pgbench.sh "${ROBUST_PGBENCH_SECONDS:-10}"
step replica    ./replica.sh
step pgbouncer  ./pgbouncer.sh robust_main

# the whole run: no backend of the test cluster crashed
if [[ -n $LOG && -f $LOG ]]; then
    if tail -c +$((LOG_START + 1)) "$LOG" | grep -nE "terminated by signal|PANIC|server process .* (was terminated|exited with exit code)"; then
        echo "FAIL: the server log $LOG shows a crash during the robustness tests"
        RESULTS+=("server log   FAILED"); FAILED=1
    else
        RESULTS+=("server log   ok     (no crash in $LOG)")
    fi
else
    echo "WARNING: server log not found; crash detection relied on the connections"
fi
printf '  %s\n' "${RESULTS[@]}"
printf 'robustness: %s in %.0f s\n' "$([[ $FAILED -eq 0 ]] && echo "all passed" || echo FAILED)" \
    "$(since "$T_ALL")"
exit $FAILED
