#!/usr/bin/env bash
# Checks that every C++ file of the project is formatted as .clang-format says (clang-format 14,
# Debian 12). Exits non-zero and lists the files that differ. --fix rewrites them instead.
set -uo pipefail
cd "$(dirname "$0")/.."
CLANG_FORMAT=$(command -v clang-format-14 || command -v clang-format) || {
    echo "clang-format not found (scripts/install_deps.sh installs clang-format-14)"; exit 1; }
mapfile -t FILES < <(git ls-files -- '*.cpp' '*.hpp' '*.h' 2>/dev/null || find src test -name '*.[ch]pp')
if [[ ${1:-} == --fix ]]; then
    "$CLANG_FORMAT" -i "${FILES[@]}"
    exit 0
fi
BAD=0
for f in "${FILES[@]}"; do
    if ! "$CLANG_FORMAT" --dry-run --Werror "$f" >/dev/null 2>&1; then
        echo "not formatted: $f"
        BAD=1
    fi
done
if [[ $BAD -eq 0 ]]; then echo "formatting: ${#FILES[@]} files as .clang-format says"; fi
exit $BAD
