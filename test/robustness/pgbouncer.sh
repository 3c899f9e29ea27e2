#!/usr/bin/env bash
# PgBouncer in transaction pooling mode in front of the test cluster (PGHOST/PGPORT):
#   test/robustness/pgbouncer.sh DBNAME
# Starts pgbouncer (Debian package pgbouncer, installed here when missing) on a Unix socket in a
# temporary directory, port $BOUNCER_PORT (56043), pool_mode = transaction, 3 server connections
# for 8 clients; compare.py pgbouncer then runs interleaved autocommitted calls and explicit
# transactions from the 8 clients and requires every answer to equal the direct one. PgBouncer
# refuses to run as root, so it runs as the postgres OS user when we are root. Stopped (by the pid
# it wrote) and the directory removed at the end.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
DB=${1:?usage: pgbouncer.sh DBNAME}
PORT=${BOUNCER_PORT:-56043}
: "${PGHOST:?PGHOST must point at the test cluster}" "${PGPORT:?}"

if ! command -v pgbouncer >/dev/null && [[ ! -x /usr/sbin/pgbouncer ]]; then
    echo "pgbouncer: installing the Debian package pgbouncer"
    SUDO=""; [[ $(id -u) -eq 0 ]] || SUDO=sudo
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get install -y -qq --no-install-recommends pgbouncer >/dev/null 2>&1 ||
        { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends pgbouncer >/dev/null; }
fi
BOUNCER=$(command -v pgbouncer || echo /usr/sbin/pgbouncer)
as_owner() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }

DIR=$(mktemp -d /tmp/robust_pgbouncer.XXXXXX)
chmod 755 "$DIR"
[[ $(id -u) -eq 0 ]] && chown postgres "$DIR"
stop_bouncer() {
    if [[ -f $DIR/pgbouncer.pid ]]; then
        kill "$(cat "$DIR/pgbouncer.pid")" 2>/dev/null || true
        for _ in $(seq 1 50); do [[ -f $DIR/pgbouncer.pid ]] || break; sleep 0.1; done
    fi
    rm -rf "$DIR"
}
trap stop_bouncer EXIT

echo '"postgres" ""' >"$DIR/userlist.txt"
cat >"$DIR/pgbouncer.ini" <<INI
[databases]
$DB = host=$PGHOST port=$PGPORT dbname=$DB user=postgres

[pgbouncer]
listen_addr =
listen_port = $PORT
unix_socket_dir = $DIR
auth_type = trust
auth_file = $DIR/userlist.txt
pool_mode = transaction
default_pool_size = 3
max_client_conn = 50
server_reset_query =
logfile = $DIR/pgbouncer.log
pidfile = $DIR/pgbouncer.pid
admin_users = postgres
INI
[[ $(id -u) -eq 0 ]] && chown -R postgres "$DIR"
as_owner "$BOUNCER" -d "$DIR/pgbouncer.ini" || { cat "$DIR/pgbouncer.log" 2>/dev/null; exit 1; }
for _ in $(seq 1 50); do [[ -S $DIR/.s.PGSQL.$PORT ]] && break; sleep 0.1; done
[[ -S $DIR/.s.PGSQL.$PORT ]] || { echo "FAIL: pgbouncer did not start"; cat "$DIR/pgbouncer.log"; exit 1; }
echo "pgbouncer: $("$BOUNCER" --version | head -1), pool_mode = transaction, 3 server connections, socket $DIR:$PORT"

/usr/bin/python3 "$HERE/compare.py" pgbouncer --db "$DB" --host "$PGHOST" --port "$PGPORT" \
    --bouncer-host "$DIR" --bouncer-port "$PORT" --clients 8 --rounds "${BOUNCER_ROUNDS:-40}"

# pgbouncer's own view: no client or server errors logged
if grep -iE "ERROR|FATAL|panic" "$DIR/pgbouncer.log" | grep -v "LOG" ; then
    echo "FAIL: pgbouncer logged errors"; exit 1
fi
