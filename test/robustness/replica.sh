#!/usr/bin/env bash
# Hot standby: a primary and a streaming standby (pg_basebackup -R) on Unix sockets in a
# temporary directory, ports $REPLICA_PORT (56041) and +1. The extension and data/generate.sql
# (scale 1) go onto the primary, one more deployment after the standby is up (so streaming is
# shown, not just the base backup); then compare.py runs every reference body (and a few bad ones)
# through the four functions on both and requires equal answers. Both servers are stopped and the
# directory removed at the end, also on failure. Runs as the postgres OS user when we are root,
# like scripts/pg_tmp.sh.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PG_BINDIR=${PG_BINDIR:-$(pg_config --bindir)}
P1=${REPLICA_PORT:-56041}
P2=$((P1 + 1))
DB=robust_replica
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }  # seconds since date +%s.%N
as_owner() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }

DIR=$(mktemp -d /tmp/robust_replica.XXXXXX)
chmod 755 "$DIR"
[[ $(id -u) -eq 0 ]] && chown postgres "$DIR"
stop_all() {
    for d in standby primary; do
        [[ -f $DIR/$d/postmaster.pid ]] && as_owner "$PG_BINDIR/pg_ctl" -D "$DIR/$d" -m immediate -w stop >/dev/null 2>&1
    done
    rm -rf "$DIR"
}
trap stop_all EXIT
crash_check() {  # crash_check LOG NAME
    if grep -nE "terminated by signal|PANIC|server process .* (was terminated|exited with exit code)" "$1"; then
        echo "FAIL: the $2's log shows a crash"; return 1
    fi
}

t0=$(date +%s.%N)
as_owner "$PG_BINDIR/initdb" -D "$DIR/primary" -U postgres -A trust --encoding=UTF8 --locale=C.UTF-8 \
    >"$DIR/initdb.log" 2>&1 || { cat "$DIR/initdb.log"; exit 1; }
cat >>"$DIR/primary/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$DIR'
port = $P1
wal_level = replica
max_wal_senders = 4
hot_standby = on
fsync = off
synchronous_commit = off
full_page_writes = on
shared_buffers = 64MB
CONF
as_owner "$PG_BINDIR/pg_ctl" -D "$DIR/primary" -l "$DIR/primary.log" -w start >/dev/null ||
    { cat "$DIR/primary.log"; exit 1; }

export PGHOST=$DIR PGPORT=$P1 PGUSER=postgres
(cd "$HERE" && /usr/bin/python3 -c "import lib; lib.create_database('$DB'); lib.generate_data('$DB', 1)")

as_owner "$PG_BINDIR/pg_basebackup" -h "$DIR" -p "$P1" -U postgres -D "$DIR/standby" -R -X stream \
    -c fast >"$DIR/basebackup.log" 2>&1 || { cat "$DIR/basebackup.log"; exit 1; }
echo "port = $P2" >>"$DIR/standby/postgresql.conf"
as_owner "$PG_BINDIR/pg_ctl" -D "$DIR/standby" -l "$DIR/standby.log" -w start >/dev/null ||
    { cat "$DIR/standby.log"; exit 1; }

# a change after the base backup reaches the standby by streaming
psql -X -q -v ON_ERROR_STOP=1 -d "$DB" -c "INSERT INTO prefect.deployment (name, flow_id)
    SELECT 'replica-marker', id FROM prefect.flow ORDER BY name LIMIT 1"
lsn=$(psql -X -At -d "$DB" -c "SELECT pg_current_wal_lsn()")
for _ in $(seq 1 200); do
    done_=$(psql -X -At -p "$P2" -d "$DB" -c "SELECT pg_last_wal_replay_lsn() >= '$lsn'::pg_lsn" 2>/dev/null || true)
    [[ $done_ == t ]] && break
    sleep 0.1
done
[[ $done_ == t ]] || { echo "FAIL: the standby did not replay up to $lsn"; tail -20 "$DIR/standby.log"; exit 1; }
state=$(psql -X -At -d "$DB" -c "SELECT state FROM pg_stat_replication")
marker=$(psql -X -At -p "$P2" -d "$DB" -c "SELECT prefect.deployments_count('{\"deployments\": {\"name\": {\"any_\": [\"replica-marker\"]}}}')")
[[ $state == streaming && $marker == 1 ]] ||
    { echo "FAIL: replication state '$state', marker on the standby '$marker'"; exit 1; }
printf 'replica: primary :%s, standby :%s %s, replayed up to %s; set up in %.1f s\n' "$P1" "$P2" "$state" "$lsn" \
    "$(since "$t0")"

/usr/bin/python3 "$HERE/compare.py" replica --db "$DB" --host "$DIR" --primary-port "$P1" --standby-port "$P2"

# a write on the standby is refused by PostgreSQL (the functions never write)
if psql -X -q -p "$P2" -d "$DB" -c "INSERT INTO prefect.flow (name) VALUES ('x')" 2>/dev/null; then
    echo "FAIL: the standby accepted a write"; exit 1
fi
as_owner "$PG_BINDIR/pg_ctl" -D "$DIR/standby" -m fast -w stop >/dev/null
as_owner "$PG_BINDIR/pg_ctl" -D "$DIR/primary" -m fast -w stop >/dev/null
crash_check "$DIR/primary.log" primary
crash_check "$DIR/standby.log" standby
echo "replica: both servers stopped cleanly, no crash in either log"
