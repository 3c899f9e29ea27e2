#!/usr/bin/env bash
# Extension upgrade test: ALTER EXTENSION prefect_filter UPDATE from each released version
# (0.1.0, with data, and 0.2.0) against a fresh CREATE EXTENSION prefect_filter (the control
# file's default_version, "LATEST" below). Called by scripts/test.sh with PGHOST/PGPORT of a
# throwaway cluster where `make install` put the extension; run alone, it starts its own cluster
# (scripts/pg_tmp.sh; the extension must be installed: scripts/build.sh). It
#   1. checks the installed files default to LATEST and offer a path from 0.1.0 through every
#      release;
#   2. database A: CREATE EXTENSION prefect_filter VERSION '0.1.0'; its catalog must equal the
#      released 0.1.0's (test/upgrade/catalog-0.1.0.txt: released scripts are never edited);
#      data/generate.sql at scale 1; the answers of deployments_filter/count/paginate for the
#      bodies of check.py; then check.py prepared: two sessions prepare the three calls (libpq
#      PQprepare and SQL PREPARE), a third runs ALTER EXTENSION prefect_filter UPDATE, and the
#      prepared statements must answer the same afterwards;
#   3. database B: a fresh CREATE EXTENSION prefect_filter and the same data (generate.sql is
#      deterministic; the test checks the rows are identical);
#   4. compares: the catalogs of A (upgraded) and B (test/upgrade/catalog.sql: tables, columns
#      with types/defaults/NOT NULL, constraints, indexes with definitions, types, functions with
#      arguments, results, volatility, parallel safety, security, SET clauses, bodies, ACLs,
#      comments, extension members and configuration tables; no OIDs, no owners) must be
#      identical and equal test/upgrade/catalog-LATEST.txt (a fresh install is 0.1.0 plus the
#      upgrade scripts, so A = B alone would not notice an object an upgrade script forgot);
#      A's answers before and after its upgrade and B's answers must be identical;
#   5. the objects of later versions work in the upgraded A (csrf_token_for_client,
#      default_limit, deployments_validation_errors, datetime_parsing);
#   6. database C: CREATE EXTENSION prefect_filter VERSION '0.2.0' has the released 0.2.0's
#      catalog, and after ALTER EXTENSION UPDATE LATEST's.
# Prints ok/FAIL lines, ends with "N passed, M failed", exits non-zero on any failure.
#   test/upgrade/run.sh --update-golden   rewrites catalog-LATEST.txt from this run (only when a
#                                         new version is added on purpose; released versions'
#                                         catalogs are never rewritten)
set -uo pipefail
cd "$(dirname "$0")/../.."
HERE=test/upgrade
PY=/usr/bin/python3
WORK=$(mktemp -d /tmp/pf_upgrade_test.XXXXXX)
chmod 755 "$WORK"
DB_A=pf_upgrade_a_$$
DB_B=pf_upgrade_b_$$
DB_C=pf_upgrade_c_$$
LATEST=$(sed -n "s/^default_version = '\(.*\)'$/\1/p" prefect_filter.control)
OWN_CLUSTER=0
UPDATE_GOLDEN=0
[[ ${1:-} == --update-golden ]] && UPDATE_GOLDEN=1
PASSED=0
FAILED=0

