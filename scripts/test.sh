#!/usr/bin/env bash
# Runs every test suite: C++ unit tests (under ASan + UBSan), the pg_regress suite against a
# throwaway cluster, the extension upgrade test (test/upgrade), and the property, robustness and
# HTTP tests. Exits non-zero on any failure and ends with a summary line.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
declare -a RESULTS=()
FAILED=0
record() {  # record NAME STATUS
    RESULTS+=("$1: $([[ $2 -eq 0 ]] && echo ok || echo FAILED)")
    [[ $2 -eq 0 ]] || FAILED=1
}

scripts/install_deps.sh || { echo "dependency installation failed"; exit 1; }
# Every build of the test command (CMake and PGXS) treats warnings as errors.
export PF_WERROR=-Werror

echo "== formatting (clang-format, .clang-format)"
scripts/check_format.sh
record "formatting" $?

echo "== unit tests (ASan + UBSan)"
cmake -S . -B build/sanitize -DCMAKE_BUILD_TYPE=Debug -DPF_SANITIZE=ON >/dev/null &&
    cmake --build build/sanitize -j2 >/dev/null &&
    (cd build/sanitize && ctest --output-on-failure -j2 | tail -n 3)
record "unit tests" $?
# the compiler's vocabulary for the Python suites (test/vocabulary/vocabulary.py), from this build
export PF_VOCABULARY=$ROOT/build/sanitize/pf_vocabulary

echo "== build and install (PGXS)"
scripts/build.sh
rc=$?
record "build" $rc
[[ $rc -eq 0 ]] || { printf '%s\n' "${RESULTS[@]}"; echo "SUMMARY: FAILED (build)"; exit 1; }

source scripts/pg_tmp.sh
trap pg_tmp_stop EXIT
pg_tmp_start 55434

echo "== pg_regress and isolation tests"
make -s installcheck
rc=$?
if [[ $rc -ne 0 ]]; then
    for diffs in regression.diffs output_iso/regression.diffs; do [[ -f $diffs ]] && cat "$diffs"; done
fi
record "pg_regress" $rc

if [[ -x test/upgrade/run.sh ]]; then
    echo "== upgrade test"
    test/upgrade/run.sh
    record "upgrade test" $?
fi

if [[ -x test/property/run.sh ]]; then
    echo "== property test"
    test/property/run.sh
    record "property test" $?
fi

if [[ -x test/robustness/run.sh ]]; then
    echo "== robustness tests"
    test/robustness/run.sh
    record "robustness tests" $?
fi

if [[ -x test/http/run.sh ]]; then
    echo "== HTTP server tests"
    test/http/run.sh
    record "http tests" $?
fi

if [[ -x test/prefect_schema/run.sh ]]; then
    echo "== Prefect's own database (schemas made by Prefect's migrations)"
    test/prefect_schema/run.sh
    record "prefect database tests" $?
fi

if grep -q "server process .* was terminated\|PANIC" "$PG_TMP_DIR/server.log"; then
    echo "server log shows a crash:"; grep -n "terminated\|PANIC" "$PG_TMP_DIR/server.log"
    record "server log" 1
fi

printf '%s\n' "${RESULTS[@]}"
if [[ $FAILED -eq 0 ]]; then echo "SUMMARY: all test suites passed"; else echo "SUMMARY: FAILED"; fi
exit $FAILED
