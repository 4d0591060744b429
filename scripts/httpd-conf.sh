#!/bin/bash
# Write RUNDIR/conf/httpd.conf from conf/httpd-dev.conf.in and RUNDIR/conf/htpasswd (with its
# GDBM copy passwd.dbm, which httpd reads) from the
# accounts in the database (operators, students, and "stranger", whom the module does not
# know), all with the demo password "demo".
#
#   scripts/httpd-conf.sh RUNDIR PORT DBPASS TEMPLATES [--cas CAS_URL CA_FILE]
#
# --cas: sign in through the CAS server at CAS_URL (e.g. https://127.0.0.1:8443/cas) instead
# of the password file, with mod_auth_cas (conf/httpd-cas.conf.in, written as
# RUNDIR/conf/extra/cas.conf); CA_FILE holds the certificate of that server's CA.
#   LX_MODULE=path/mod_lixiao.so overrides the module (make test-asan's build)
#   LX_DB_HOSTS=/a/run,/b/run  the database's hosts (socket directories or host names, comma
#               separated) instead of the private cluster's socket RUNDIR/run: libpq tries them
#               in turn and, with target_session_attrs=read-write in DBDParams, keeps the one
#               that accepts writes (after a promotion, the new primary)
#   LX_EXTRA_CONF='...'  configuration text added as RUNDIR/conf/extra/env.conf (removed when
#               unset); any other RUNDIR/conf/extra/*.conf is included as well
#
#   scripts/httpd-conf.sh --balancer RUNDIR PORT NODE_URL...
#
# --balancer: RUNDIR/conf/httpd.conf of a front httpd (conf/balancer.conf.in) that spreads /lx
# over the nodes at NODE_URL... (http://127.0.0.1:PORT) with mod_proxy_balancer
# (docs/operation.md "Large installations").
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
if [ "$(id -u)" = 0 ]; then
    usergroup=$'User www-data\nGroup www-data'
else
    usergroup=""
fi

if [ "${1:-}" = --balancer ]; then
    RUNDIR=${2:?usage: httpd-conf.sh --balancer RUNDIR PORT NODE_URL...}
    PORT=${3:?usage: httpd-conf.sh --balancer RUNDIR PORT NODE_URL...}
    shift 3
    [ $# -gt 0 ] || { echo "httpd-conf.sh --balancer: no NODE_URL" >&2; exit 2; }
    members=""
    n=0
    for url in "$@"; do
        n=$((n + 1))
        members+="    BalancerMember \"$url\" route=node$n retry=1 connectiontimeout=3 timeout=60 disablereuse=On"$'\n'
    done
    mkdir -p "$RUNDIR/conf" "$RUNDIR/log" "$RUNDIR/run"
    # the checkout may lie where httpd's children (www-data) cannot read
    install -m 644 "$HERE/conf/balancer-unavailable.lua" "$RUNDIR/conf/"
    sed -e "s|@RUNDIR@|$RUNDIR|g" -e "s|@PORT@|$PORT|g" "$HERE/conf/balancer.conf.in" \
        | awk -v ug="$usergroup" -v m="$members" \
            '{ if ($0 == "@USERGROUP@") print ug; else if ($0 == "@MEMBERS@") printf "%s", m; else print }' \
        >"$RUNDIR/conf/httpd.conf"
    exit 0
fi

RUNDIR=${1:?usage: httpd-conf.sh RUNDIR PORT DBPASS TEMPLATES}
PORT=${2:?}
DBPASS=${3:?}
TEMPLATES=${4:?}
CAS_URL=""
if [ "${5:-}" = --cas ]; then
    CAS_URL=${6:?usage: httpd-conf.sh RUNDIR PORT DBPASS TEMPLATES --cas CAS_URL CA_FILE}
    CAS_CA=${7:?usage: httpd-conf.sh RUNDIR PORT DBPASS TEMPLATES --cas CAS_URL CA_FILE}
fi
PGHOSTS=${LX_DB_HOSTS:-$RUNDIR/run}
# postgres may not enter the caller's directory (a checkout below /root)
cd /

mkdir -p "$RUNDIR/conf" "$RUNDIR/log" "$RUNDIR/run"
# the key of the forms' CSRF tokens: made once, kept (forms stay valid across restarts)
if [ ! -s "$RUNDIR/conf/secret" ]; then
    (umask 077; head -c 48 /dev/urandom >"$RUNDIR/conf/secret")
fi
sed -e "s|@RUNDIR@|$RUNDIR|g" -e "s|@PORT@|$PORT|g" -e "s|@PGSOCK@|$PGHOSTS|g" \
    -e "s|@DBPASS@|$DBPASS|g" -e "s|@TEMPLATES@|$TEMPLATES|g" \
    -e "s|@MODULE@|${LX_MODULE:-$HERE/mod_lixiao/.libs/mod_lixiao.so}|g" \
    "$HERE/conf/httpd-dev.conf.in" | awk -v ug="$usergroup" '{ if ($0 == "@USERGROUP@") print ug; else print }' \
    >"$RUNDIR/conf/httpd.conf"

if [ -n "$CAS_URL" ]; then
    mkdir -p "$RUNDIR/conf/extra" "$RUNDIR/cas"
    # the sessions' directory: httpd's children alone may read and write it
    chmod 700 "$RUNDIR/cas"
    if [ "$(id -u)" = 0 ]; then chown www-data:www-data "$RUNDIR/cas"; fi
    sed -e "s|@RUNDIR@|$RUNDIR|g" -e "s|@CASURL@|$CAS_URL|g" -e "s|@CASCA@|$CAS_CA|g" \
        "$HERE/conf/httpd-cas.conf.in" >"$RUNDIR/conf/extra/cas.conf"
else
    rm -f "$RUNDIR/conf/extra/cas.conf"
fi
if [ -n "${LX_EXTRA_CONF:-}" ]; then
    mkdir -p "$RUNDIR/conf/extra"
    printf '%s\n' "$LX_EXTRA_CONF" >"$RUNDIR/conf/extra/env.conf"
else
    rm -f "$RUNDIR/conf/extra/env.conf"
fi

# {SHA} costs little per request (the demo's password is public anyway); production uses CAS.
hash=$(htpasswd -nbs x demo | cut -d: -f2)
{
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- /usr/lib/postgresql/15/bin/psql -X -At -d "host=$PGHOSTS dbname=lixiao" \
            -c "SELECT login FROM lx.operator UNION ALL SELECT student_no FROM lx.student ORDER BY 1"
    else
        /usr/lib/postgresql/15/bin/psql -X -At -d "host=$PGHOSTS dbname=lixiao" \
            -c "SELECT login FROM lx.operator UNION ALL SELECT student_no FROM lx.student ORDER BY 1"
    fi
    echo stranger
} | sed "s|\$|:$hash|" >"$RUNDIR/conf/htpasswd.new"
mv "$RUNDIR/conf/htpasswd.new" "$RUNDIR/conf/htpasswd"
chmod 644 "$RUNDIR/conf/htpasswd"
# what httpd reads: the same logins as a GDBM file (one hashed lookup per request)
rm -f "$RUNDIR/conf/passwd.dbm.new"
tr ':' ' ' <"$RUNDIR/conf/htpasswd" | httxt2dbm -f GDBM -i - -o "$RUNDIR/conf/passwd.dbm.new" >/dev/null
mv "$RUNDIR/conf/passwd.dbm.new" "$RUNDIR/conf/passwd.dbm"
chmod 644 "$RUNDIR/conf/passwd.dbm"
