#!/usr/bin/env bash
# Builds the libFuzzer harness (clang, -fsanitize=fuzzer,address,undefined) and runs it.
#   scripts/fuzz.sh [seconds=60] [extra libFuzzer flags...]
# The seed corpus is every JSON body used by the regress tests plus test/fuzz/regressions (inputs
# of past findings); new inputs go to build/fuzz/corpus. -timeout is generous because on a loaded
# machine a niced fuzzer can be starved for seconds (one such false "timeout" is kept as a seed).
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TO_RUN=${1:-60}
shift || true
command -v clang++ >/dev/null || { apt-get install -y -qq clang libclang-rt-dev >/dev/null; }
cmake -S . -B build/fuzz -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPF_SANITIZE=ON -DPF_FUZZ=ON >/dev/null
cmake --build build/fuzz --target fuzz_compile -j2 >/dev/null
mkdir -p build/fuzz/corpus build/fuzz/seeds
# Seeds: each single-quoted JSON object literal in the regress tests, one file each.
/usr/bin/python3 - <<'PY'
import re, glob, hashlib, os
for path in glob.glob('sql/*.sql'):
    for m in re.finditer(r"'(\{.*?\})'", open(path, encoding='utf-8').read()):
        body = m.group(1).replace("''", "'").encode()
        name = hashlib.sha1(body).hexdigest()[:16]
        open(os.path.join('build/fuzz/seeds', name), 'wb').write(body)
PY
build/fuzz/fuzz_compile build/fuzz/corpus build/fuzz/seeds test/fuzz/regressions -max_total_time="$SECONDS_TO_RUN" \
    -max_len=4096 -timeout=60 -rss_limit_mb=4096 -print_final_stats=1 "$@"
