#!/bin/bash
# Bring a database to this version's schema, in one transaction (a failure leaves nothing
# half-done):
#   1. the migrations of sql/NNN_*.sql that the database has not seen yet (tables, types,
#      indexes, constraints, data), each once, in order, recorded in public.lx_migration;
#   2. then, on every run, the definitions of sql/functions/ (functions, views, triggers,
#      grants), in the order of FUNCTION_FILES below: each is written to be run again
#      (CREATE OR REPLACE), so a second run changes nothing.
# An existing database is upgraded without losing data.  The oldest schema it upgrades is
# OLDEST (the last before sql/functions/ existed): a database with some migrations recorded
# but not that one is refused.
#
#   scripts/migrate.sh CONNINFO
#   scripts/migrate.sh SOCKET_DIR_OR_HOST [DBNAME]
#   (the Debian package's lixiao-migrate, a link to /usr/share/lixiao/scripts/migrate.sh)
#
# CONNINFO is any connection libpq accepts, as one argument: keywords
#   "host=db.example.edu.cn port=5432 dbname=lixiao user=lx_admin sslmode=verify-full
#    sslrootcert=/etc/ssl/certs/campus-ca.pem"
# a URI
#   "postgresql://lx_admin@db.example.edu.cn:5432/lixiao?sslmode=verify-full&sslrootcert=..."
# or "service=lixiao" (a section of ~/.pg_service.conf or $PGSERVICEFILE).  libpq's
# environment (PGPORT, PGPASSWORD, PGPASSFILE, PGSSLMODE, ...) fills in what it leaves out; the
# password comes from ~/.pgpass.  psql runs as the calling user.
#
# The second form names a host or a socket directory and the database (default lixiao).  As
# root without PGUSER, psql then runs as the postgres user (the superuser of a local cluster,
# by peer authentication: scripts/pg.sh, scripts/run.sh); with PGUSER set, as the caller.
#
# The objects are created as lx_owner (SET ROLE), so that lx_owner owns the schema and
# public.lx_migration: the connecting role is a superuser or a member of lx_owner (lx_admin,
# docs/installation.md).
#
# psql is $PSQL, else the first psql on PATH (Debian's /usr/bin/psql picks the newest client
# installed), version 10 or later; the server must be PostgreSQL 15 or later (the schema uses
# UNIQUE NULLS NOT DISTINCT).
set -euo pipefail
# --help prints the comment above (the package's man page is made from it, by help2man)
case ${1:-} in -h | --help) sed -n '2,/^set -euo/{/^set -euo/d; s/^# \{0,1\}//; p}' "$0"; exit 0 ;; esac

# the checkout, or /usr/share/lixiao when run as the package's /usr/bin/lixiao-migrate (a link)
HERE=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
USAGE="usage: migrate.sh CONNINFO | migrate.sh SOCKET_DIR_OR_HOST [DBNAME]"
TARGET=${1:?$USAGE}
case $TARGET in
*=* | postgres://* | postgresql://*)
    # a libpq connection string or URI, used as it is
    if [ $# -gt 1 ]; then echo "migrate.sh: a connection string names its database: $USAGE" >&2; exit 2; fi
    CONNECT=(-d "$TARGET")
    AS_POSTGRES=0
    ;;
*)
    CONNECT=(-h "$TARGET" -d "${2:-lixiao}")
    AS_POSTGRES=0
    if [ "$(id -u)" = 0 ] && [ -z "${PGUSER:-}" ]; then AS_POSTGRES=1; fi
    ;;
esac
# the server's view (pg_stat_activity) says who is connected
export PGAPPNAME=${PGAPPNAME:-lixiao-migrate}

PSQL=${PSQL:-psql}
if ! version=$("$PSQL" --version 2>/dev/null); then
    echo "migrate.sh: no psql (install postgresql-client, or set PSQL to a psql binary)" >&2
    exit 1
