#!/usr/bin/env bash
# Instructions per call, counted by callgrind: a measure that this shared, noisy machine does not
# move (a wall-clock A/B of two builds swung ±30 % on a call neither build changed). Each case
# runs in a single-user backend under valgrind: 20 warm-up calls (the render cache fills), then
# the counted calls; (instructions with N calls − instructions with none) / N.
#
#   bench/instructions.sh OUT.md DATADIR DATABASE [LIB.so ...]
#
# DATADIR is the data directory of a *stopped* cluster (single-user mode needs it to itself; a
# copy of bench/run.sh's with BENCH_KEEP=1, or any cluster with a dataset in DATABASE). Each LIB
# (default: the installed prefect_filter.so) is installed in turn, the installed library being
# put back at the end; libraries must be builds of the installed extension version. Needs
# valgrind (Debian: valgrind). Run as root (the backend runs as the data directory's owner) or
# as that owner.
set -euo pipefail
OUT=${1:?usage: bench/instructions.sh OUT.md DATADIR DATABASE [LIB.so ...]}
DATADIR=${2:?data directory of a stopped cluster}
DB=${3:?database with a dataset}
shift 3
CALLS=${INSTRUCTIONS_CALLS:-50}
command -v valgrind >/dev/null || { echo "instructions: valgrind not found (apt-get install valgrind)" >&2; exit 1; }
BINDIR=$(pg_config --bindir)
INSTALLED=$(pg_config --pkglibdir)/prefect_filter.so
[[ -f $DATADIR/postmaster.pid ]] && { echo "instructions: $DATADIR is in use: stop its server first" >&2; exit 1; }
OWNER=$(stat -c %U "$DATADIR")
WORK=$(mktemp -d /tmp/pf_instructions.XXXXXX)
chmod 755 "$WORK"
chown "$OWNER" "$WORK" 2>/dev/null || true  # the backend writes its callgrind files here
cp "$INSTALLED" "$WORK/installed.so"
restore() {
    cp "$WORK/installed.so" "$INSTALLED.pf_tmp" && mv "$INSTALLED.pf_tmp" "$INSTALLED"
    rm -rf "$WORK"
}
trap restore EXIT
LIBS=("$@")
[[ ${#LIBS[@]} -eq 0 ]] && LIBS=("$WORK/installed.so")
# Each LIB is copied over the installed path in turn, so that path itself would be measured as
# whatever was copied there last: pass a copy instead.
for lib in "${LIBS[@]}"; do
    if [[ $(realpath "$lib") == $(realpath "$INSTALLED") ]]; then
        echo "instructions: $lib is the installed library, which each case overwrites: pass a copy of it" >&2
        exit 2
    fi
done
as_owner() { if [[ $(id -un) == "$OWNER" ]]; then "$@"; else runuser -u "$OWNER" -- "$@"; fi; }

CASES=(
    'paginate|{"sort": "NAME_ASC", "limit": 100, "page": 1}|UI page (paginate, 100 rows)'
    'filter|{}|default page (200 rows)'
    'filter|{"limit": 100}|100-row page'
    'filter|{"limit": 1}|1-row page'
    'count|{}|count {}'
    'filter|{"deployments": {"tags": {"any_": ["prod"]}, "paused": {"eq_": false}}, "flows": {"name": {"like_": "etl"}}, "work_pools": {"type": {"any_": ["kubernetes", "docker"]}}, "flow_runs": {"state": {"type": {"any_": ["COMPLETED"]}}}}|combo4 (4 filters, 34 rows)'
    'count|{"flows": {"tags": {"is_null_": false}}}|count, flows with tags'
    'count|{"work_pools": {"type": {"any_": ["kubernetes", "docker", "ecs", "cloud-run", "process"]}}}|count, pools of 5 types'
)

instructions() {  # lib fn body calls -> total Ir of the backend
    local lib=$1 fn=$2 body=$3 n=$4 call
    cp "$lib" "$INSTALLED.pf_tmp" && mv "$INSTALLED.pf_tmp" "$INSTALLED"
    if [[ $fn == count ]]; then call="c := prefect.deployments_count('$body')"; else call="r := prefect.deployments_$fn('$body')"; fi
    {
        echo "DO \$\$ DECLARE r json; c bigint; BEGIN FOR i IN 1..20 LOOP $call; END LOOP; END \$\$;"
        echo "DO \$\$ DECLARE r json; c bigint; BEGIN FOR i IN 1..$n LOOP $call; END LOOP; END \$\$;"
    } >"$WORK/in.sql"
    chmod 644 "$WORK/in.sql"
    rm -f "$WORK"/cg.*
    as_owner valgrind --tool=callgrind --cache-sim=no --callgrind-out-file="$WORK/cg.%p" \
        "$BINDIR/postgres" --single -D "$DATADIR" "$DB" <"$WORK/in.sql" >"$WORK/log" 2>&1
    if grep -q "ERROR:" "$WORK/log"; then
        grep -m1 "ERROR:" "$WORK/log" >&2
        exit 1
    fi
    grep -h '^summary:' "$WORK"/cg.* | awk '{print $2}'
}

{
    echo "# Instructions per call"
    echo
    echo "$(date -u '+%Y-%m-%d %H:%M') UTC, database \`$DB\` (bench/instructions.sh): callgrind's instruction count of a"
    echo "single-user backend, ($CALLS calls − none) / $CALLS, after 20 warm-up calls (render cache on)."
    echo
    printf '| case |'
    for lib in "${LIBS[@]}"; do printf ' %s |' "$(basename "$lib")"; done
    echo
    printf '|---|'
    for _ in "${LIBS[@]}"; do printf -- '---:|'; done
    echo
} >"$OUT"

for c in "${CASES[@]}"; do
    IFS='|' read -r fn body label <<<"$c"
    row="| $label |"
    for lib in "${LIBS[@]}"; do
        none=$(instructions "$lib" "$fn" "$body" 0)
        some=$(instructions "$lib" "$fn" "$body" "$CALLS")
        row+=" $(( (some - none) / CALLS )) |"
    done
    echo "$row" >>"$OUT"
    echo "instructions: $label done" >&2
done
echo "instructions: wrote $OUT"
