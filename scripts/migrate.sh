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
#   scripts/migrate.sh SOCKET_DIR_OR_HOST [DBNAME]
#
# Runs as the PostgreSQL superuser through psql (as the postgres user when root) and creates
# the objects as lx_owner (SET ROLE), so that lx_owner owns the schema.  With PGUSER set (an
# existing database on another host, docs/installation.md), psql connects as that role
# instead, with libpq's usual PGPASSWORD / ~/.pgpass / PGSSLMODE: a member of lx_owner.
set -euo pipefail

HERE=$(cd "$(dirname "$0")/.." && pwd)
HOST=${1:?usage: migrate.sh SOCKET_DIR_OR_HOST [DBNAME]}
DB=${2:-lixiao}
PSQL=/usr/lib/postgresql/15/bin/psql
# postgres may not enter the caller's directory (a checkout below /root)
cd /

run_psql() {
    if [ "$(id -u)" = 0 ] && [ -z "${PGUSER:-}" ]; then
        runuser -u postgres -- "$PSQL" -X -q -h "$HOST" -d "$DB" -v ON_ERROR_STOP=1 "$@"
    else
        "$PSQL" -X -q -h "$HOST" -d "$DB" -v ON_ERROR_STOP=1 "$@"
    fi
}

run_psql <<'EOF'
SET client_min_messages = warning;
CREATE TABLE IF NOT EXISTS public.lx_migration (
    version     text PRIMARY KEY,
    applied_at  timestamptz NOT NULL DEFAULT now()
);
EOF

# the order matters: a file may use what an earlier one defines (rules.sql is used by most,
# grants.sql covers every function and table, so it comes last)
FUNCTION_FILES="rules checks sheet change desk deferral admin setup roster export feed api stats grants"
OLDEST=042_safe_exports

applied=$(run_psql -At -c 'SELECT version FROM public.lx_migration ORDER BY version')
if [ -n "$applied" ] && ! grep -qx "$OLDEST" <<<"$applied"; then
    echo "migrate.sh: database $DB is at schema $(tail -n 1 <<<"$applied"), older than" \
         "$OLDEST, the oldest this version upgrades: upgrade it first with a release whose" \
         "sql/ ends at $OLDEST (nothing was changed)" >&2
    exit 1
fi

# psql reads the script from stdin: the postgres user may not be able to open the checkout
script() {
    echo "SET client_min_messages = warning;"
    echo "SET ROLE lx_owner;"
    for f in "$HERE"/sql/[0-9][0-9][0-9]_*.sql; do
        v=$(basename "$f" .sql)
        if grep -qx "$v" <<<"$applied"; then continue; fi
        echo "\\echo migrate: applied $v"
        cat "$f"
        echo
        echo "RESET ROLE;"
        echo "INSERT INTO public.lx_migration (version) VALUES ('$v');"
        echo "SET ROLE lx_owner;"
    done
    for name in $FUNCTION_FILES; do
        cat "$HERE/sql/functions/$name.sql"
        echo
    done
    echo "RESET ROLE;"
    # the schema's owner owns its record too (not whoever migrated); the module and
    # lixiao-admin read it to check that the schema is the one they were built for
    echo "ALTER TABLE public.lx_migration OWNER TO lx_owner;"
    echo "GRANT SELECT ON public.lx_migration TO lx_app;"
}
# -1: one transaction; the \echo lines are printed as the script goes, and only its commit
# makes them true (ON_ERROR_STOP rolls everything back on the first error)
out=$(script | run_psql -1 -f -) || { echo "migrate.sh: failed, nothing was changed" >&2; exit 1; }
# the definitions are applied on every run and not reported: a second run prints nothing
printf '%s\n' "$out" | grep '^migrate: applied' || true
