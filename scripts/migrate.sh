#!/bin/bash
# Apply the migrations of sql/NNN_*.sql that the database has not seen yet, each in its own
# transaction, in order, recording them in lx_migration.version.  Safe to run again: what was
# applied is skipped, and an existing database is upgraded without losing data.
#
#   scripts/migrate.sh SOCKET_DIR_OR_HOST [DBNAME]
#
# Runs as the PostgreSQL superuser through psql (as the postgres user when root) and creates
# the objects as lx_owner (SET ROLE), so that lx_owner owns the schema.  With PGUSER set (an
# existing database on another host: docs/installation.md "2. The database"), psql connects as that role
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

applied=$(run_psql -At -c 'SELECT version FROM public.lx_migration')
for f in "$HERE"/sql/[0-9][0-9][0-9]_*.sql; do
    v=$(basename "$f" .sql)
    if grep -qx "$v" <<<"$applied"; then continue; fi
    # psql reads the file from stdin: the postgres user may not be able to open the checkout
    { echo "SET ROLE lx_owner;"
      cat "$f"
      echo "RESET ROLE;"
      echo "INSERT INTO public.lx_migration (version) VALUES ('$v');"
    } | run_psql -1 -f - >/dev/null
    echo "migrate: applied $v"
done
