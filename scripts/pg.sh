#!/bin/bash
# A private PostgreSQL 15 cluster for the demo, the tests and the benchmarks.
#
#   scripts/pg.sh init  DIR     create the cluster in DIR/pg (socket in DIR/run, log in DIR/log)
#   scripts/pg.sh start DIR     start it (waits until it accepts connections)
#   scripts/pg.sh stop  DIR [MODE]   stop it (pg_ctl's MODE: fast by default; immediate
#                               kills the server as a crash would)
#   scripts/pg.sh setup DIR PASSWORD   create roles lx_owner, lx_app (with PASSWORD) and the
#                               database lixiao, then apply the migrations of sql/
#
#
# Replication (docs/operation.md "Large installations"; tests/integration/test_cluster.py):
#   scripts/pg.sh standby PRIMARY_DIR DIR NAME   a hot standby of the cluster in PRIMARY_DIR,
#                               made in DIR by pg_basebackup -R and started; it streams from the
#                               primary's socket as application_name NAME
#   scripts/pg.sh sync PRIMARY_DIR NAME          make the standby NAME synchronous
#                               (synchronous_standby_names, synchronous_commit = on) and wait
#                               until the primary reports it so.  Set after the base backup,
#                               so that the standby, once promoted, waits for no standby of its own
#   scripts/pg.sh promote DIR   promote the standby in DIR (waits until it accepts writes)
#
# The cluster listens on its unix socket only.  As root, initdb and postgres run as the
# postgres user (they refuse root); the socket directory is world-searchable so that httpd's
# children (www-data) reach it, and lx_app authenticates with a password.
set -euo pipefail

PGBIN=/usr/lib/postgresql/15/bin
HERE=$(cd "$(dirname "$0")/.." && pwd)
cmd=${1:?usage: pg.sh init|start|stop|setup|standby|sync|promote DIR}
DIR=${2:?usage: pg.sh $cmd DIR}
DIR=$(cd "$DIR" && pwd)
PGDATA=$DIR/pg
SOCK=$DIR/run
LOG=$DIR/log
# postgres may not enter the caller's directory (a checkout below /root)
cd /

as_pg() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

psql_su() {
    as_pg "$PGBIN/psql" -X -q -h "$SOCK" -d "${PGDB:-postgres}" -v ON_ERROR_STOP=1 "$@"
}

case "$cmd" in
init)
    mkdir -p "$PGDATA" "$SOCK" "$LOG"
    chmod 755 "$SOCK"
    if [ "$(id -u)" = 0 ]; then chown postgres: "$PGDATA" "$SOCK" "$LOG"; fi
    chmod 700 "$PGDATA"
    as_pg "$PGBIN/initdb" -D "$PGDATA" -U postgres -E UTF8 --locale=C.UTF-8 \
        --auth-local=peer --auth-host=reject >"$LOG/initdb.log" 2>&1 \
        || { cat "$LOG/initdb.log" >&2; exit 1; }
    # peer for the superuser (migrations), passwords for everything else: the module (lx_app)
    # and the IT office's roles (members of lx_owner, as lx_admin of docs/installation.md)
    cat >"$PGDATA/pg_hba.conf" <<'EOF'
local   all     postgres                peer
local   replication     postgres        peer
local   lixiao  +lx_owner,lx_app        scram-sha-256
EOF
    cat >>"$PGDATA/postgresql.conf" <<EOF

# --- mod_lixiao private cluster ---
listen_addresses = ''
unix_socket_directories = '$SOCK'
unix_socket_permissions = 0777
max_connections = 200
shared_buffers = 256MB
timezone = 'Asia/Shanghai'
logging_collector = off
log_min_messages = warning
log_line_prefix = '%m [%p] %q%u@%d '
# statement parameters hold resident ID numbers: never log them
log_parameter_max_length = 0
log_parameter_max_length_on_error = 0
log_min_error_statement = panic
# nor an error's DETAIL and CONTEXT: a COPY error quotes the roster line it could not read,
# a broken constraint the failing row, both with the ID number (issue 8 part 3)
log_error_verbosity = terse
log_connections = off
log_disconnections = off
fsync = on
# streaming replication (pg.sh standby): wal_level replica and hot_standby are the defaults
max_wal_senders = 10
wal_keep_size = 256MB
# per-statement counts: the tests show that a batch is a fixed number of statements
shared_preload_libraries = 'pg_stat_statements'
pg_stat_statements.track = top
EOF
    ;;
