#!/usr/bin/env bash
# The extension in databases laid out by Prefect's own migrations. For each
# verified alembic head, test/prefect_schema/schema-<head>.sql (pg_dump of the schema Prefect's
# migrations create, made by scripts/prefect_schema.sh) is restored into a new database, then:
#   - CREATE EXTENSION prefect_filter makes no copy of Prefect's tables, finds them in public by
#     itself and leaves Prefect's schema exactly as recorded (catalog-<head>.txt);
#   - the rows of data/generate.sql, copied into Prefect's tables, give the same answer to every
#     body of bodies.jsonl as the same rows in a stand-alone database;
#   - an alembic head we have not verified is refused with a clear error;
#   - prefect.recommended_indexes() gives the missing indexes, created CONCURRENTLY;
# and, for the newest head: a 0.1.0 installation (with its empty copies) updated to 0.2.0 drops
# them, and prefect-filter-http started from a Prefect environment only (no flags) serves it.
# Uses PGHOST/PGPORT when set (scripts/test.sh), else a throwaway cluster of its own.
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
PY=/usr/bin/python3
HERE=test/prefect_schema
PASSED=0
FAILED=0
OWN_CLUSTER=0
WORK=$(mktemp -d /tmp/pf_prefect_schema.XXXXXX)
chmod 755 "$WORK"
DBS=()
SERVER_PID=""
cleanup() {
    [[ -n $SERVER_PID ]] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
    for db in "${DBS[@]}"; do dropdb --if-exists "$db" >/dev/null 2>&1; done
    [[ $OWN_CLUSTER -eq 1 ]] && pg_tmp_stop
    rm -rf "$WORK"
}
trap cleanup EXIT
if [[ -z ${PGHOST:-} || -z ${PGPORT:-} ]]; then
    source scripts/pg_tmp.sh
    pg_tmp_start 56510 || exit 1
    OWN_CLUSTER=1
