#!/usr/bin/env bash
# PostgreSQL restarts under prefect-filter-http (run by test/http/run.sh; runs alone too).
# Starts its OWN throwaway cluster (scripts/pg_tmp.sh, never the caller's), a database with the
# extension at scale 1 and a server with --pool 4, then:
#   1. restarts PostgreSQL (pg_ctl restart -m fast) while 4 clients send `count {}`: every answer
#      is 200 or 503, none takes 5 s or more, no connection is reset; requests started once the
#      database is back get 200, and so do the next 200 requests;
#   2. restarts it again while the server is idle (every pooled connection is then dead): the next
#      200 requests all get 200 — the pool must notice dead connections instead of answering 503.
# Stops everything it started (by PID). The last line is "N passed, M failed"; exit 1 on failure.
#   SERVER=path/to/prefect-filter-http test/http/restart.sh     (default build/http/prefect-filter-http)
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
PY=/usr/bin/python3
SERVER=${SERVER:-$ROOT/build/http/prefect-filter-http}
PORT=${RESTART_PG_PORT:-56033}
SERVER_PID=
WORK=$(mktemp -d /tmp/pf_http_restart.XXXXXX)
# pg_tmp_stop stops the cluster named by PG_TMP_DIR: never the caller's (run.sh or scripts/test.sh
# export theirs).
unset PG_TMP_DIR PGHOST PGPORT PGDATABASE
source scripts/pg_tmp.sh

cleanup() {
    if [[ -n $SERVER_PID ]]; then
        kill "$SERVER_PID" 2>/dev/null
        for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$SERVER_PID" 2>/dev/null
        wait "$SERVER_PID" 2>/dev/null
    fi
    pg_tmp_stop
    rm -rf "$WORK"
}
trap cleanup EXIT

fail_setup() { echo "FAIL restart test set-up: $1"; echo "0 passed, 1 failed"; exit 1; }

[[ -x $SERVER ]] || fail_setup "no server binary at $SERVER"
pg_tmp_start "$PORT" || fail_setup "pg_tmp_start"
export PGUSER=postgres
createdb pf_restart || fail_setup createdb
psql -q -X -v ON_ERROR_STOP=1 -d pf_restart -c 'CREATE EXTENSION pg_trgm; CREATE EXTENSION prefect_filter;' >/dev/null ||
    fail_setup "CREATE EXTENSION"
psql -q -X -v ON_ERROR_STOP=1 -v scale=1 -d pf_restart -f data/generate.sql >/dev/null || fail_setup generate.sql

HTTP_PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
"$SERVER" --db "host=$PGHOST port=$PGPORT user=postgres dbname=pf_restart" --listen "127.0.0.1:$HTTP_PORT" --pool 4 \
    >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
    curl -s -o /dev/null "http://127.0.0.1:$HTTP_PORT/api/health" && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log"; fail_setup "server exited"; }
    sleep 0.05
done

OWNER=()
[[ $(id -u) -eq 0 ]] && OWNER=(runuser -u postgres --)
"$PY" - "$HTTP_PORT" "${OWNER[@]}" "$PG_BINDIR/pg_ctl" -D "$PG_TMP_DIR/data" -l "$PG_TMP_DIR/server.log" -m fast -w restart >"$WORK/checks.log" 2>&1 <<'PY'
import http.client
import subprocess
import sys
import threading
import time

PORT = int(sys.argv[1])
RESTART = sys.argv[2:]
PASSED = FAILED = 0


def check(name, ok, detail=""):
    global PASSED, FAILED
    if ok:
        PASSED += 1
        print(f"ok   {name}", flush=True)
    else:
        FAILED += 1
        print(f"FAIL {name} {detail}"[:2000], flush=True)


def count():
    """(start, end, status or exception text, body) of one POST /count {} on a fresh connection."""
    t0 = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
    try:
        conn.request("POST", "/api/deployments/count", "{}", {"Content-Type": "application/json"})
        r = conn.getresponse()
        return t0, time.monotonic(), r.status, r.read()
    except Exception as e:  # noqa: BLE001 - a reset or a timeout is the finding
        return t0, time.monotonic(), repr(e), b""
    finally:
        conn.close()