cleanup() {
    if [[ -n ${PGPORT:-} ]]; then
        dropdb --if-exists "$DB_A" >/dev/null 2>&1
        dropdb --if-exists "$DB_B" >/dev/null 2>&1
        dropdb --if-exists "$DB_C" >/dev/null 2>&1
    fi
    if [[ $OWN_CLUSTER -eq 1 ]]; then pg_tmp_stop; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

ok() { echo "ok   $*"; PASSED=$((PASSED + 1)); }
fail() { echo "FAIL $*"; FAILED=$((FAILED + 1)); }
expect_eq() {  # expect_eq WHAT ACTUAL EXPECTED
    if [[ $2 == "$3" ]]; then ok "$1: $2"; else fail "$1: got '$2', expected '$3'"; fi
}
same_files() {  # same_files WHAT FILE1 FILE2: diff -u, the first 60 lines of a difference shown
    if [[ -s $2 ]] && diff -u "$2" "$3" >"$WORK/diff" 2>&1; then
        ok "$1"
    else
        fail "$1"
        [[ -s $2 ]] || echo "     ($2 is empty)"
        head -n 60 "$WORK/diff" | sed 's/^/     /'
    fi
}
q() {  # q DB SQL: one value, unaligned
    psql -X -q -At -v ON_ERROR_STOP=1 -d "$1" -c "$2"
}
catalog() {  # catalog DB OUT
    psql -X -q -At -v ON_ERROR_STOP=1 -d "$1" -f "$HERE/catalog.sql" >"$2" 2>"$2.err" || { cat "$2.err"; : >"$2"; }
}
load_data() {  # load_data DB
    psql -q -X -v ON_ERROR_STOP=1 -v scale=1 -d "$1" -f data/generate.sql >"$WORK/generate_$1.log" 2>&1 ||
        { fail "data/generate.sql into $1"; tail -n 20 "$WORK/generate_$1.log"; return 1; }
    ok "data/generate.sql (scale 1) into $1"
}
data_digest() {  # data_digest DB: one md5 per table over its rows in a fixed order
    local t
    for t in flow block_document work_pool work_queue concurrency_limit_v2 deployment deployment_schedule \
             flow_run task_run csrf_token; do
        echo "$t $(q "$1" "SELECT count(*) || ' ' || md5(coalesce(string_agg(x::text, E'\n' ORDER BY x::text), ''))
                            FROM prefect.$t x")"
    done
}

if [[ -z ${PGPORT:-} || -z ${PGHOST:-} ]]; then
    source scripts/pg_tmp.sh
    pg_tmp_start 56310 || exit 1
    OWN_CLUSTER=1
fi
export PGUSER=${PGUSER:-postgres}
DSN_A="host=$PGHOST port=$PGPORT user=$PGUSER dbname=$DB_A"
DSN_B="host=$PGHOST port=$PGPORT user=$PGUSER dbname=$DB_B"

# ------------------------------------------------------------------ 1. installed files
echo "== installed extension files"
expect_eq "default version" \
    "$(q postgres "SELECT default_version FROM pg_available_extensions WHERE name = 'prefect_filter'")" "$LATEST"
expect_eq "update path 0.1.0 -> $LATEST" \
    "$(q postgres "SELECT path FROM pg_extension_update_paths('prefect_filter') WHERE source = '0.1.0' AND target = '$LATEST'")" \
    "0.1.0--0.2.0--0.3.0--0.4.0--$LATEST"

# ------------------------------------------------------------------ 2. A: 0.1.0, data, upgrade
echo "== database A: CREATE EXTENSION prefect_filter VERSION '0.1.0', then ALTER EXTENSION UPDATE"
createdb "$DB_A" || exit 1
q "$DB_A" "CREATE EXTENSION pg_trgm" || exit 1
q "$DB_A" "CREATE EXTENSION prefect_filter VERSION '0.1.0'" >/dev/null || exit 1
expect_eq "A's version after CREATE EXTENSION ... VERSION '0.1.0'" \
    "$(q "$DB_A" "SELECT extversion FROM pg_extension WHERE extname = 'prefect_filter'")" "0.1.0"
catalog "$DB_A" "$WORK/catalog_a_0.1.0.txt"
same_files "A at 0.1.0 has the released 0.1.0's catalog ($HERE/catalog-0.1.0.txt)" \
    "$HERE/catalog-0.1.0.txt" "$WORK/catalog_a_0.1.0.txt"
load_data "$DB_A"
"$PY" "$HERE/check.py" answers "$DSN_A" "$WORK/answers_a_before.jsonl" ||
    fail "answers of A at 0.1.0"
echo "-- prepared statements across ALTER EXTENSION prefect_filter UPDATE"
if "$PY" "$HERE/check.py" prepared "$DSN_A"; then
    ok "prepared statements across the upgrade"
else
    fail "prepared statements across the upgrade"
fi
if [[ $(q "$DB_A" "SELECT extversion FROM pg_extension WHERE extname = 'prefect_filter'") == 0.1.0 ]]; then
    echo "     (check.py did not upgrade A; upgrading it here to continue)"
    q "$DB_A" "ALTER EXTENSION prefect_filter UPDATE"
fi
expect_eq "A's version after ALTER EXTENSION prefect_filter UPDATE" \
    "$(q "$DB_A" "SELECT extversion FROM pg_extension WHERE extname = 'prefect_filter'")" "$LATEST"
catalog "$DB_A" "$WORK/catalog_a.txt"
"$PY" "$HERE/check.py" answers "$DSN_A" "$WORK/answers_a_after.jsonl" ||
    fail "answers of A at $LATEST"
same_files "A's answers are the same before and after its upgrade" \
    "$WORK/answers_a_before.jsonl" "$WORK/answers_a_after.jsonl"

# ------------------------------------------------------------------ 3. B: fresh LATEST, same data
echo "== database B: CREATE EXTENSION prefect_filter"
createdb "$DB_B" || exit 1
q "$DB_B" "CREATE EXTENSION pg_trgm" || exit 1
q "$DB_B" "CREATE EXTENSION prefect_filter" >/dev/null || exit 1
expect_eq "B's version after CREATE EXTENSION prefect_filter" \
    "$(q "$DB_B" "SELECT extversion FROM pg_extension WHERE extname = 'prefect_filter'")" "$LATEST"
load_data "$DB_B"
catalog "$DB_B" "$WORK/catalog_b.txt"
[[ $UPDATE_GOLDEN -eq 1 ]] && cp "$WORK/catalog_b.txt" "$HERE/catalog-$LATEST.txt"

# ------------------------------------------------------------------ 4. compare
echo "== compare A (0.1.0 + ALTER EXTENSION UPDATE) with B (fresh $LATEST)"
same_files "A and B have identical catalogs ($(wc -l <"$WORK/catalog_b.txt") facts)" \
    "$WORK/catalog_a.txt" "$WORK/catalog_b.txt"
same_files "B's catalog is $LATEST's ($HERE/catalog-$LATEST.txt)" "$HERE/catalog-$LATEST.txt" "$WORK/catalog_b.txt"
same_files "A's catalog is $LATEST's ($HERE/catalog-$LATEST.txt)" "$HERE/catalog-$LATEST.txt" "$WORK/catalog_a.txt"
data_digest "$DB_A" >"$WORK/data_a.txt"
data_digest "$DB_B" >"$WORK/data_b.txt"
same_files "A and B hold the same rows (md5 per table)" "$WORK/data_a.txt" "$WORK/data_b.txt"
"$PY" "$HERE/check.py" answers "$DSN_B" "$WORK/answers_b.jsonl" || fail "answers of B"
same_files "A and B give the same answers ($(wc -l <"$WORK/answers_b.jsonl") calls)" \
    "$WORK/answers_a_after.jsonl" "$WORK/answers_b.jsonl"

# ------------------------------------------------------------------ 5. later versions' objects in A
echo "== 0.2.0 and later in the upgraded database A"
q "$DB_A" "INSERT INTO prefect.csrf_token (client, token, expiration) VALUES
             ('ui-1', 'tok-1', now() + interval '1 hour'), ('ui-old', 'tok-old', now() - interval '1 hour')"
expect_eq "csrf_token_for_client: valid, expired, unknown" \
    "$(q "$DB_A" "SELECT concat_ws(',', prefect.csrf_token_for_client('ui-1'),
                                    coalesce(prefect.csrf_token_for_client('ui-old'), 'null'),
                                    coalesce(prefect.csrf_token_for_client('nobody'), 'null'))")" "tok-1,null,null"
expect_eq "default_limit 3: rows of {}" \
    "$(q "$DB_A" "SET prefect_filter.default_limit = 3; SELECT json_array_length(prefect.deployments_filter('{}'))")" "3"
expect_eq "default_limit 3: limit 4" \
    "$(q "$DB_A" "SET prefect_filter.default_limit = 3; SELECT prefect.deployments_filter('{\"limit\": 4}')" 2>&1 |
       sed -n 's/^.*ERROR: *//p')" "limit: Invalid limit: must be less than or equal to 3."
