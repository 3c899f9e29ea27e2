#!/usr/bin/env bash
# Tests the Debian packages built by scripts/package.sh (doc/packages.md):
#   installs them with dpkg -i, checks where their files are, creates the extension from the
#   installed files in a throwaway cluster, runs the installed /usr/bin/prefect-filter-http (as
#   the package's user, with the package's /etc/default file) and asks it one question, then
#   removes and purges both packages and checks that their files are gone.
#
#   test/package/run.sh [--build] [--installcheck] [DIR]
#
#   DIR             where the .deb files are (default build/packages)
#   --build         run scripts/package.sh first (also done when DIR holds no .deb)
#   --installcheck  also run the pg_regress suite (sql/, expected/) against the installed package
#
# Needs root (dpkg). Other work on this machine uses the extension as `make install` put it into
# the same PostgreSQL directories: the packages overwrite those files while installed, so this
# test keeps a copy of them and puts it back right after dpkg -r (a moment without them), or
# when it stops early. Ends with "package: N passed, N failed"; exits non-zero on a failure.
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
DIR=$ROOT/build/packages
BUILD=0
INSTALLCHECK=0
while (($#)); do
    case $1 in
        --build) BUILD=1 ;;
        --installcheck) INSTALLCHECK=1 ;;
        -h | --help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "unknown option $1" >&2; exit 2 ;;
        *) DIR=$(realpath -m "$1") ;;
    esac
    shift
done
[[ $(id -u) -eq 0 ]] || { echo "test/package/run.sh needs root (dpkg -i)" >&2; exit 2; }

PASSED=0
FAILED=0
ok() { echo "ok   $*"; PASSED=$((PASSED + 1)); }
fail() { echo "FAIL $*"; FAILED=$((FAILED + 1)); }
check() {  # check DESCRIPTION COMMAND...
    local what=$1; shift
    if "$@" >/dev/null 2>&1; then ok "$what"; else fail "$what"; fi
}
finish() {
    echo "package: $PASSED passed, $FAILED failed"
    ((FAILED == 0))
    exit $?
}

PGV=15
EXT_PKG=postgresql-$PGV-prefect-filter
HTTP_PKG=prefect-filter-http
if ((BUILD)) || ! compgen -G "$DIR/${EXT_PKG}_*.deb" >/dev/null; then
    echo "== scripts/package.sh --out $DIR"
    scripts/package.sh --out "$DIR" || { fail "scripts/package.sh"; finish; }
fi
EXT_DEB=$(ls "$DIR"/${EXT_PKG}_*.deb 2>/dev/null | head -n 1)
HTTP_DEB=$(ls "$DIR"/${HTTP_PKG}_*.deb 2>/dev/null | head -n 1)
[[ -f $EXT_DEB && -f $HTTP_DEB ]] || { fail "no $EXT_PKG and $HTTP_PKG .deb in $DIR"; finish; }
echo "== testing $(basename "$EXT_DEB") $(basename "$HTTP_DEB")"

LIBDIR=/usr/lib/postgresql/$PGV/lib
EXTDIR=/usr/share/postgresql/$PGV/extension
UNIT=/lib/systemd/system/prefect-filter-http.service
DEFAULTS=/etc/default/prefect-filter-http
WORK=$(mktemp -d /tmp/prefect_filter_pkgtest.XXXXXX)
chmod 755 "$WORK"
SERVER_PID=""

# --- the make-installed extension: keep a copy of every file the package will overwrite -----
installed() {  # installed PACKAGE: dpkg knows it (installed, half-installed, or its conffiles left)
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -qv "not-installed$"
}
for p in "$HTTP_PKG" "$EXT_PKG"; do  # a run that was killed half-way left them
    installed "$p" && { echo "purging $p left by an earlier run"; dpkg -P "$p" >/dev/null; }
done
mapfile -t EXT_FILES < <(dpkg-deb -c "$EXT_DEB" | awk '$1 !~ /^d/ {sub(/^\./, "", $6); print $6}')
SAVED=()
for f in "${EXT_FILES[@]}"; do
    [[ -f $f ]] || continue
    mkdir -p "$WORK/saved$(dirname "$f")"
    cp -a "$f" "$WORK/saved$f" && SAVED+=("$f")
done
RESTORED=0
restore_make_install() {  # the files as they were before the test, back into place (once)
    ((RESTORED)) && return 0
    RESTORED=1
    local f
    for f in "${SAVED[@]}"; do cp -a "$WORK/saved$f" "$f"; done
}
echo "kept a copy of ${#SAVED[@]} make-installed file(s) the package replaces"

