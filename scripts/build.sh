#!/usr/bin/env bash
# Builds and installs the extension with PGXS (make && make install), quietly.
set -euo pipefail
cd "$(dirname "$0")/.."
make -s -j2 >/dev/null
make -s install >/dev/null