expect_eq "csrf_token is a configuration table (pg_dump dumps its rows)" \
    "$(q "$DB_A" "SELECT 'prefect.csrf_token'::regclass = ANY (extconfig) FROM pg_extension WHERE extname = 'prefect_filter'")" "t"

expect_eq "deployments_validation_errors lists every error" \
    "$(q "$DB_A" "SELECT json_array_length(prefect.deployments_validation_errors('{\"sort\": 1, \"offset\": -1}') -> 'detail')")" "2"
expect_eq "datetime_parsing: pendulum by default, pydantic when set" \
    "$(q "$DB_A" "SELECT prefect.deployments_validation_errors('{\"flow_runs\": {\"end_time\": {\"after_\": \"x\"}}}') -> 'detail' -> 0 ->> 'type'")/$(
       q "$DB_A" "SET prefect_filter.datetime_parsing = pydantic; SELECT prefect.deployments_validation_errors('{\"flow_runs\": {\"end_time\": {\"after_\": \"x\"}}}') -> 'detail' -> 0 ->> 'type'")" \
    "value_error/datetime_from_date_parsing"

expect_eq "0.5.0: the stand-alone tables have every recommended index" \
    "$(q "$DB_A" "SELECT count(*) FROM prefect.recommended_indexes()")" "0"
expect_eq "0.4.0: lz4 for the wide jsonb columns when the server has it" \
    "$(q "$DB_A" "SELECT string_agg(attname || '=' || attcompression::text, ',' ORDER BY attname) FROM pg_attribute
                  WHERE attrelid = 'prefect.deployment'::regclass AND attcompression <> ''")" \
    "$(q "$DB_A" "SELECT CASE WHEN 'lz4' = ANY (enumvals) THEN 'infra_overrides=l,parameter_openapi_schema=l,parameters=l,pull_steps=l' END
                  FROM pg_settings WHERE name = 'default_toast_compression'")"

# ------------------------------------------------------------------ 6. C: 0.2.0, then UPDATE
echo "== database C: CREATE EXTENSION prefect_filter VERSION '0.2.0', then ALTER EXTENSION UPDATE"
createdb "$DB_C" || exit 1
q "$DB_C" "CREATE EXTENSION pg_trgm" || exit 1
q "$DB_C" "CREATE EXTENSION prefect_filter VERSION '0.2.0'" >/dev/null || exit 1
catalog "$DB_C" "$WORK/catalog_c_0.2.0.txt"
same_files "C at 0.2.0 has the released 0.2.0's catalog ($HERE/catalog-0.2.0.txt)" \
    "$HERE/catalog-0.2.0.txt" "$WORK/catalog_c_0.2.0.txt"
q "$DB_C" "ALTER EXTENSION prefect_filter UPDATE"
catalog "$DB_C" "$WORK/catalog_c.txt"
same_files "C after its upgrade has $LATEST's catalog" "$HERE/catalog-$LATEST.txt" "$WORK/catalog_c.txt"

echo "$PASSED passed, $FAILED failed"
[[ $FAILED -eq 0 ]]