start)
    if as_pg "$PGBIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then exit 0; fi
    as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$LOG/postgresql.log" -w -t 60 start >/dev/null
    ;;
stop)
    if [ -f "$PGDATA/postmaster.pid" ]; then
        as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -m "${3:-fast}" -w -t 60 stop >/dev/null || true
    fi
    ;;
standby)
    # DIR (the second argument) is the primary's; the standby's directory comes third
    PRIMARY_SOCK=$SOCK
    SDIR=${3:?usage: pg.sh standby PRIMARY_DIR DIR NAME}
    NAME=${4:?usage: pg.sh standby PRIMARY_DIR DIR NAME}
    case $SDIR in /*) ;; *) SDIR=$OLDPWD/$SDIR ;; esac
    mkdir -p "$SDIR/pg" "$SDIR/run" "$SDIR/log"
    SDIR=$(cd "$SDIR" && pwd)
    chmod 755 "$SDIR/run"
    if [ "$(id -u)" = 0 ]; then chown postgres: "$SDIR/pg" "$SDIR/run" "$SDIR/log"; fi
    chmod 700 "$SDIR/pg"
    # -R: standby.signal and primary_conninfo; -X stream: the WAL of the copy comes along
    as_pg "$PGBIN/pg_basebackup" -h "$PRIMARY_SOCK" -U postgres -D "$SDIR/pg" -R -X stream \
        -c fast >"$SDIR/log/basebackup.log" 2>&1 || { cat "$SDIR/log/basebackup.log" >&2; exit 1; }
    # the copy names the primary's socket directory: the standby listens on its own, and says
    # who it is (synchronous_standby_names names it); postgresql.auto.conf, written by -R,
    # would win over postgresql.conf, so its primary_conninfo is set there
    cat >>"$SDIR/pg/postgresql.conf" <<EOF

# --- standby of $PRIMARY_SOCK ---
unix_socket_directories = '$SDIR/run'
hot_standby = on
EOF
    sed -i '/^primary_conninfo/d' "$SDIR/pg/postgresql.auto.conf"
    echo "primary_conninfo = 'host=$PRIMARY_SOCK user=postgres application_name=$NAME'" \
        >>"$SDIR/pg/postgresql.auto.conf"
    as_pg "$PGBIN/pg_ctl" -D "$SDIR/pg" -l "$SDIR/log/postgresql.log" -w -t 60 start >/dev/null
    ;;
sync)
    NAME=${3:?usage: pg.sh sync PRIMARY_DIR NAME}
    psql_su >/dev/null <<EOF
ALTER SYSTEM SET synchronous_standby_names = '"$NAME"';
ALTER SYSTEM SET synchronous_commit = on;
SELECT pg_reload_conf();
EOF
    for _ in $(seq 600); do
        state=$(as_pg "$PGBIN/psql" -X -At -h "$SOCK" -d postgres \
            -c "SELECT sync_state FROM pg_stat_replication WHERE application_name = '$NAME'")
        if [ "$state" = sync ]; then exit 0; fi
        sleep 0.1
    done
    echo "pg.sh sync: $NAME is not a synchronous standby of $DIR after 60 s" >&2
    exit 1
    ;;
promote)
    as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -w -t 60 promote >/dev/null
    ;;
setup)
    PASSWORD=${3:?usage: pg.sh setup DIR PASSWORD}
    psql_su <<EOF
CREATE ROLE lx_owner NOLOGIN;
CREATE ROLE lx_app LOGIN PASSWORD '$PASSWORD';
CREATE DATABASE lixiao OWNER lx_owner ENCODING 'UTF8' TEMPLATE template0;
REVOKE ALL ON DATABASE lixiao FROM PUBLIC;
GRANT CONNECT ON DATABASE lixiao TO lx_app;
EOF
    PGDB=lixiao psql_su -c 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements'
    "$HERE/scripts/migrate.sh" "$SOCK"
    ;;
*)
    echo "pg.sh: unknown command $cmd" >&2
    exit 2
    ;;
esac
