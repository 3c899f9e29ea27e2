#!/usr/bin/env bash
# Reads spread over streaming standbys (doc/replicas.md; run by test/http/run.sh, runs alone too).
# Starts its OWN primary (the extension, data/generate.sql at scale 1, pg_stat_statements) and two
# standbys (pg_basebackup -R) on Unix sockets in a temporary directory, then a server with a
# multi-host --db (no target_session_attrs: standbys preferred) and --pool 8, and, while 8 clients
# send `count {}` on keep-alive connections:
#   1. the calls run on both standbys (pg_stat_statements on each server), none on the primary;
#   2. one standby stopped (pg_ctl stop -m fast): no request fails but at most those in flight on
#      it, and those with 503; the other standby serves;
#   3. started again: its share returns within 15 s;
#   4. both standbys stopped: at most the calls in flight on them fail (503), then the primary
#      serves every request;
#   5. both started again: the load leaves the primary for the standbys within 15 s;
#   6. Prefect's URL with several hosts (PREFECT_API_DATABASE_CONNECTION_URL ?host=a,b,c&port=...)
#      spreads the same way;
#   7. a call cancelled with SQLSTATE 40001 (what a standby does to a query that conflicts with WAL
#      replay; here a stand-in function on the primary) is run once more: no 503.
# Stops everything it started (servers by PID, clusters by pg_ctl). The last line is
# "N passed, M failed"; exit 1 on failure.
#   SERVER=path/to/prefect-filter-http test/http/replicas.sh   (default build/http/prefect-filter-http,
#                                                              built when missing)
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
PY=/usr/bin/python3
SERVER=${SERVER:-$ROOT/build/http/prefect-filter-http}
PG_BINDIR=${PG_BINDIR:-$(pg_config --bindir)}
P1=${REPLICAS_PG_PORT:-56061}
P2=$((P1 + 1))
P3=$((P1 + 2))
DB=pf_replicas
SERVER_PID=
DIR=$(mktemp -d /tmp/pf_http_replicas.XXXXXX)
chmod 755 "$DIR"
[[ $(id -u) -eq 0 ]] && chown postgres "$DIR"
OWNER=()
[[ $(id -u) -eq 0 ]] && OWNER=(runuser -u postgres --)

cleanup() {
    if [[ -n $SERVER_PID ]]; then
        kill "$SERVER_PID" 2>/dev/null
        for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$SERVER_PID" 2>/dev/null
        wait "$SERVER_PID" 2>/dev/null
    fi
    for d in standby2 standby1 primary; do
        [[ -f $DIR/$d/postmaster.pid ]] && "${OWNER[@]}" "$PG_BINDIR/pg_ctl" -D "$DIR/$d" -m immediate -w stop >/dev/null 2>&1
    done
    if [[ ${PF_KEEP:-0} == 1 ]]; then echo "kept $DIR"; else rm -rf "$DIR"; fi
}
trap cleanup EXIT

fail_setup() { echo "FAIL replicas test set-up: $1"; echo "0 passed, 1 failed"; exit 1; }
t0=$(date +%s)

if [[ ! -x $SERVER ]]; then
    echo "== building $SERVER"
    [[ -f build/http/CMakeCache.txt ]] || cmake -S . -B build/http -DCMAKE_BUILD_TYPE=Release >"$DIR/cmake.log" 2>&1 ||
        { cat "$DIR/cmake.log"; fail_setup cmake; }
    cmake --build build/http --target prefect-filter-http -j2 >"$DIR/build.log" 2>&1 || { tail -n 30 "$DIR/build.log"; fail_setup build; }
fi

# ---------------------------------------------------------------- a primary and two standbys
"${OWNER[@]}" "$PG_BINDIR/initdb" -D "$DIR/primary" -U postgres -A trust --encoding=UTF8 --locale=C.UTF-8 \
    >"$DIR/initdb.log" 2>&1 || { cat "$DIR/initdb.log"; fail_setup initdb; }
