#!/usr/bin/env bash
# The demo: build and install prefect_filter, start a throwaway PostgreSQL 15, load a sample
# Prefect database, call prefect.deployments_filter with an example body, print the JSON, and
# clean up. Usage: scripts/demo.sh ['<json body>']
set -euo pipefail
cd "$(dirname "$0")/.."
BODY=${1:-'{"deployments": {"tags": {"all_": ["prod"]}}, "flow_runs": {"state": {"type": {"any_": ["COMPLETED"]}}}, "sort": "NAME_ASC", "limit": 2}'}

scripts/install_deps.sh
echo "== building and installing"
scripts/build.sh
source scripts/pg_tmp.sh
trap pg_tmp_stop EXIT
pg_tmp_start 55433
echo "== loading sample data (scale 1)"
psql -q -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION pg_trgm; CREATE EXTENSION prefect_filter;'
psql -q -v ON_ERROR_STOP=1 -v scale=1 -f data/generate.sql >/dev/null
echo "== SELECT prefect.deployments_filter('$BODY')"
psql -v ON_ERROR_STOP=1 -At -v body="$BODY" <<'SQL'
SELECT prefect.deployments_filter(:'body'::jsonb);
SELECT 'count: ' || prefect.deployments_count(:'body'::jsonb);
SQL
