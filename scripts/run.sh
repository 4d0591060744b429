#!/bin/bash
# The demo: a private PostgreSQL cluster and Debian's httpd with the module, on loopback.
#
#   scripts/run.sh           foreground: Ctrl-C stops httpd and PostgreSQL   (make run)
#   scripts/run.sh --detach  start both and return                           (make start)
#   scripts/run.sh --stop    stop both                                       (make stop)
#   scripts/run.sh --reset   stop both and delete the demo's data            (make reset)
#
# LX_PORT (default 8080) is httpd's port; LX_SIZE (default 10500) the number of generated
# students when the database is created.  The data is kept between runs: the database is
# created and filled only when it does not exist yet; later runs apply new migrations only.
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
MODE=${1:-foreground}
PORT=${LX_PORT:-8080}
SIZE=${LX_SIZE:-10500}
RUNDIR=$("$HERE/scripts/rundir.sh")
PSQL=/usr/lib/postgresql/15/bin/psql
# postgres may not enter the caller's directory (a checkout below /root)
cd /

stop_all() {
    if [ -f "$RUNDIR/run/httpd.pid" ] && kill -0 "$(cat "$RUNDIR/run/httpd.pid")" 2>/dev/null; then
        apache2 -f "$RUNDIR/conf/httpd.conf" -k stop 2>/dev/null || kill "$(cat "$RUNDIR/run/httpd.pid")"
        for _ in $(seq 50); do [ -f "$RUNDIR/run/httpd.pid" ] || break; sleep 0.1; done
    fi
    [ -d "$RUNDIR/pg" ] && "$HERE/scripts/pg.sh" stop "$RUNDIR"
    return 0
}

case "$MODE" in
--stop) stop_all; echo "stopped httpd and PostgreSQL ($RUNDIR)"; exit 0 ;;
--reset) stop_all; rm -rf "$RUNDIR/pg" "$RUNDIR/conf" "$RUNDIR/run"; echo "demo data deleted"; exit 0 ;;
foreground|--detach) ;;
*) echo "run.sh: unknown option $MODE" >&2; exit 2 ;;
esac

as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

mkdir -p "$RUNDIR/log" "$RUNDIR/conf" "$RUNDIR/run"
fresh=0
if [ ! -f "$RUNDIR/pg/PG_VERSION" ]; then
    rm -rf "$RUNDIR/pg"
    "$HERE/scripts/pg.sh" init "$RUNDIR"
    fresh=1
fi
"$HERE/scripts/pg.sh" start "$RUNDIR"
if [ ! -s "$RUNDIR/conf/dbpass" ]; then
    (umask 077; head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$RUNDIR/conf/dbpass")
fi
DBPASS=$(cat "$RUNDIR/conf/dbpass")
if [ $fresh = 1 ]; then
    "$HERE/scripts/pg.sh" setup "$RUNDIR" "$DBPASS"
    echo "generating demo data ($SIZE students)..."
    as_pg "$PSQL" -X -q -h "$RUNDIR/run" -d lixiao -v ON_ERROR_STOP=1 -v size="$SIZE" -f - \
        <"$HERE/sql/demo/generate.sql" >"$RUNDIR/log/generate.log"
    # the API's tokens: made once, printed on every run, stored hashed in the database
    (umask 077; : >"$RUNDIR/conf/tokens")
    for purpose in portal library finance bank; do
        tok="lx_${purpose}_$(head -c 24 /dev/urandom | base64 | tr -d '/+=')"
        as_pg "$PSQL" -X -q -h "$RUNDIR/run" -d lixiao -v ON_ERROR_STOP=1 \
            -c "SET ROLE lx_owner; SELECT lx.token_add('$purpose', 'demo $purpose', '$tok')" >/dev/null
        echo "$purpose $tok" >>"$RUNDIR/conf/tokens"
    done
else
    "$HERE/scripts/migrate.sh" "$RUNDIR/run"
fi

# httpd's children (www-data) read the stylesheets' static files: copy the templates where
# they can reach them when the checkout is closed to them
TEMPLATES=$HERE/templates
if [ "$(id -u)" = 0 ] && ! runuser -u www-data -- test -r "$HERE/templates/static/lx.css" 2>/dev/null; then
    rm -rf "$RUNDIR/templates"
    cp -r "$HERE/templates" "$RUNDIR/templates"
    chmod -R a+rX "$RUNDIR/templates"
    TEMPLATES=$RUNDIR/templates
fi
"$HERE/scripts/httpd-conf.sh" "$RUNDIR" "$PORT" "$DBPASS" "$TEMPLATES"
chmod 600 "$RUNDIR/conf/httpd.conf"
apache2 -t -f "$RUNDIR/conf/httpd.conf" >/dev/null 2>"$RUNDIR/log/configtest.log" \
    || { cat "$RUNDIR/log/configtest.log" >&2; exit 1; }
if [ -f "$RUNDIR/run/httpd.pid" ] && kill -0 "$(cat "$RUNDIR/run/httpd.pid")" 2>/dev/null; then
    apache2 -f "$RUNDIR/conf/httpd.conf" -k stop || true
    sleep 1
fi

cat <<BANNER

  数字离校 demo: http://127.0.0.1:$PORT/lx/     (every password: demo)
    students   2022010001 fully cleared        2022010002 library debt
               2022010003 party member, national loans at both campuses
               2022010004 off campus           2023015001 graduate student
               2022010005 certificates deferred 2022010006 arrears unpaid
               2022010007 source-area loan proposed by the bank
               2022020001 another college
    staff      admin  leader  deferral  op_library  op_finance  op_student_affairs
               op_utilities  op_dorm  op_network  op_graduate  op_academic
               op_college_01..12 (college point + certificate point)  op_cert_01..12
    unknown    stranger (Apache lets them in, the module answers 403)
  API tokens (Authorization: Bearer ...), see docs/integration.md "The JSON API":
$(sed 's/^/    /' "$RUNDIR/conf/tokens" 2>/dev/null)
  logs: $RUNDIR/log/   data kept in $RUNDIR/pg (make reset deletes it)
BANNER

# httpd's environment, as production's /etc/apache2/envvars carries it
. "$HERE/conf/httpd-envvars"
if [ "$MODE" = --detach ]; then
    apache2 -f "$RUNDIR/conf/httpd.conf" -k start
    echo "  started in the background; make stop stops it"
    exit 0
fi
echo "  Ctrl-C stops httpd and PostgreSQL"
trap 'stop_all; echo; echo "stopped"; exit 0' INT TERM
apache2 -f "$RUNDIR/conf/httpd.conf" -DFOREGROUND &
wait $! || true
stop_all
