#!/usr/bin/env bash
# HTTP server tests. Called by scripts/test.sh with PGHOST/PGPORT/PGUSER/PGDATABASE
# pointing at a throwaway cluster where the extension is installed; run alone, it starts its own
# cluster (scripts/pg_tmp.sh). It
#   1. builds prefect-filter-http and its unit tests (CMake, build/http) and runs the unit tests;
#   2. creates its own database (pg_trgm, prefect_filter, data/generate.sql at scale 1) plus a
#      schema of stand-in functions that misbehave on purpose;
#   3. starts servers on free loopback ports and runs test/http/checks.py against them: the main
#      server (bodies byte for byte, every error class, header rules, gzip, 16 concurrent
#      clients), a misbehaving one (500, 503, statement timeout, pool wait, SIGTERM while a
#      request is in flight), one whose database is unreachable (503), and a real nginx in front
#      of the main server routing the three paths to it and everything else to a stand-in Prefect;
#   4. hostile clients (test/http/attacks.py): against a server of its own with short timeouts
#      (limits, malformed framing, smuggling, pipelining, slowloris, a second instance on the port,
#      SIGTERM with half-sent requests), then through the nginx; and test/http/restart.sh, which
#      restarts PostgreSQL (a cluster of its own) under a server; test/http/replicas.sh (a primary
#      and two standbys of its own: spreading, a standby stopped and started, fallback);
#   5. stops everything it started and drops its database.
# Exits non-zero on any failure; the last line is "N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
PY=/usr/bin/python3
TOTAL_PASSED=0
TOTAL_FAILED=0
PIDS=()
WORK=$(mktemp -d /tmp/pf_http_test.XXXXXX)
chmod 755 "$WORK"
OWN_CLUSTER=0
DB=pf_http_test_$$

cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null; done
    if [[ -n ${PGPORT:-} ]]; then dropdb --if-exists "$DB" >/dev/null 2>&1; fi
    if [[ $OWN_CLUSTER -eq 1 ]]; then pg_tmp_stop; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

tally() {  # tally LOGFILE: add the "N passed, M failed" line of a checks.py run
    local line
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$1" | tail -n 1)
    if [[ -z $line ]]; then
        TOTAL_FAILED=$((TOTAL_FAILED + 1))
        echo "FAIL: no result line in $1"
        return
    fi
    TOTAL_PASSED=$((TOTAL_PASSED + $(cut -d' ' -f1 <<<"$line")))
    TOTAL_FAILED=$((TOTAL_FAILED + $(cut -d' ' -f3 <<<"$line")))
}

