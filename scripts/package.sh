#!/usr/bin/env bash
# Builds the Debian packages (debian/, doc/packages.md) from a clean copy of the tree:
#   postgresql-15-prefect-filter   the extension (pg_buildext, one package per debian/pgversions)
#   prefect-filter-http            the HTTP server, its systemd unit, /etc/default file, man page
# then runs lintian on them and fails on any lintian error (warnings are listed, not fatal).
#
#   scripts/package.sh [--ref REV] [--check] [--out DIR]
#
#   --ref REV   build the files of commit REV (git archive) instead of the working tree's
#               tracked and new, not ignored files (the default: what you are about to commit)
#   --check     also build and run the unit tests at package build time (default: the build
#               uses DEB_BUILD_OPTIONS=nocheck; test/package/run.sh tests the built packages)
#   --out DIR   where the .deb files go (default build/packages; older packages there are removed)
#
# Installs the missing build dependencies with apt-get (as root, or through sudo).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
REF=""
CHECK=0
OUT=$ROOT/build/packages
while (($#)); do
    case $1 in
        --ref) REF=$2; shift 2 ;;
        --check) CHECK=1; shift ;;
        --out) OUT=$(realpath -m "$2"); shift 2 ;;
        -h | --help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done

SUDO=""; [[ $(id -u) -eq 0 ]] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
apt_updated=0
apt_install() {  # apt_install PACKAGE...: the ordinary client, quiet
    ((apt_updated)) || { $SUDO apt-get update -qq; apt_updated=1; }
    echo "installing: $*"
    $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# The tools that read debian/ at all; then the Build-Depends, as dpkg-checkbuilddeps reads them.
tools=()
for p in dpkg-dev debhelper lintian postgresql-server-dev-all; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || tools+=("$p")
done
((${#tools[@]} == 0)) || apt_install "${tools[@]}"

PROFILES=()
if ((CHECK)); then
    export DEB_BUILD_OPTIONS="parallel=$(nproc)"
else
    export DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)"
    PROFILES=(-Pnocheck)
fi
if ! unmet=$(dpkg-checkbuilddeps "${PROFILES[@]}" 2>&1); then
    # "dpkg-checkbuilddeps: error: Unmet build dependencies: a (>= 1) b | c" -> the first of each
    deps=$(sed -n 's/.*Unmet build dependencies: //p' <<<"$unmet" |
        sed -E 's/\([^)]*\)//g; s/ *\| *[^ ]+//g; s/<[^>]*>//g; s/:any//g')
    [[ -n $deps ]] || { echo "$unmet" >&2; exit 1; }
    # shellcheck disable=SC2086
    apt_install $deps
    dpkg-checkbuilddeps "${PROFILES[@]}"
fi

# The package version must be the extension's: ALTER EXTENSION ... UPDATE follows the package.
ext_version=$(sed -n "s/^default_version *= *'\(.*\)'/\1/p" prefect_filter.control)
deb_version=$(dpkg-parsechangelog -S Version)
if [[ ${deb_version%%[-+~]*} != "$ext_version" ]]; then
    echo "debian/changelog is at $deb_version but prefect_filter.control at $ext_version:" >&2
    echo "add a changelog entry (dch -v $ext_version) before packaging" >&2
    exit 1
fi

WORK=$(mktemp -d /tmp/prefect_filter_pkg.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
SRC=$WORK/prefect-filter-$deb_version
mkdir -p "$SRC"
if [[ -n $REF ]]; then
    echo "== source: git archive $REF"
    git archive --format=tar "$REF" | tar -x -C "$SRC"
else
    echo "== source: the working tree's tracked and new files (not ignored)"
    git ls-files -z --cached --others --exclude-standard |
        while IFS= read -r -d '' f; do [[ -e $f || -L $f ]] && printf '%s\0' "$f"; done |
        tar --null -T - -cf - | tar -x -C "$SRC"
fi
[[ -f $SRC/debian/rules ]] || { echo "no debian/ in that tree" >&2; exit 1; }

echo "== dpkg-buildpackage -us -uc -b (DEB_BUILD_OPTIONS=$DEB_BUILD_OPTIONS)"
start=$SECONDS
if ! (cd "$SRC" && dpkg-buildpackage -us -uc -b "${PROFILES[@]}") >"$WORK/build.log" 2>&1; then
    tail -n 60 "$WORK/build.log"
    echo "package build FAILED (log above)" >&2
    exit 1
fi
echo "built in $((SECONDS - start)) s"

mkdir -p "$OUT"
rm -f "$OUT"/*.deb "$OUT"/*.changes "$OUT"/*.buildinfo "$OUT"/build.log "$OUT"/lintian.txt
cp "$WORK"/*.deb "$WORK"/*.changes "$WORK"/*.buildinfo "$OUT"/
cp "$WORK/build.log" "$OUT/build.log"

echo "== lintian"
changes=$(ls "$OUT"/*.changes)
lintian_rc=0
lintian --fail-on error --display-info "$changes" >"$OUT/lintian.txt" 2>&1 || lintian_rc=$?
errors=$(grep -c '^E: ' "$OUT/lintian.txt" || true)
warnings=$(grep -c '^W: ' "$OUT/lintian.txt" || true)
cat "$OUT/lintian.txt"
echo "lintian: $errors error(s), $warnings warning(s) (full list: $OUT/lintian.txt)"

echo "== packages in $OUT"
ls -1 "$OUT"/*.deb
if ((lintian_rc != 0 || errors != 0)); then
    echo "FAILED: lintian reports errors" >&2
    exit 1
fi
