#!/usr/bin/env bash
# Regenerates test/prefect_schema/: Prefect's own PostgreSQL schema, built by running Prefect's
# migration scripts, described as text, and compared with the extension's schema.
#
#   scripts/prefect_schema.sh [TAG ...]     (as root; default: every release tag 3.7.N and 3.8.N,
#                                            and the tag at the repository's HEAD)
#
# For each tag: extracts src/prefect/server/database/_migrations from Prefect's git repository
# (PREFECT_REPO, default /work/.mirror/PrefectHQ+prefect/repo, a bare clone), finds the
# PostgreSQL alembic head (harness/heads.py: the revision no other names as down_revision,
# tuple down_revisions followed), runs the migration scripts up to it against a fresh database
# of a throwaway PostgreSQL 15 (harness/migrate.py: Debian's alembic + SQLAlchemy 1.4, an env.py
# of our own and a stand-in `prefect` package; see test/prefect_schema/README.md), checks
# alembic_version is the head, and describes schema public with test/prefect_schema/catalog.sql.
# Tags that share a head must give identical catalogs (checked). Then describes schema prefect
# of a database with CREATE EXTENSION pg_trgm; CREATE EXTENSION prefect_filter (the installed
# extension: run `make install` / scripts/build.sh first) and writes DIFF.md (harness/compare.py
# with test/prefect_schema/reads.tsv).
# Same rows, both layouts: for one tag per head, the rows of data/generate.sql (scale 1) in a
# stand-alone database are loaded into the migrated database's tables (as test/prefect_schema/
# run.sh loads them into the recorded schemas), the migrated database gets CREATE EXTENSION
# prefect_filter (which serves public's tables there), and prefect_database.py answers checks that
# deployments_filter/count/paginate give identical answers in both databases for every body of
# test/prefect_schema/bodies.jsonl. The result goes into DIFF.md.
#
# Writes test/prefect_schema/{heads.tsv, catalog-<head>.txt, catalog-extension.txt, DIFF.md};
# catalog-<head>.txt files of heads no longer listed are removed. Needs no network.
#
# Debian packages (installed here with apt-get when missing):
#   python3-alembic (1.8.1) python3-sqlalchemy (1.4.46) python3-psycopg2 python3-slugify
#   postgresql-15 (scripts/install_deps.sh)
# Environment: PREFECT_REPO, PF_SCHEMA_PORT (default 56500).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/test/prefect_schema
HARNESS=$OUT/harness
PY=/usr/bin/python3
export PYTHONDONTWRITEBYTECODE=1
PREFECT_REPO=${PREFECT_REPO:-/work/.mirror/PrefectHQ+prefect/repo}
PORT=${PF_SCHEMA_PORT:-56500}
MIGRATIONS=src/prefect/server/database/_migrations
VERSIONS=$MIGRATIONS/versions/postgresql

if ! "$PY" -c 'import alembic, sqlalchemy, psycopg2, slugify' 2>/dev/null; then
    [[ $(id -u) -eq 0 ]] || { echo "missing Python packages; run as root to install them" >&2; exit 1; }
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
        python3-alembic python3-sqlalchemy python3-psycopg2 python3-slugify >/dev/null
fi
"$PY" -c 'import sqlalchemy, alembic; print("SQLAlchemy", sqlalchemy.__version__, "alembic", alembic.__version__)'

