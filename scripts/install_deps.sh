#!/usr/bin/env bash
# Installs the Debian 12 packages that building, running and testing prefect_filter need.
# Idempotent and quiet when everything is present; needs root (or sudo) only when something is missing.
set -euo pipefail
PACKAGES=(
    build-essential cmake pkg-config
    postgresql-15 postgresql-server-dev-15
    nlohmann-json3-dev libgtest-dev libgmock-dev libpq-dev
    python3 python3-psycopg2 python3-zstandard python3-brotli
    libboost1.81-dev libdeflate-dev libzstd-dev libbrotli-dev libxxhash-dev nginx curl pgbouncer
    clang-format-14
)
missing=()
for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
((${#missing[@]} == 0)) && exit 0
echo "installing: ${missing[*]}"
SUDO=""; [[ $(id -u) -eq 0 ]] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian's postgresql package starts a cluster on port 5432; our scripts use throwaway
# clusters on their own sockets, so leave the system one alone.