source scripts/pg_tmp.sh
cleanup() {
    [[ -n $SERVER_PID ]] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
    pg_tmp_stop
    for p in "$HTTP_PKG" "$EXT_PKG"; do installed "$p" && dpkg -P "$p" >/dev/null 2>&1; done
    restore_make_install
    rm -rf "$WORK"
}
trap cleanup EXIT

# --- install -----------------------------------------------------------------------------------
echo "== dpkg -i"
if dpkg -i "$EXT_DEB" "$HTTP_DEB" >"$WORK/dpkg.log" 2>&1; then
    ok "dpkg -i both packages"
else
    # missing dependencies: let apt bring them and finish the configuration
    if DEBIAN_FRONTEND=noninteractive apt-get install -f -y -qq >>"$WORK/dpkg.log" 2>&1 &&
        installed "$EXT_PKG" && installed "$HTTP_PKG"; then
        ok "dpkg -i both packages (dependencies by apt-get install -f)"
    else
        cat "$WORK/dpkg.log"; fail "dpkg -i"; finish
    fi
fi
grep -i "warning" "$WORK/dpkg.log" && fail "dpkg -i printed warnings" || true

echo "== files"
check "extension library $LIBDIR/prefect_filter.so" test -f "$LIBDIR/prefect_filter.so"
check "extension control file in $EXTDIR" test -f "$EXTDIR/prefect_filter.control"
for sql in prefect_filter--*.sql; do
    check "install script $EXTDIR/$sql" cmp "$sql" "$EXTDIR/$sql"