if [[ $# -gt 0 ]]; then
    TAGS=("$@")
else
    # every release, and the tag at the repository's HEAD: the source the extension mirrors
    # (prefect_filter--0.1.0.sql), whose migrations may end at a head no release has yet
    mapfile -t TAGS < <({ git -C "$PREFECT_REPO" tag --list '3.7.*' '3.8.*' | grep -E '^3\.(7|8)\.[0-9]+$'
                          git -C "$PREFECT_REPO" tag --points-at HEAD | grep -E '^3\.'; } | sort -uV)
fi
[[ ${#TAGS[@]} -gt 0 ]] || { echo "no tags" >&2; exit 1; }

WORK=$(mktemp -d /tmp/pf_prefect_schema.XXXXXX)
chmod 755 "$WORK"
# shellcheck source=scripts/pg_tmp.sh
source "$ROOT/scripts/pg_tmp.sh"
cleanup() { pg_tmp_stop; rm -rf "$WORK"; }
trap cleanup EXIT
pg_tmp_start "$PORT"
URL_BASE="postgresql+psycopg2://postgres@/%s?host=$PGHOST&port=$PGPORT"

describe() {  # describe DATABASE SCHEMA OUTFILE
    psql -X -q -v ON_ERROR_STOP=1 -v schema="$2" -d "$1" -f "$OUT/catalog.sql" >"$3"
}

# The rows: a stand-alone database, and its rows as statements for Prefect's tables.
createdb pf_schema_rows
psql -X -q -v ON_ERROR_STOP=1 -d pf_schema_rows -c 'CREATE EXTENSION pg_trgm' -c 'CREATE EXTENSION prefect_filter'
psql -X -q -v ON_ERROR_STOP=1 -v scale=1 -d pf_schema_rows -f "$ROOT/data/generate.sql" >/dev/null
"$HARNESS/rows_for_public.sh" pf_schema_rows >"$WORK/rows.sql"

HEADS_NEW=$WORK/heads.tsv
printf '# tag\thead (PostgreSQL alembic head of the tag'"'"'s migration scripts; scripts/prefect_schema.sh)\n' >"$HEADS_NEW"
declare -A CATALOG_OF_HEAD
for tag in "${TAGS[@]}"; do
    dir=$WORK/src-$tag
    mkdir -p "$dir"
    git -C "$PREFECT_REPO" rev-parse -q --verify "refs/tags/$tag" >/dev/null || { echo "no tag $tag" >&2; exit 1; }
    # (git archive may print "invalid object" for unrelated large files absent from the mirror)
    git -C "$PREFECT_REPO" archive "$tag" "$MIGRATIONS" 2>/dev/null | tar -x -C "$dir"
    want=$(git -C "$PREFECT_REPO" ls-tree -r --name-only "$tag" "$VERSIONS" | grep -c '\.py$')
    have=$(find "$dir/$VERSIONS" -maxdepth 1 -name '*.py' | wc -l)
    [[ $want -eq $have && $have -gt 0 ]] || { echo "$tag: extracted $have of $want migration files" >&2; exit 1; }
    head=$("$PY" "$HARNESS/heads.py" "$dir/$VERSIONS") || { echo "$tag: not exactly one head: $head" >&2; exit 1; }
    printf '%s\t%s\n' "$tag" "$head" >>"$HEADS_NEW"

    db=pf_schema_$(echo "$tag" | tr -c 'a-z0-9\n' '_')
    createdb "$db"
    # shellcheck disable=SC2059
    if ! "$PY" "$HARNESS/migrate.py" "$dir/$VERSIONS" "$(printf "$URL_BASE" "$db")" 2>"$WORK/migrate-$tag.log"; then
        echo "$tag: migrations failed:" >&2; tail -40 "$WORK/migrate-$tag.log" >&2; exit 1
    fi
    ran=$(grep -c 'Running upgrade' "$WORK/migrate-$tag.log" || true)
    shims=$(grep 'applied shim' "$WORK/migrate-$tag.log" | sed 's/.*applied shim: //' | paste -sd';' || true)
    version=$(psql -X -At -d "$db" -c 'SELECT string_agg(version_num, $$,$$) FROM alembic_version')
    [[ $version == "$head" ]] || { echo "$tag: alembic_version is '$version', expected $head" >&2; exit 1; }
    describe "$db" public "$WORK/catalog-$tag.txt"
    echo "$tag: head $head, $ran migrations ran, $(wc -l <"$WORK/catalog-$tag.txt") catalog lines, shims: ${shims:-none}"
    if [[ -z ${CATALOG_OF_HEAD[$head]:-} ]]; then
        # the DDL itself, so that tests can lay a database out as Prefect's migrations do
        # (pg_dump --schema-only, plus the alembic_version row)
        { echo "-- Prefect's PostgreSQL schema at alembic head $head (first tag: $tag), as its own"
          echo "-- migrations create it; generated by scripts/prefect_schema.sh. Do not edit."
          # (\restrict lines of newer pg_dump minor versions are left out: older psql refuse them)
          pg_dump --schema-only --no-owner --no-privileges --no-comments -d "$db" |
              grep -v -e '^SELECT pg_catalog.set_config' -e '^\\restrict ' -e '^\\unrestrict '
          echo "INSERT INTO public.alembic_version (version_num) VALUES ('$head');"
        } >"$WORK/schema-$head.sql"
        # same rows, both layouts (once per head)
        psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c 'CREATE EXTENSION prefect_filter'
        psql -X -q -v ON_ERROR_STOP=1 -d "$db" -f "$WORK/rows.sql" >/dev/null
        psql -X -q -d "$db" -c 'ANALYZE'
        "$PY" "$OUT/prefect_database.py" answers --source "host=$PGHOST port=$PGPORT user=postgres dbname=pf_schema_rows" \
            --prefect "host=$PGHOST port=$PGPORT user=postgres dbname=$db" --bodies "$OUT/bodies.jsonl" \
            >"$WORK/answers-$head.txt" || { echo "$tag: answers differ between the layouts:" >&2; cat "$WORK/answers-$head.txt" >&2; exit 1; }
        same=$(sed -n 's/^ok   \([0-9]* answers identical.*\)/\1/p' "$WORK/answers-$head.txt")
        printf '%s\t%s (tag %s)\n' "$head" "$same" "$tag" >>"$WORK/answers.tsv"
        echo "$tag: same rows in both layouts: $same"
    fi
    dropdb "$db"
    if [[ -n ${CATALOG_OF_HEAD[$head]:-} ]]; then
        cmp -s "${CATALOG_OF_HEAD[$head]}" "$WORK/catalog-$tag.txt" ||
            { echo "$tag: same head $head as another tag but a different catalog:" >&2
              diff "${CATALOG_OF_HEAD[$head]}" "$WORK/catalog-$tag.txt" >&2; exit 1; }
    else
        CATALOG_OF_HEAD[$head]=$WORK/catalog-$tag.txt
    fi
done

createdb pf_schema_extension
psql -X -q -v ON_ERROR_STOP=1 -d pf_schema_extension \
    -c 'CREATE EXTENSION pg_trgm' -c 'CREATE EXTENSION prefect_filter'
describe pf_schema_extension prefect "$WORK/catalog-extension.txt"
dropdb pf_schema_extension

# Write the results (only now, so a failed run leaves the previous ones in place).
for f in "$OUT"/catalog-*.txt; do
    [[ -e $f ]] || continue
    base=$(basename "$f" .txt); base=${base#catalog-}
    [[ $base == extension || -n ${CATALOG_OF_HEAD[$base]:-} ]] || rm -f "$f"
done
for head in "${!CATALOG_OF_HEAD[@]}"; do
    cp "${CATALOG_OF_HEAD[$head]}" "$OUT/catalog-$head.txt"
    cp "$WORK/schema-$head.sql" "$OUT/schema-$head.sql"
done
cp "$WORK/catalog-extension.txt" "$OUT/catalog-extension.txt"
cp "$HEADS_NEW" "$OUT/heads.tsv"
"$PY" "$HARNESS/compare.py" "$OUT/reads.tsv" "$OUT/catalog-extension.txt" "$OUT/heads.tsv" "$OUT" \
    "$WORK/answers.tsv" >"$WORK/DIFF.md"
cp "$WORK/DIFF.md" "$OUT/DIFF.md"
echo "wrote $OUT/{heads.tsv,catalog-*.txt,DIFF.md}"
grep -A3 '^### Could change an answer' "$OUT/DIFF.md" | grep -v '^--$' || true
