#!/usr/bin/env bash
# The rows of a stand-alone database (schema prefect) as statements that load them into a
# database Prefect migrated (schema public): same table and column names and order; triggers off,
# because the rows point at block_schema / flow_run_state rows that only Prefect's schema has
# tables for. csrf_token is left out (Prefect's is not the extension's copy).
#   rows_for_public.sh DATABASE > rows.sql      (PGHOST/PGPORT/PGUSER as for psql)
# Used by test/prefect_schema/run.sh and scripts/prefect_schema.sh.
set -euo pipefail
# (\restrict lines of newer pg_dump minor versions are left out: older psql refuse them)
pg_dump --data-only --disable-triggers -n prefect -T prefect.csrf_token -d "${1:?usage: rows_for_public.sh DATABASE}" |
    grep -v -e '^\\restrict ' -e '^\\unrestrict ' |
    sed -e 's/^COPY prefect\./COPY public./' -e 's/^ALTER TABLE prefect\./ALTER TABLE public./'
