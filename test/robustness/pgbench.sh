#!/usr/bin/env bash
# Concurrency: pgbench mixes the four functions with concurrent INSERT / UPDATE / DELETE on
# deployment, deployment_schedule and flow_run, and checks every paginate call and every
# REPEATABLE READ snapshot for consistency (test/robustness/pgbench/*.sql).
#
#   test/robustness/pgbench.sh [SECONDS=120]
#     env: CLIENTS (4), THREADS (2), SCALE (1, data/generate.sql), ROBUST_BENCH_DB (robust_bench),
#          KEEP_DB=1 to keep the database afterwards
#
# Needs PGHOST/PGPORT/PGUSER of a cluster where CREATE EXTENSION prefect_filter works (e.g.
# `source scripts/pg_tmp.sh && pg_tmp_start 56051`). Creates and drops its own database. Fails
# (exit 1) on any pgbench error, failed or aborted transaction, or inconsistent answer.
#
# Scripts and weights:
#   paginate.sql@10         one paginate call, checked in itself (count >= results, pages, page size)
#   snapshot.sql@2          REPEATABLE READ: count = paginate's count = every row of the filter, read
#                           page by page; no duplicate; paginate's page 1 = filter's offset 0
#   read.sql@4              filter + count + filter_sql
#   write_deployment.sql@3  insert (with 2 schedules) / update / delete a deployment, or update a schedule
#   write_flow_run.sql@3    insert / update / delete a flow run
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SECS=${1:-120}
CLIENTS=${CLIENTS:-4}
THREADS=${THREADS:-2}
SCALE=${SCALE:-1}
DB=${ROBUST_BENCH_DB:-robust_bench}
PY=/usr/bin/python3
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }  # seconds since date +%s.%N
OUT=$(mktemp /tmp/robust_pgbench.XXXXXX)
cleanup() {
    rm -f "$OUT"
    [[ ${KEEP_DB:-0} == 1 ]] || (cd "$HERE" && $PY -c "import lib; lib.drop_database('$DB')") || true
}
trap cleanup EXIT

t0=$(date +%s.%N)
(cd "$HERE" && $PY -c "import lib; lib.create_database('$DB'); lib.generate_data('$DB', $SCALE)")
psql -X -q -v ON_ERROR_STOP=1 -d "$DB" -f "$HERE/pgbench/setup.sql"
psql -X -q -v ON_ERROR_STOP=1 -d "$DB" -c "ALTER DATABASE \"$DB\" SET statement_timeout = '60s'"
before=$(psql -X -At -d "$DB" -c "SELECT (SELECT count(*) FROM prefect.deployment) || ' deployments, ' ||
    (SELECT count(*) FROM prefect.deployment_schedule) || ' schedules, ' || (SELECT count(*) FROM prefect.flow_run) ||
    ' flow runs'")
printf 'pgbench: %s (scale %s): %s; setup %.1f s\n' "$DB" "$SCALE" "$before" "$(since "$t0")"

set +e
pgbench -n -c "$CLIENTS" -j "$THREADS" -T "$SECS" -P "$(( SECS >= 60 ? 30 : SECS ))" \
    -f "$HERE/pgbench/paginate.sql@10" -f "$HERE/pgbench/snapshot.sql@2" -f "$HERE/pgbench/read.sql@4" \
    -f "$HERE/pgbench/write_deployment.sql@3" -f "$HERE/pgbench/write_flow_run.sql@3" \
    "$DB" >"$OUT" 2>&1
rc=$?
set -e

# the figures
grep -E "^(number of clients|duration|number of transactions actually processed|number of failed transactions|latency average|tps)" "$OUT" | sed 's/^/  /'
grep -E "^SQL script [0-9]+:|^ - [0-9]+ transactions|^ - number of failed" "$OUT" | sed 's/^/  /'
failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$OUT")
if [[ $rc -ne 0 || -z $failed || $failed != 0 ]] || grep -qE "aborted|ERROR" "$OUT"; then
    echo "FAIL: pgbench exit status $rc, failed transactions '${failed:-?}':"
    grep -E "aborted|ERROR|error" "$OUT" | head -20
    exit 1
fi

# afterwards, with the writers gone: the functions agree with plain SQL on the changed data
psql -X -At -v ON_ERROR_STOP=1 -d "$DB" <<'SQL' | sed 's/^/  /'
DO $$
DECLARE a bigint; b bigint;
BEGIN
  a := prefect.deployments_count('{}');
  b := (SELECT count(*) FROM prefect.deployment);
  IF a <> b THEN RAISE EXCEPTION 'count % <> % rows', a, b; END IF;
  a := prefect.deployments_count('{"flow_runs": {"tags": {"all_": ["robust"]}}}');
  b := (SELECT count(*) FROM prefect.deployment d WHERE EXISTS (SELECT 1 FROM prefect.flow_run fr
         WHERE fr.deployment_id = d.id AND fr.tags ? 'robust'));
  IF a <> b THEN RAISE EXCEPTION 'flow run count % <> %', a, b; END IF;
  a := json_array_length(prefect.deployments_filter('{"deployments": {"paused": {"eq_": true}}, "limit": 200}'));
  b := least(200, (SELECT count(*) FROM prefect.deployment WHERE paused));
  IF a <> b THEN RAISE EXCEPTION 'paused % <> %', a, b; END IF;
END $$;
SELECT 'after: ' || (SELECT count(*) FROM prefect.deployment) || ' deployments, ' ||
       (SELECT count(*) FROM prefect.deployment_schedule) || ' schedules, ' ||
       (SELECT count(*) FROM prefect.flow_run) || ' flow runs; functions agree with plain SQL';
SQL
echo "pgbench: 0 errors, 0 failed transactions, every paginate and snapshot check passed"