fi
major=$(sed -n 's/^psql (PostgreSQL) \([0-9]*\).*/\1/p' <<<"$version")
if [ -z "$major" ] || [ "$major" -lt 10 ]; then
    echo "migrate.sh: $PSQL is \"$version\": psql 10 or later is needed" >&2
    exit 1
fi

run_psql() {
    if [ "$AS_POSTGRES" = 1 ]; then
        # postgres may not enter the caller's directory (a checkout below /root)
        (cd / && runuser -u postgres -- "$PSQL" -X -q "${CONNECT[@]}" -v ON_ERROR_STOP=1 "$@")
    else
        "$PSQL" -X -q "${CONNECT[@]}" -v ON_ERROR_STOP=1 "$@"
    fi
}

server=$(run_psql -At -F ' ' -c "SELECT current_setting('server_version_num'), current_database()")
DB=${server#* }
if [ "${server%% *}" -lt 150000 ]; then
    echo "migrate.sh: database $DB is on PostgreSQL $(run_psql -At -c 'SHOW server_version');" \
         "the schema needs 15 or later (nothing was changed)" >&2
    exit 1
fi

# the record of migrations, owned by lx_owner like the rest of the schema
applied=$(run_psql -At <<'EOF'
SET client_min_messages = warning;
SET ROLE lx_owner;
CREATE TABLE IF NOT EXISTS public.lx_migration (
    version     text PRIMARY KEY,
    applied_at  timestamptz NOT NULL DEFAULT now()
);
RESET ROLE;
SELECT version FROM public.lx_migration ORDER BY version;
EOF
)

# the order matters: a file may use what an earlier one defines (rules.sql is used by most,
# grants.sql covers every function and table, so it comes last)
FUNCTION_FILES="rules checks sheet change desk deferral admin setup roster export feed api stats grants"
OLDEST=042_safe_exports

if [ -n "$applied" ] && ! grep -qx "$OLDEST" <<<"$applied"; then
    echo "migrate.sh: database $DB is at schema $(tail -n 1 <<<"$applied"), older than" \
         "$OLDEST, the oldest this version upgrades: upgrade it first with a release whose" \
         "sql/ ends at $OLDEST (nothing was changed)" >&2
    exit 1
fi

# psql reads the script from stdin: the postgres user may not be able to open the checkout
script() {
    echo "SET client_min_messages = warning;"
    # the schema's owner owns its record too: an older migrate.sh created it as the migrating
    # role, which then keeps it
    cat <<'EOF'
DO $$
BEGIN
    IF (SELECT relowner FROM pg_class WHERE oid = 'public.lx_migration'::regclass)
       <> 'lx_owner'::regrole THEN
        ALTER TABLE public.lx_migration OWNER TO lx_owner;
    END IF;
END
$$;
EOF
    echo "SET ROLE lx_owner;"
    for f in "$HERE"/sql/[0-9][0-9][0-9]_*.sql; do
        v=$(basename "$f" .sql)
        if grep -qx "$v" <<<"$applied"; then continue; fi
        echo "\\echo migrate: applied $v"
        cat "$f"
        echo
        echo "INSERT INTO public.lx_migration (version) VALUES ('$v');"
    done
    for name in $FUNCTION_FILES; do
        cat "$HERE/sql/functions/$name.sql"
        echo
    done
    # the module and lixiao-admin read the record to check that the schema is the one they
    # were built for
    echo "GRANT SELECT ON public.lx_migration TO lx_app;"
    echo "RESET ROLE;"
}
# -1: one transaction; the \echo lines are printed as the script goes, and only its commit
# makes them true (ON_ERROR_STOP rolls everything back on the first error)
out=$(script | run_psql -1 -f -) || { echo "migrate.sh: failed, nothing was changed" >&2; exit 1; }
# the definitions are applied on every run and not reported: a second run prints nothing
printf '%s\n' "$out" | grep '^migrate: applied' || true