def burst(n, threads=4):
    out = []
    lock = threading.Lock()

    def worker(k):
        for _ in range(n // threads):
            r = count()
            with lock:
                out.append(r)

    ts = [threading.Thread(target=worker, args=(k,)) for k in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return out


def summary(results):
    by = {}
    for _, _, s, _ in results:
        by[s] = by.get(s, 0) + 1
    return by


def restart():
    t0 = time.monotonic()
    p = subprocess.run(RESTART, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
    return p.returncode, time.monotonic(), time.monotonic() - t0, p.stdout.decode(errors="replace")


def all_200(name, results, want):
    bad = [(s, b[:80]) for _, _, s, b in results if s != 200 or b != want]
    check(name, not bad and results, f"{summary(results)} e.g. {bad[:3]}")


warm = burst(40)
want = warm[0][3] if warm and warm[0][2] == 200 else None
all_200("warm-up: 40 requests, pool of 4 open", warm, want)

# 1. restart under load
stop = threading.Event()
during = []
lock = threading.Lock()


def load():
    while not stop.is_set():
        r = count()
        with lock:
            during.append(r)
        time.sleep(0.01)


threads = [threading.Thread(target=load) for _ in range(4)]
for t in threads:
    t.start()
time.sleep(0.5)
rc, t_back, took, out = restart()
time.sleep(0.5)
stop.set()
for t in threads:
    t.join()
check(f"pg_ctl restart -m fast under load ({took:.1f}s)", rc == 0, out[-500:])
odd = [(s, round(t1 - t0, 2)) for t0, t1, s, _ in during if s not in (200, 503) or t1 - t0 >= 5]
check(f"during the restart: {len(during)} requests, each 200 or 503 within 5 s, no reset ({summary(during)})",
      not odd and during, f"{odd[:5]}")
after = [r for r in during if r[0] >= t_back]
all_200(f"requests started once the database was back ({len(after)}) -> 200", after, want)
all_200("the next 200 requests -> 200", burst(200), want)

# 2. restart while idle: every pooled connection is now dead
time.sleep(0.3)
rc, t_back, took, out = restart()
check(f"pg_ctl restart -m fast while idle ({took:.1f}s)", rc == 0, out[-500:])
all_200("after an idle restart, the next 200 requests (4 clients) -> 200, no 503", burst(200), want)
print(f"{PASSED} passed, {FAILED} failed")
sys.exit(1 if FAILED else 0)
PY
grep -vE '^[0-9]+ passed, [0-9]+ failed$' "$WORK/checks.log"
line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$WORK/checks.log" | tail -n 1)
PASSED=$(cut -d' ' -f1 <<<"${line:-0 passed, 1 failed}")
FAILED=$(cut -d' ' -f3 <<<"${line:-0 passed, 1 failed}")
if kill -0 "$SERVER_PID" 2>/dev/null && ! grep -qiE "sanitizer|terminate called|segmentation" "$WORK/server.log"; then
    PASSED=$((PASSED + 1)); echo "ok   the server is still running, no crash in its log"
else
    FAILED=$((FAILED + 1)); echo "FAIL the server exited or crashed"; tail -n 20 "$WORK/server.log"
fi
# Two restarts made hundreds of requests fail: the log says why (libpq's reason), a few lines a
# kind, not one line per failed request.
log_lines=$(wc -l <"$WORK/server.log")
untimed=$(grep -cvE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T' "$WORK/server.log")  # e.g. libpq writing to stderr itself
if [[ $log_lines -le 40 && $untimed -eq 0 ]] && grep -qE "database connection (lost|failed|unusable)|idle database connection closed" "$WORK/server.log" &&
    grep -qE "terminating connection|server closed the connection|Connection refused|No such file|starting up|shutting down" "$WORK/server.log"; then
    PASSED=$((PASSED + 1)); echo "ok   the log gives libpq's reasons in $log_lines lines (rate-limited)"
else
    FAILED=$((FAILED + 1)); echo "FAIL the log has $log_lines lines ($untimed not the logger's) or no libpq reason"; head -n 40 "$WORK/server.log"
fi
echo "$PASSED passed, $FAILED failed"
[[ $FAILED -eq 0 ]]