cat >>"$DIR/primary/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$DIR'
port = $P1
wal_level = replica
max_wal_senders = 8
hot_standby = on
fsync = off
synchronous_commit = off
shared_buffers = 64MB
shared_preload_libraries = 'pg_stat_statements'
CONF
pg_start() {  # pg_start NAME
    "${OWNER[@]}" "$PG_BINDIR/pg_ctl" -D "$DIR/$1" -l "$DIR/$1.log" -w start >/dev/null || { tail -n 20 "$DIR/$1.log"; return 1; }
}
pg_start primary || fail_setup "primary start"
export PGHOST=$DIR PGPORT=$P1 PGUSER=postgres
unset PGDATABASE
createdb "$DB" || fail_setup createdb
psql -q -X -v ON_ERROR_STOP=1 -d "$DB" \
    -c 'CREATE EXTENSION pg_trgm; CREATE EXTENSION prefect_filter; CREATE EXTENSION pg_stat_statements;' >/dev/null ||
    fail_setup "CREATE EXTENSION"
psql -q -X -v ON_ERROR_STOP=1 -v scale=1 -d "$DB" -f data/generate.sql >/dev/null || fail_setup generate.sql
# A stand-in whose count fails every other call with 40001, as a hot standby cancels a query that
# conflicts with WAL replay (the sequence runs on the primary: the check's server uses it alone).
psql -q -X -v ON_ERROR_STOP=1 -d "$DB" >/dev/null <<'SQL' || fail_setup "stand-in schema"
CREATE SCHEMA pf_conflict;
CREATE SEQUENCE pf_conflict.calls;
CREATE FUNCTION pf_conflict.deployments_count(body jsonb) RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
    IF nextval('pf_conflict.calls') % 2 = 1 THEN
        RAISE EXCEPTION 'canceling statement due to conflict with recovery' USING ERRCODE = '40001';
    END IF;
    RETURN 7;
END $$;
CREATE FUNCTION pf_conflict.deployments_filter(body jsonb) RETURNS json LANGUAGE sql AS $$ SELECT '[]'::json $$;
CREATE FUNCTION pf_conflict.deployments_paginate(body jsonb) RETURNS json LANGUAGE sql AS $$ SELECT '{}'::json $$;
CREATE FUNCTION pf_conflict.deployments_validation_errors(body json, endpoint text DEFAULT 'filter') RETURNS json
    LANGUAGE sql AS $$ SELECT '{"detail": []}'::json $$;
SQL
for n in 1 2; do
    "${OWNER[@]}" "$PG_BINDIR/pg_basebackup" -h "$DIR" -p "$P1" -U postgres -D "$DIR/standby$n" -R -X stream -c fast \
        >"$DIR/basebackup$n.log" 2>&1 || { cat "$DIR/basebackup$n.log"; fail_setup "pg_basebackup $n"; }
    echo "port = $((P1 + n))" >>"$DIR/standby$n/postgresql.conf"
    pg_start "standby$n" || fail_setup "standby$n start"
done
lsn=$(psql -X -At -d "$DB" -c "SELECT pg_current_wal_lsn()")
for p in "$P2" "$P3"; do
    ok=
    for _ in $(seq 1 100); do
        ok=$(psql -X -At -p "$p" -d "$DB" -c "SELECT pg_is_in_recovery() AND pg_last_wal_replay_lsn() >= '$lsn'" 2>/dev/null)
        [[ $ok == t ]] && break
        sleep 0.1
    done
    [[ $ok == t ]] || fail_setup "the standby on port $p is not replaying"
done
echo "== primary :$P1, standbys :$P2 :$P3 (Unix sockets in $DIR), set up in $(($(date +%s) - t0)) s"

# ---------------------------------------------------------------- the server, several hosts
HTTP_PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
"$SERVER" --db "host=$DIR,$DIR,$DIR port=$P1,$P2,$P3 user=postgres dbname=$DB" --listen "127.0.0.1:$HTTP_PORT" \
    --pool 8 >"$DIR/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
    curl -s -o /dev/null "http://127.0.0.1:$HTTP_PORT/api/health" && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$DIR/server.log"; fail_setup "server exited"; }
    sleep 0.05
done

export PF_DIR=$DIR PF_DB=$DB PF_PORTS="$P1 $P2 $P3" PF_HTTP_PORT=$HTTP_PORT PF_SERVER=$SERVER PF_SERVER_PID=$SERVER_PID
export PF_PG_CTL="${OWNER[*]} $PG_BINDIR/pg_ctl"
PYTHONPATH=test/http "$PY" - >"$DIR/checks.log" 2>&1 <<'PY'
import http.client
import os
import signal
import socket
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from verdicts import check, finish

