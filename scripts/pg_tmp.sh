#!/usr/bin/env bash
# Throwaway PostgreSQL 15 cluster on a Unix socket in a temporary directory.
#   source scripts/pg_tmp.sh; pg_tmp_start [port]; ...; pg_tmp_stop
# Exports PGHOST/PGPORT/PGUSER/PGDATABASE so psql, pg_regress and libpq clients find it.
# The server runs as the "postgres" OS user when we are root (initdb refuses root).
PG_BINDIR=${PG_BINDIR:-$(pg_config --bindir)}

_pg_tmp_as_owner() {
    if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_tmp_start() {
    local port=${1:-55432}
    PG_TMP_DIR=$(mktemp -d /tmp/prefect_filter_pg.XXXXXX)
    chmod 755 "$PG_TMP_DIR"
    [[ $(id -u) -eq 0 ]] && chown postgres "$PG_TMP_DIR"
    _pg_tmp_as_owner "$PG_BINDIR/initdb" -D "$PG_TMP_DIR/data" -U postgres -A trust \
        --encoding=UTF8 --locale=C.UTF-8 >"$PG_TMP_DIR/initdb.log" 2>&1 ||
        { cat "$PG_TMP_DIR/initdb.log"; return 1; }
    cat >>"$PG_TMP_DIR/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$PG_TMP_DIR'
port = $port
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 512MB
work_mem = 16MB
maintenance_work_mem = 512MB
max_wal_size = 4GB
shared_preload_libraries = 'pg_stat_statements'
CONF
    _pg_tmp_as_owner "$PG_BINDIR/pg_ctl" -D "$PG_TMP_DIR/data" -l "$PG_TMP_DIR/server.log" -w start \
        >/dev/null || { cat "$PG_TMP_DIR/server.log"; return 1; }
    export PG_TMP_DIR PGHOST=$PG_TMP_DIR PGPORT=$port PGUSER=postgres PGDATABASE=postgres
}

pg_tmp_stop() {
    [[ -n ${PG_TMP_DIR:-} && -d $PG_TMP_DIR/data ]] || return 0
    _pg_tmp_as_owner "$PG_BINDIR/pg_ctl" -D "$PG_TMP_DIR/data" -m fast -w stop >/dev/null 2>&1
    rm -rf "$PG_TMP_DIR"
    unset PG_TMP_DIR
}
