#!/usr/bin/env bash
# Property-based differential test of prefect.deployments_filter/_count/_paginate against an
# independent Python evaluator (see property_test.py). Expects PGHOST/PGPORT/PGUSER (and
# optionally PGDATABASE) to point at a throwaway cluster where pg_trgm and prefect_filter are
# installable. Creates its own database, drops it at the end. Extra arguments are passed to
# property_test.py (e.g. --seed 7 --bodies 20000).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
DB=${PROP_TEST_DB:-prop_test}
PY=/usr/bin/python3   # Debian's python3 with python3-psycopg2 (not the one first on PATH)

dropdb --if-exists "$DB" >/dev/null 2>&1
createdb "$DB" || { echo "property test: cannot create database $DB"; exit 1; }
cleanup() { dropdb --if-exists "$DB" >/dev/null 2>&1; }
trap cleanup EXIT

psql -X -q -v ON_ERROR_STOP=1 -d "$DB" \
    -c "SET client_min_messages = warning" \
    -c "CREATE EXTENSION pg_trgm" \
    -c "CREATE EXTENSION prefect_filter" ||
    { echo "property test: cannot create the extensions in $DB"; exit 1; }

PGDATABASE=$DB "$PY" "$HERE/property_test.py" "$@"