DIR = os.environ["PF_DIR"]
DB = os.environ["PF_DB"]
PRIMARY, S1, S2 = (int(p) for p in os.environ["PF_PORTS"].split())
NAMES = {PRIMARY: "primary", S1: "standby1", S2: "standby2"}
PORT = int(os.environ["PF_HTTP_PORT"])
PG_CTL = os.environ["PF_PG_CTL"].split()
CLIENTS = 8


def mark(text):
    now = time.time()
    print(f"# {time.strftime('%H:%M:%S', time.gmtime(now))}.{int(now * 1000) % 1000:03d} {text}", flush=True)


def psql(port, sql):
    p = subprocess.run(["psql", "-X", "-At", "-h", DIR, "-p", str(port), "-U", "postgres", "-d", DB, "-c", sql],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=10)
    return p.stdout.decode().strip() if p.returncode == 0 else None


def calls(port):
    """deployments_count calls run on the server on `port` (None when it is down)."""
    v = psql(port, "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements "
                   "WHERE query LIKE '%deployments_count%' AND query NOT LIKE '%pg_stat_statements%'")
    return int(v) if v else None


def pool_connections(port):
    v = psql(port, "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'prefect-filter-http'")
    return int(v) if v else 0


def snapshot():
    with ThreadPoolExecutor(3) as ex:  # at once: each psql takes a while on a busy machine
        return dict(zip((PRIMARY, S1, S2), ex.map(calls, (PRIMARY, S1, S2))))


def delta(a, b):
    return {p: (b[p] or 0) - (a[p] or 0) if b[p] is not None and a[p] is not None else None for p in a}


def shown(d):
    return ", ".join(f"{NAMES[p]} {v if v is not None else 'down'}" for p, v in d.items())