fi
export PGUSER=${PGUSER:-postgres}
dsn() { echo "host=$PGHOST port=$PGPORT user=$PGUSER dbname=$1"; }
tally() {  # tally LOG
    local line
    grep -v '^ok' "$1"
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$1" | tail -n 1)
    [[ -n $line ]] || { FAILED=$((FAILED + 1)); echo "FAIL no result line in $1"; return; }
    PASSED=$((PASSED + $(cut -d' ' -f1 <<<"$line")))
    FAILED=$((FAILED + $(cut -d' ' -f3 <<<"$line")))
}
ok() { PASSED=$((PASSED + 1)); echo "ok   $1"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL $1"; }

# The rows: a stand-alone database, and its rows as statements for Prefect's tables.
SRC=pf_schema_src_$$
DBS+=("$SRC")
createdb "$SRC" && psql -X -q -v ON_ERROR_STOP=1 -d "$SRC" -c "CREATE EXTENSION pg_trgm" -c "CREATE EXTENSION prefect_filter" &&
    psql -X -q -v ON_ERROR_STOP=1 -v scale=1 -d "$SRC" -f data/generate.sql >/dev/null &&
    "$HERE/harness/rows_for_public.sh" "$SRC" >"$WORK/rows.sql" 2>"$WORK/dump.log" ||
    { echo "FAIL source database"; cat "$WORK/dump.log"; exit 1; }

NEWEST=$(tail -n 1 "$HERE/heads.tsv" | cut -f2)
for schema_file in "$HERE"/schema-*.sql; do
    head=$(basename "$schema_file" .sql); head=${head#schema-}
    db=pf_schema_${head}_$$
    DBS+=("$db")
    echo "== Prefect's database at alembic head $head"
    createdb "$db" && psql -X -q -v ON_ERROR_STOP=1 -d "$db" -f "$schema_file" >/dev/null 2>"$WORK/restore.log" ||
        { fail "$head: restoring Prefect's schema"; cat "$WORK/restore.log"; continue; }
    if psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "CREATE EXTENSION prefect_filter" >"$WORK/create.log" 2>&1; then
        ok "$head: CREATE EXTENSION prefect_filter in Prefect's database"
    else
        fail "$head: CREATE EXTENSION"; cat "$WORK/create.log"
    fi
    "$PY" $HERE/prefect_database.py layout --prefect "$(dsn "$db")" --catalog "$HERE/catalog-$head.txt" \
        --catalog-sql "$HERE/catalog.sql" >"$WORK/layout.log" 2>&1
    tally "$WORK/layout.log"
    psql -X -q -v ON_ERROR_STOP=1 -d "$db" -f "$WORK/rows.sql" >/dev/null 2>"$WORK/rows.log" &&
        psql -X -q -d "$db" -c "ANALYZE" || { fail "$head: loading the rows"; cat "$WORK/rows.log"; continue; }
    "$PY" $HERE/prefect_database.py answers --source "$(dsn "$SRC")" --prefect "$(dsn "$db")" \
        --bodies "$HERE/bodies.jsonl" >"$WORK/answers.log" 2>&1
    tally "$WORK/answers.log"
    "$PY" $HERE/prefect_database.py head --prefect "$(dsn "$db")" >"$WORK/head.log" 2>&1
    tally "$WORK/head.log"
    if [[ $head == "$NEWEST" ]]; then
        # prefect-filter-http from Prefect's environment only, against Prefect's layout
        SERVER=$ROOT/build/http/prefect-filter-http
        if [[ ! -x $SERVER ]]; then
            cmake -S . -B build/http -DCMAKE_BUILD_TYPE=Release >/dev/null && cmake --build build/http --target prefect-filter-http -j2 >/dev/null
        fi
        PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
        env -i PATH="$PATH" PREFECT_API_DATABASE_CONNECTION_URL="postgresql+asyncpg://$PGUSER@/$db?host=$PGHOST&port=$PGPORT" \
            PREFECT_SERVER_API_HOST=127.0.0.1 PREFECT_SERVER_API_PORT="$PORT" "$SERVER" >"$WORK/server.log" 2>&1 &
        SERVER_PID=$!
        for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$PORT/api/health" && break; sleep 0.05; done
        for body in '{}' '{"limit": 5, "sort": "CREATED_DESC"}' '{"flow_runs": {"state": {"type": {"any_": ["FAILED"]}}}}'; do
            want=$(psql -X -At -d "$SRC" -c "SELECT prefect.deployments_filter('$body')")
            got=$(curl -s -X POST "http://127.0.0.1:$PORT/api/deployments/filter" -H 'Content-Type: application/json' -d "$body")
            if [[ -n $want && $got == "$want" ]]; then ok "$head: HTTP server from Prefect's environment: filter $body"
            else fail "$head: HTTP filter $body: got ${got:0:200}"; tail -5 "$WORK/server.log"; fi
        done
        psql -X -q -d "$db" -c "UPDATE public.alembic_version SET version_num = 'ffffffffffff'"
        status=$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$PORT/api/deployments/count" -d '{}')
        psql -X -q -d "$db" -c "UPDATE public.alembic_version SET version_num = '$head'"
        if [[ $status == 503 ]] && grep -q "ffffffffffff" "$WORK/server.log"; then ok "$head: HTTP: unknown head -> 503, logged with the head"
        else fail "$head: HTTP unknown head -> $status"; tail -5 "$WORK/server.log"; fi
        kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null; SERVER_PID=""

        # 0.1.0 (which created empty copies) updated to 0.2.0: the copies go
        db01=pf_schema_01_$$
        DBS+=("$db01")
        createdb "$db01" && psql -X -q -v ON_ERROR_STOP=1 -d "$db01" -f "$schema_file" >/dev/null 2>&1
        psql -X -q -v ON_ERROR_STOP=1 -d "$db01" -c "CREATE EXTENSION prefect_filter VERSION '0.1.0'" >/dev/null 2>&1
        before=$(psql -X -At -d "$db01" -c "SELECT to_regclass('prefect.deployment') IS NOT NULL")
        psql -X -q -v ON_ERROR_STOP=1 -d "$db01" -c "ALTER EXTENSION prefect_filter UPDATE" >/dev/null 2>&1
        after=$(psql -X -At -d "$db01" -c "SELECT to_regclass('prefect.deployment') IS NULL AND prefect.tables_schema() = 'public'")
        if [[ $before == t && $after == t ]]; then ok "$head: 0.1.0's empty copies dropped by ALTER EXTENSION UPDATE"
        else fail "$head: 0.1.0 -> 0.2.0 in Prefect's database: copies before=$before, gone after=$after"; fi
    fi
    "$PY" $HERE/prefect_database.py indexes --source "$(dsn "$SRC")" --prefect "$(dsn "$db")" >"$WORK/indexes.log" 2>&1
    tally "$WORK/indexes.log"
    dropdb "$db"
done
echo "$PASSED passed, $FAILED failed"
[[ $FAILED -eq 0 ]]