done
check "extension files are the package's (dpkg --verify)" test -z "$(dpkg --verify "$EXT_PKG")"
check "server binary /usr/bin/prefect-filter-http" test -x /usr/bin/prefect-filter-http
check "systemd unit $UNIT" test -f "$UNIT"
check "unit installed disabled" test ! -e /etc/systemd/system/multi-user.target.wants/prefect-filter-http.service
check "defaults file $DEFAULTS is a conffile" grep -qx "$DEFAULTS" /var/lib/dpkg/info/$HTTP_PKG.conffiles
check "defaults file is root:prefect-filter 0640" test "$(stat -c '%U:%G %a' "$DEFAULTS")" = "root:prefect-filter 640"
check "man page prefect-filter-http(1)" test -f /usr/share/man/man1/prefect-filter-http.1.gz
check "man page renders" sh -c 'man -l /usr/share/man/man1/prefect-filter-http.1.gz 2>/dev/null | grep -q -- --listen'
check "system user prefect-filter" sh -c 'id -u prefect-filter && test "$(getent passwd prefect-filter | cut -d: -f7)" = /usr/sbin/nologin'
check "installed binary answers --version" sh -c '/usr/bin/prefect-filter-http --version | grep -q "^prefect-filter-http "'
# systemd-analyze checks the unit without a running systemd (the package systemd ships it).
command -v systemd-analyze >/dev/null || apt-get install -y -qq --no-install-recommends systemd >/dev/null 2>&1
if command -v systemd-analyze >/dev/null; then
    if systemd-analyze verify "$UNIT" >"$WORK/verify.log" 2>&1; then
        ok "systemd-analyze verify $UNIT"
    else
        cat "$WORK/verify.log"; fail "systemd-analyze verify $UNIT"
    fi
    exposure=$(systemd-analyze security --offline=yes "$UNIT" 2>/dev/null | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
    check "systemd-analyze security: exposure ${exposure:-?} (at most 2.0)" awk -v e="${exposure:-99}" 'BEGIN { exit !(e <= 2.0) }'
else
    fail "systemd-analyze is not installed and could not be installed: the unit is unchecked"
fi

# --- the extension from the installed files ------------------------------------------------
echo "== throwaway cluster"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
pg_tmp_start 55447 >/dev/null || { fail "throwaway cluster"; finish; }
ext_version=$(sed -n "s/^default_version *= *'\(.*\)'/\1/p" "$EXTDIR/prefect_filter.control")
got=$(psql -X -At -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION pg_trgm' \
    -c 'CREATE EXTENSION prefect_filter' \
    -c "SELECT extversion FROM pg_extension WHERE extname = 'prefect_filter'" 2>&1 | tail -n 1)
if [[ $got == "$ext_version" ]]; then ok "CREATE EXTENSION prefect_filter ($got)"; else fail "CREATE EXTENSION prefect_filter: $got"; fi
got=$(psql -X -At -c "SELECT prefect.deployments_count('{}')" 2>&1)
[[ $got == 0 ]] && ok "prefect.deployments_count('{}') = 0" || fail "prefect.deployments_count('{}'): $got"
got=$(psql -X -At -c "SELECT count(*) FROM pg_proc WHERE probin = '\$libdir/prefect_filter'" 2>&1)
[[ $got -gt 0 ]] 2>/dev/null && ok "functions load \$libdir/prefect_filter ($got)" || fail "functions' library: $got"
if ((INSTALLCHECK)); then
    # pg_regress itself, so that its output goes to $WORK and not into the shared work tree
    mapfile -t tests < <(ls sql/*.sql | sed 's|^sql/||; s|\.sql$||' | sort)
    if "$(dirname "$(pg_config --pgxs)")/../test/regress/pg_regress" --inputdir="$ROOT" \
        --outputdir="$WORK/regress" --bindir="$PG_BINDIR" --load-extension=pg_trgm \
        --load-extension=prefect_filter "${tests[@]}" >"$WORK/installcheck.log" 2>&1; then
        ok "pg_regress (${#tests[@]} tests) against the package"
    else
        tail -n 20 "$WORK/installcheck.log"; head -n 80 "$WORK/regress/regression.diffs" 2>/dev/null
        fail "pg_regress against the package"
    fi
fi

# --- the installed server, as the unit runs it --------------------------------------------
echo "== /usr/bin/prefect-filter-http on 127.0.0.1:$port"
# The unit's environment: $DEFAULTS as systemd reads it (the shipped file holds only plain
# assignments, so the shell reads it the same way), then ExecStart's $PREFECT_FILTER_HTTP_ARGS.
env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
    setpriv --reuid=prefect-filter --regid=prefect-filter --init-groups --no-new-privs -- \
    sh -c 'set -a; . "$1"; shift; exec /usr/bin/prefect-filter-http $PREFECT_FILTER_HTTP_ARGS "$@"' \
    sh "$DEFAULTS" --db "host=$PGHOST port=$PGPORT dbname=postgres user=postgres" --listen "127.0.0.1:$port" \
    --pool 2 >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
up=0
for _ in $(seq 1 100); do
    curl -sf -o /dev/null "http://127.0.0.1:$port/api/health" && { up=1; break; }
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
done
if ((up)); then ok "server up (GET /api/health)"; else cat "$WORK/server.log"; fail "server up"; fi
answer=$(curl -s -w '\n%{http_code}' -X POST -H 'Content-Type: application/json' -d '{}' \
    "http://127.0.0.1:$port/api/deployments/count")
[[ $answer == $'0\n200' ]] && ok "POST /api/deployments/count {} -> 200 0" ||
    fail "POST /api/deployments/count {} -> $(tr '\n' ' ' <<<"$answer")"
check "server runs as prefect-filter" test "$(ps -o uid= -p "$SERVER_PID" | tr -d ' ')" = "$(id -u prefect-filter)"
kill -TERM "$SERVER_PID" 2>/dev/null
wait "$SERVER_PID"
rc=$?
SERVER_PID=""
[[ $rc -eq 0 ]] && ok "SIGTERM: server exits 0" || { cat "$WORK/server.log"; fail "SIGTERM: server exit status $rc"; }
pg_tmp_stop

# --- remove, then purge ----------------------------------------------------------------------
echo "== dpkg -r, dpkg -P"
if dpkg -r "$HTTP_PKG" "$EXT_PKG" >"$WORK/remove.log" 2>&1; then ok "dpkg -r both packages"; else cat "$WORK/remove.log"; fail "dpkg -r"; fi
check "binary gone after remove" test ! -e /usr/bin/prefect-filter-http
check "unit gone after remove" test ! -e "$UNIT"
check "extension library gone after remove" test ! -e "$LIBDIR/prefect_filter.so"
check "extension control file gone after remove" test ! -e "$EXTDIR/prefect_filter.control"
check "defaults file kept after remove (conffile)" test -f "$DEFAULTS"
restore_make_install  # the make-installed extension back at once: others use it
if dpkg -P "$HTTP_PKG" "$EXT_PKG" >"$WORK/purge.log" 2>&1; then ok "dpkg -P both packages"; else cat "$WORK/purge.log"; fail "dpkg -P"; fi
check "defaults file gone after purge" test ! -e "$DEFAULTS"
if installed "$HTTP_PKG" || installed "$EXT_PKG"; then fail "dpkg still knows a package"; else ok "no trace in dpkg's database"; fi
finish