def pg_ctl(name, *args):
    p = subprocess.run(PG_CTL + ["-D", f"{DIR}/{name}", "-l", f"{DIR}/{name}.log", "-w", *args],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
    return p.returncode == 0


class Load:
    """CLIENTS threads sending POST /count {} on keep-alive connections; every answer recorded."""

    def __init__(self):
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.results = []  # (start, end, status or error text)
        self.threads = [threading.Thread(target=self.client) for _ in range(CLIENTS)]
        for t in self.threads:
            t.start()

    def client(self):
        conn = None
        while not self.stop.is_set():
            t0 = time.monotonic()
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
                conn.request("POST", "/api/deployments/count", "{}", {"Content-Type": "application/json"})
                r = conn.getresponse()
                r.read()
                status = r.status
                if r.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = None
            except Exception as e:  # noqa: BLE001 - a reset or a timeout is the finding
                status = repr(e)
                conn = None
            with self.lock:
                self.results.append((t0, time.monotonic(), status))

    def between(self, a, b=float("inf")):
        with self.lock:
            return [r for r in self.results if a <= r[0] < b]

    def end(self):
        self.stop.set()
        for t in self.threads:
            t.join()


def summary(results):
    by = {}
    for _, _, s in results:
        by[s] = by.get(s, 0) + 1
    return by


def window(load, seconds):
    """Calls per server and answers over the next `seconds`."""
    a, t = snapshot(), time.monotonic()
    time.sleep(seconds)
    return delta(a, snapshot()), load.between(t, time.monotonic())


def wait_share(load, want, limit=15.0, step=1.0):
    """Seconds until `want(d)` holds for the calls of a `step`-second window, or None."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit:
        d, _ = window(load, step)
        if want(d):
            return time.monotonic() - t0, d
    return None, d


def failures_bounded(name, results, in_flight):
    bad = [s for _, _, s in results if s != 200]
    slow = [round(t1 - t0, 2) for t0, t1, _ in results if t1 - t0 >= 5]
    check(f"{name}: {len(results)} requests, {len(bad)} not 200 (at most the {in_flight} in flight on it, "
          f"each 503), none 5 s or more ({summary(results)})",
          results and len(bad) <= in_flight and all(s == 503 for s in bad) and not slow, f"slow {slow[:5]}")


load = Load()
time.sleep(2)  # the pool opens its 8 connections

# 1. both standbys serve, the primary does not
d, answers = window(load, 3)
total = sum(v for v in d.values() if v)
conns = {p: pool_connections(p) for p in (PRIMARY, S1, S2)}
check(f"8 clients, 3 s: {len(answers)} answers, all 200", answers and all(s == 200 for _, _, s in answers),
      summary(answers))
check(f"calls spread over both standbys ({shown(d)}), none on the primary; pool connections "
      f"{shown(conns)}",
      total > 0 and d[PRIMARY] == 0 and d[S1] >= 0.25 * total and d[S2] >= 0.25 * total and conns[PRIMARY] == 0
      and conns[S1] >= 2 and conns[S2] >= 2)

# 2. standby2 stopped under load
in_flight = pool_connections(S2)
t_stop = time.monotonic()
ok = pg_ctl("standby2", "-m", "fast", "stop")
t_stopped = time.monotonic()
check(f"pg_ctl stop -m fast standby2 under load ({t_stopped - t_stop:.1f} s)", ok)
d, after = window(load, 3)
failures_bounded("standby2 stopped", load.between(t_stop - 0.5, time.monotonic()), in_flight)
check(f"then standby1 serves everything ({shown(d)}), answers {summary(after)}",
      after and all(s == 200 for _, _, s in after) and d[S1] > 0 and d[PRIMARY] == 0 and d[S2] is None)

# 3. standby2 started again: its share returns
t_start = time.monotonic()
ok = pg_ctl("standby2", "start")
mark("standby2 started")
check(f"pg_ctl start standby2 ({time.monotonic() - t_start:.1f} s)", ok)
took, d = wait_share(load, lambda d: d[S2] and d[S1] and d[S2] >= 0.25 * (d[S1] + d[S2]) and d[PRIMARY] == 0)
check(f"standby2's share returns within 15 s of its start ({'%.1f s' % took if took is not None else 'no'}; "
      f"last 1 s: {shown(d)}; pool connections standby1 {pool_connections(S1)}, standby2 {pool_connections(S2)})",
      took is not None)
check(f"no request failed while standby2 came back ({summary(load.between(t_start))})",
      all(s == 200 for _, _, s in load.between(t_start)))

# 4. both standbys stopped: the primary serves
in_flight = pool_connections(S1) + pool_connections(S2)
t_stop = time.monotonic()
stops = [threading.Thread(target=pg_ctl, args=(n, "-m", "fast", "stop")) for n in ("standby1", "standby2")]
for t in stops:
    t.start()
for t in stops:
    t.join()
t_stopped = time.monotonic()
d, after = window(load, 3)
failures_bounded(f"both standbys stopped ({t_stopped - t_stop:.1f} s)", load.between(t_stop - 0.5, time.monotonic()),
                 in_flight)
late = load.between(t_stopped)
check(f"the primary serves once both are down: {len(late)} requests all 200 ({shown(d)})",
      late and all(s == 200 for _, _, s in late) and d[PRIMARY] and d[PRIMARY] > 0)
check(f"pool connections on the primary: {pool_connections(PRIMARY)}", pool_connections(PRIMARY) >= 1)

# 5. both started again: the load returns to the standbys
t_start = time.monotonic()
starts = [threading.Thread(target=pg_ctl, args=(n, "start")) for n in ("standby1", "standby2")]
for t in starts:
    t.start()
for t in starts:
    t.join()
mark("both standbys started")
took, d = wait_share(load, lambda d: d[PRIMARY] == 0 and d[S1] and d[S2] and min(d[S1], d[S2]) >= 0.25 * (d[S1] + d[S2]))
check(f"the load leaves the primary for both standbys within 15 s of their start "
      f"({'%.1f s' % took if took is not None else 'no'}; last 1 s: {shown(d)})", took is not None)
check(f"no request failed while the standbys came back ({summary(load.between(t_start))})",
      all(s == 200 for _, _, s in load.between(t_start)))
check(f"pool connections: {shown({p: pool_connections(p) for p in (PRIMARY, S1, S2)})}",
      pool_connections(PRIMARY) == 0)
load.end()
print(f"# {len(load.results)} requests in all")

# 6. Prefect's URL with several hosts, from the environment only
os.kill(int(os.environ["PF_SERVER_PID"]), signal.SIGTERM)
for _ in range(100):
    if pool_connections(S1) + pool_connections(S2) == 0:
        break
    time.sleep(0.1)
s = socket.socket()
s.bind(("127.0.0.1", 0))
PORT = s.getsockname()[1]
s.close()
env = {"PATH": os.environ["PATH"],
       "PREFECT_API_DATABASE_CONNECTION_URL":
           f"postgresql+asyncpg://postgres@/{DB}?host={DIR},{DIR},{DIR}&port={PRIMARY},{S1},{S2}",
       "PREFECT_SERVER_API_HOST": "127.0.0.1", "PREFECT_SERVER_API_PORT": str(PORT)}
log = open(f"{DIR}/server_url.log", "w")
proc = subprocess.Popen([os.environ["PF_SERVER"], "--pool", "4"], env=env, stdout=log, stderr=log)
try:
    for _ in range(100):
        try:
            c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=2)
            c.request("GET", "/api/health")
            c.getresponse().read()
            break
        except OSError:
            time.sleep(0.05)
    load = Load()
    time.sleep(2)
    d, answers = window(load, 2)
    load.end()
    conns = {p: pool_connections(p) for p in (PRIMARY, S1, S2)}
    check(f"Prefect's URL ?host=a,b,c&port=...: {len(answers)} answers all 200, calls {shown(d)}, "
          f"pool connections {shown(conns)}",
          answers and all(s == 200 for _, _, s in answers) and d[PRIMARY] == 0 and d[S1] and d[S2]
          and conns[PRIMARY] == 0)
finally:
    proc.terminate()
    proc.wait(timeout=20)
    check(f"the second server exits 0 on SIGTERM (status {proc.returncode})", proc.returncode == 0)

# 7. a call cancelled with 40001 (a standby's recovery conflict) is run once more
log = open(f"{DIR}/server_conflict.log", "w")
proc = subprocess.Popen([os.environ["PF_SERVER"], "--db", f"host={DIR} port={PRIMARY} user=postgres dbname={DB}",
                         "--schema", "pf_conflict", "--pool", "2", "--listen", f"127.0.0.1:{PORT}"],
                        stdout=log, stderr=log)
try:
    got = []
    for _ in range(200):
        try:
            c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=2)
            c.request("GET", "/api/health")
            c.getresponse().read()
            break
        except OSError:
            time.sleep(0.05)
    c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
    for _ in range(20):
        c.request("POST", "/api/deployments/count", "{}", {"Content-Type": "application/json"})
        r = c.getresponse()
        got.append((r.status, r.read()))
    check(f"every other call cancelled with 40001: 20 requests, each retried once and answered 200 "
          f"({sorted(set(got))})", got == [(200, b"7")] * 20)
finally:
    proc.terminate()
    proc.wait(timeout=20)
log.close()
check("the 40001 retry is logged", "retried" in open(f"{DIR}/server_conflict.log").read())
finish()
PY
grep -vE '^[0-9]+ passed, [0-9]+ failed$' "$DIR/checks.log"
line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$DIR/checks.log" | tail -n 1)
PASSED=$(cut -d' ' -f1 <<<"${line:-0 passed, 1 failed}")
FAILED=$(cut -d' ' -f3 <<<"${line:-0 passed, 1 failed}")
# The first server was stopped by the checks (SIGTERM): it exits 0, its log shows the hosts going
# down and up, the fallback and the re-balancing, rate-limited, never a password.
for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
wait "$SERVER_PID"
rc=$?
SERVER_PID=
log_lines=$(wc -l <"$DIR/server.log")
untimed=$(grep -cvE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T' "$DIR/server.log")
if [[ $rc -eq 0 ]] && ! grep -qiE "sanitizer|terminate called|segmentation" "$DIR/server.log" "$DIR/server_url.log"; then
    PASSED=$((PASSED + 1)); echo "ok   the server exited 0 on SIGTERM, no crash in the logs"
else
    FAILED=$((FAILED + 1)); echo "FAIL the server exited $rc or crashed"; tail -n 20 "$DIR/server.log"
fi
missing=()
for pattern in "database hosts: .*target_session_attrs=prefer-standby" "database host .*:$P3 is down" \
    "database host .*:$P3 is up: standby" "falls back to .*:$P1" "re-balancing the database connections"; do
    grep -qE "$pattern" "$DIR/server.log" || missing+=("$pattern")
done
if [[ ${#missing[@]} -eq 0 && $log_lines -le 80 && $untimed -eq 0 ]]; then
    PASSED=$((PASSED + 1)); echo "ok   the log shows hosts down/up, the fallback and the re-balancing in $log_lines lines"
else
    FAILED=$((FAILED + 1)); echo "FAIL the log ($log_lines lines, $untimed untimed) lacks: ${missing[*]}"; head -n 60 "$DIR/server.log"
fi
echo "# took $(($(date +%s) - t0)) s"
echo "$PASSED passed, $FAILED failed"
[[ $FAILED -eq 0 ]]