free_port() {
    "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

wait_for_http() {  # wait_for_http PORT PID
    for _ in $(seq 1 100); do
        if curl -s -o /dev/null "http://127.0.0.1:$1/api/health"; then return 0; fi
        kill -0 "$2" 2>/dev/null || return 1
        sleep 0.05
    done
    return 1
}

# ---------------------------------------------------------------- build and unit tests
echo "== build (build/http)"
if [[ ! -f build/http/CMakeCache.txt ]]; then
    cmake -S . -B build/http -DCMAKE_BUILD_TYPE=Release >"$WORK/cmake.log" 2>&1 || { cat "$WORK/cmake.log"; exit 1; }
fi
cmake --build build/http --target prefect-filter-http http_unit_tests -j2 >"$WORK/build.log" 2>&1 ||
    { cat "$WORK/build.log"; exit 1; }
SERVER=$ROOT/build/http/prefect-filter-http

echo "== unit tests"
if build/http/src/http/http_unit_tests >"$WORK/unit.log" 2>&1; then
    n=$(grep -E '^\[  PASSED  \] [0-9]+ test' "$WORK/unit.log" | grep -oE '[0-9]+' | head -1)
    TOTAL_PASSED=$((TOTAL_PASSED + ${n:-0}))
    tail -n 1 "$WORK/unit.log"
else
    cat "$WORK/unit.log"
    TOTAL_FAILED=$((TOTAL_FAILED + 1))
fi

# ---------------------------------------------------------------- database
if [[ -z ${PGPORT:-} || -z ${PGHOST:-} ]]; then
    source scripts/pg_tmp.sh
    pg_tmp_start 56029 || exit 1
    OWN_CLUSTER=1
fi
export PGUSER=${PGUSER:-postgres}
echo "== database $DB (scale 1)"
createdb "$DB" || exit 1
psql -q -X -v ON_ERROR_STOP=1 -d "$DB" >/dev/null <<'SQL' || exit 1
CREATE EXTENSION pg_trgm;
CREATE EXTENSION prefect_filter;
-- Stand-ins that misbehave on purpose, for the 500/503/timeout/shutdown checks.
CREATE SCHEMA pf_http_broken;
CREATE FUNCTION pf_http_broken.deployments_filter(body jsonb) RETURNS json
    LANGUAGE sql AS $$ SELECT NULL::json $$;
CREATE FUNCTION pf_http_broken.deployments_count(body jsonb) RETURNS bigint
    LANGUAGE sql AS $$ SELECT 1 / (SELECT count(*) - count(*) FROM pg_class)::bigint $$;
CREATE FUNCTION pf_http_broken.deployments_paginate(body jsonb) RETURNS json
    LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep((body->>'page')::float8 / 10); RETURN '{"slept": true}'::json; END $$;
CREATE FUNCTION pf_http_broken.deployments_validation_errors(body json, endpoint text DEFAULT 'filter') RETURNS json
    LANGUAGE sql AS $$ SELECT '{"detail": []}'::json $$;
SQL
psql -q -X -v ON_ERROR_STOP=1 -v scale=1 -d "$DB" -f data/generate.sql >/dev/null || exit 1
DSN="host=$PGHOST port=$PGPORT user=$PGUSER dbname=$DB"

# ---------------------------------------------------------------- main server
MAIN_PORT=$(free_port)
"$SERVER" --db "$DSN" --listen "127.0.0.1:$MAIN_PORT" --pool 4 --max-body-bytes 1048576 >"$WORK/main.log" 2>&1 &
MAIN_PID=$!
PIDS+=("$MAIN_PID")
wait_for_http "$MAIN_PORT" "$MAIN_PID" || { cat "$WORK/main.log"; exit 1; }
echo "== checks: main server (port $MAIN_PORT)"
"$PY" test/http/checks.py main --url "http://127.0.0.1:$MAIN_PORT" --dsn "$DSN" >"$WORK/main_checks.log" 2>&1
grep -v '^ok' "$WORK/main_checks.log"
tally "$WORK/main_checks.log"

# ---------------------------------------------------------------- nginx in front, as an operator would run it
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
NGINX_PORT=$(free_port)
PREFECT_PORT=$(free_port)
mkdir -p "$WORK/prefect/api"
echo "stub-prefect" >"$WORK/prefect/api/version"
"$PY" -m http.server "$PREFECT_PORT" --bind 127.0.0.1 --directory "$WORK/prefect" >"$WORK/prefect.log" 2>&1 &
PIDS+=($!)
# start_nginx NAME UPSTREAM_PORT: an nginx configured with doc/http.md's snippet, the three paths
# to the server on UPSTREAM_PORT and everything else to the stand-in Prefect; sets NGINX_PORT.
start_nginx() {
    local dir=$WORK/$1 upstream=$2
    NGINX_PORT=$(free_port)
    mkdir -p "$dir/tmp"
    chmod -R 777 "$dir/tmp"
    cat >"$dir/nginx.conf" <<CONF
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 1024; }  # attacks.py nginx holds ~270 slow client connections
http {
    access_log $dir/access.log;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;

    upstream prefect_server { server 127.0.0.1:$PREFECT_PORT; }
$(sed -n '/^upstream prefect_filter/,/^}/p' doc/http.md | sed 's/127.0.0.1:4300/127.0.0.1:'"$upstream"'/')
    server {
        listen 127.0.0.1:$NGINX_PORT;
$(sed -n '/^# BEGIN nginx locations/,/^# END nginx locations/p' doc/http.md | grep -v '^#')
        location / { proxy_pass http://prefect_server; }
    }
}
CONF
    "$NGINX" -t -c "$dir/nginx.conf" -p "$dir" >"$dir/nginx_t.log" 2>&1 || { cat "$dir/nginx_t.log" "$dir/nginx.conf"; exit 1; }
    "$NGINX" -c "$dir/nginx.conf" -p "$dir" -g 'daemon off;' >"$dir/nginx.log" 2>&1 &
    local pid=$!
    PIDS+=("$pid")
    wait_for_http "$NGINX_PORT" "$pid" || { cat "$dir/nginx.log" "$dir/error.log"; exit 1; }
}
start_nginx nginx "$MAIN_PORT"
echo "== checks: through nginx (port $NGINX_PORT)"
"$PY" test/http/checks.py nginx --url "http://127.0.0.1:$NGINX_PORT" --dsn "$DSN" >"$WORK/nginx_checks.log" 2>&1
grep -v '^ok' "$WORK/nginx_checks.log"
tally "$WORK/nginx_checks.log"

# ---------------------------------------------------------------- hostile clients
# A server of its own with short timeouts, so that the timeout checks take seconds; attacks.py
# ends by sending it SIGTERM.
ATTACK_PORT=$(free_port)
"$SERVER" --db "$DSN" --listen "127.0.0.1:$ATTACK_PORT" --pool 4 --max-body-bytes 1048576 --request-timeout-s 2 \
    --keep-alive-timeout-s 1 --shutdown-timeout-s 3 >"$WORK/attack.log" 2>&1 &
ATTACK_PID=$!
PIDS+=("$ATTACK_PID")
wait_for_http "$ATTACK_PORT" "$ATTACK_PID" || { cat "$WORK/attack.log"; exit 1; }
echo "== attacks: direct (port $ATTACK_PORT)"
"$PY" test/http/attacks.py direct --url "http://127.0.0.1:$ATTACK_PORT" --pid "$ATTACK_PID" --server "$SERVER" --dsn "$DSN" \
    --request-timeout 2 --keep-alive-timeout 1 --shutdown-timeout 3 --max-body-bytes 1048576 >"$WORK/attack_checks.log" 2>&1
grep -v '^ok' "$WORK/attack_checks.log"
tally "$WORK/attack_checks.log"
for _ in $(seq 1 60); do kill -0 "$ATTACK_PID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$ATTACK_PID" 2>/dev/null; then
    kill -KILL "$ATTACK_PID"; wait "$ATTACK_PID" 2>/dev/null
    TOTAL_FAILED=$((TOTAL_FAILED + 1)); echo "FAIL attacks: server still running after SIGTERM (killed)"
else
    wait "$ATTACK_PID"
    rc=$?
    if [[ $rc -eq 0 ]]; then
        TOTAL_PASSED=$((TOTAL_PASSED + 1)); echo "ok   attacks: SIGTERM exit status 0"
    else
        TOTAL_FAILED=$((TOTAL_FAILED + 1)); echo "FAIL attacks: SIGTERM exit status $rc"; tail -n 20 "$WORK/attack.log"
    fi
fi
KEEP=(); for pid in "${PIDS[@]}"; do [[ $pid == "$ATTACK_PID" ]] || KEEP+=("$pid"); done; PIDS=("${KEEP[@]}")

echo "== attacks: through nginx (port $NGINX_PORT)"
"$PY" test/http/attacks.py nginx --url "http://127.0.0.1:$NGINX_PORT" --dsn "$DSN" >"$WORK/nginx_attack_checks.log" 2>&1
grep -v '^ok' "$WORK/nginx_attack_checks.log"
tally "$WORK/nginx_attack_checks.log"

echo "== database restarts (test/http/restart.sh, a cluster of its own)"
SERVER="$SERVER" test/http/restart.sh >"$WORK/restart_checks.log" 2>&1
grep -v '^ok' "$WORK/restart_checks.log"
tally "$WORK/restart_checks.log"

# ---------------------------------------------------------------- Prefect's protections, from Prefect's environment only
# The server gets no flags at all: database, listen address, auth and CSRF come from the
# variables a Prefect server reads (the auth string never on a command line).
SECURE_PORT=$(free_port)
export PF_TEST_AUTH_STRING="admin:pf-test-$$-$RANDOM"
env -i PATH="$PATH" \
    PREFECT_API_DATABASE_CONNECTION_URL="postgresql+asyncpg://$PGUSER@/$DB?host=$PGHOST&port=$PGPORT" \
    PREFECT_SERVER_API_HOST=127.0.0.1 PREFECT_SERVER_API_PORT="$SECURE_PORT" \
    PREFECT_SERVER_API_AUTH_STRING="$PF_TEST_AUTH_STRING" PREFECT_SERVER_CSRF_PROTECTION_ENABLED=true \
    "$SERVER" >"$WORK/secure.log" 2>&1 &
SECURE_PID=$!
PIDS+=("$SECURE_PID")
wait_for_http "$SECURE_PORT" "$SECURE_PID" || { cat "$WORK/secure.log"; exit 1; }
echo "== Prefect's protections: auth + CSRF + CORS (port $SECURE_PORT, environment only)"
"$PY" test/http/security_checks.py secure --url "http://127.0.0.1:$SECURE_PORT" --dsn "$DSN" >"$WORK/secure_checks.log" 2>&1
grep -v '^ok' "$WORK/secure_checks.log"
tally "$WORK/secure_checks.log"
start_nginx nginx_secure "$SECURE_PORT"
echo "== Prefect's protections through nginx (port $NGINX_PORT)"
"$PY" test/http/security_checks.py nginx --url "http://127.0.0.1:$NGINX_PORT" --dsn "$DSN" >"$WORK/secure_nginx_checks.log" 2>&1
grep -v '^ok' "$WORK/secure_nginx_checks.log" | tail -n 20
tally "$WORK/secure_nginx_checks.log"
echo "== Prefect's clients' bodies (with auth and CSRF, through nginx)"
CSRF_CLIENT="pf-shapes-$$"
CSRF_TOKEN=$(psql -X -q -At -d "$DB" -v client="$CSRF_CLIENT" <<'SQL'
INSERT INTO prefect.csrf_token (token, client, expiration)
VALUES (md5(random()::text) || md5(random()::text), :'client', now() + interval '1 hour') RETURNING token;
SQL
)
PF_TEST_HEADERS_JSON=$("$PY" -c 'import base64, json, os, sys
print(json.dumps({"Authorization": "Basic " + base64.b64encode(os.environ["PF_TEST_AUTH_STRING"].encode()).decode(),
                  "Prefect-Csrf-Token": sys.argv[1], "Prefect-Csrf-Client": sys.argv[2]}))' "$CSRF_TOKEN" "$CSRF_CLIENT")
export PF_TEST_HEADERS_JSON
"$PY" test/http/client_shapes.py --url "http://127.0.0.1:$NGINX_PORT" --dsn "$DSN" >"$WORK/shapes_checks.log" 2>&1
grep -v '^ok' "$WORK/shapes_checks.log" | tail -n 20
tally "$WORK/shapes_checks.log"

# ---------------------------------------------------------------- base path and default limit
LIMIT_PORT=$(free_port)
env -i PATH="$PATH" PREFECT_SERVER_DATABASE_CONNECTION_URL="postgresql+asyncpg://$PGUSER@/$DB?host=$PGHOST&port=$PGPORT" \
    PREFECT_SERVER_API_BASE_PATH=/v2/api/ PREFECT_SERVER_API_DEFAULT_LIMIT=5 \
    "$SERVER" --listen "127.0.0.1:$LIMIT_PORT" >"$WORK/limit.log" 2>&1 &
LIMIT_PID=$!
PIDS+=("$LIMIT_PID")
for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$LIMIT_PORT/v2/api/health" && break; sleep 0.05; done
echo "== base path /v2/api and default limit 5 (port $LIMIT_PORT)"
"$PY" test/http/security_checks.py limit --base /v2/api --url "http://127.0.0.1:$LIMIT_PORT" --dsn "$DSN" >"$WORK/limit_checks.log" 2>&1
grep -v '^ok' "$WORK/limit_checks.log"
tally "$WORK/limit_checks.log"

# ---------------------------------------------------------------- Prometheus metrics
METRICS_API_PORT=$(free_port)
METRICS_PORT=$(free_port)
"$SERVER" --db "$DSN" --listen "127.0.0.1:$METRICS_API_PORT" --metrics-listen "127.0.0.1:$METRICS_PORT" --pool 2 \
    >"$WORK/metrics.log" 2>&1 &
METRICS_PID=$!
PIDS+=("$METRICS_PID")
wait_for_http "$METRICS_API_PORT" "$METRICS_PID" || { cat "$WORK/metrics.log"; exit 1; }
echo "== Prometheus metrics (port $METRICS_PORT)"
"$PY" test/http/metrics_checks.py --url "http://127.0.0.1:$METRICS_API_PORT" --metrics "http://127.0.0.1:$METRICS_PORT" \
    >"$WORK/metrics_checks.log" 2>&1
grep -v '^ok' "$WORK/metrics_checks.log"
tally "$WORK/metrics_checks.log"

# ---------------------------------------------------------------- database unreachable
DOWN_PORT=$(free_port)
"$SERVER" --db "host=$WORK/no-such-socket-dir port=1 dbname=x connect_timeout=1" --listen "127.0.0.1:$DOWN_PORT" \
    >"$WORK/down.log" 2>&1 &
DOWN_PID=$!
PIDS+=("$DOWN_PID")
wait_for_http "$DOWN_PORT" "$DOWN_PID" || { cat "$WORK/down.log"; exit 1; }
echo "== checks: database unreachable"
"$PY" test/http/checks.py down --url "http://127.0.0.1:$DOWN_PORT" >"$WORK/down_checks.log" 2>&1
grep -v '^ok' "$WORK/down_checks.log"
tally "$WORK/down_checks.log"

# ---------------------------------------------------------------- misbehaving database, pool, SIGTERM
BROKEN_PORT=$(free_port)
"$SERVER" --db "$DSN" --listen "127.0.0.1:$BROKEN_PORT" --schema pf_http_broken --pool 1 --pool-wait-ms 300 \
    --statement-timeout-ms 1500 >"$WORK/broken.log" 2>&1 &
BROKEN_PID=$!
PIDS+=("$BROKEN_PID")
wait_for_http "$BROKEN_PORT" "$BROKEN_PID" || { cat "$WORK/broken.log"; exit 1; }
echo "== checks: misbehaving database, pool wait, SIGTERM"
"$PY" test/http/checks.py broken --url "http://127.0.0.1:$BROKEN_PORT" --pid "$BROKEN_PID" >"$WORK/broken_checks.log" 2>&1
grep -v '^ok' "$WORK/broken_checks.log"
tally "$WORK/broken_checks.log"
wait "$BROKEN_PID"
rc=$?
if [[ $rc -eq 0 ]] && grep -q "division by zero" "$WORK/broken.log"; then
    TOTAL_PASSED=$((TOTAL_PASSED + 1)); echo "ok   SIGTERM: exit status 0; database error logged for the operator"
else
    TOTAL_FAILED=$((TOTAL_FAILED + 1)); echo "FAIL SIGTERM exit status $rc"; cat "$WORK/broken.log"
fi

# ---------------------------------------------------------------- reads over streaming standbys
echo "== a primary and two standbys (test/http/replicas.sh, clusters of its own)"
SERVER="$SERVER" test/http/replicas.sh >"$WORK/replicas_checks.log" 2>&1
grep -v '^ok' "$WORK/replicas_checks.log"
tally "$WORK/replicas_checks.log"

# ---------------------------------------------------------------- the server logs no crash
if grep -qiE "sanitizer|terminate called|segmentation" "$WORK"/*.log; then
    TOTAL_FAILED=$((TOTAL_FAILED + 1)); echo "FAIL a server log shows a crash"; grep -iE "sanitizer|terminate|segmentation" "$WORK"/*.log
fi

echo "$TOTAL_PASSED passed, $TOTAL_FAILED failed"
[[ $TOTAL_FAILED -eq 0 ]]
