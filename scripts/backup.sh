#!/bin/bash
# A dump of the database, for cron: one file a run, the old ones deleted after N days.
#
#   backup.sh [--dir DIR] [--keep-days N] [--name NAME] CONNINFO
#   (the Debian package's lixiao-backup)
#
# CONNINFO is any connection libpq accepts, as one argument (as for migrate.sh):
#   "host=db.example.edu.cn port=5432 dbname=lixiao user=lx_admin sslmode=verify-full
#    sslrootcert=/etc/ssl/certs/ca-certificates.crt"   or   "service=lixiao"
# Writes DIR/NAME-YYYY-MM-DDTHHMMSSZ.dump (pg_dump -Fc, the time in UTC), checks that pg_restore
# can read it, and only then deletes NAME-*.dump files of DIR older than N days.  DIR (default
# /var/backups/lixiao) is made if missing, mode 0700; the dumps are mode 0600 (they hold
# resident ID numbers).  NAME defaults to lixiao, N to 14.  A failed run leaves no file that
# looks like a dump and deletes nothing; two runs at once in one DIR are refused.
#
# Made for cron's environment (HOME, LOGNAME, PATH=/usr/bin:/bin, SHELL=/bin/sh, nothing of a
# login shell): pg_dump is $PG_DUMP or the first on PATH (Debian's /usr/bin/pg_dump picks the
# newest client installed; it must not be older than the server).  libpq reads the password
# from ~/.pgpass, a service from ~/.pg_service.conf, of the crontab's user.  Name the CA in
# sslrootcert (or in the service): a PGSSLROOTCERT of an interactive shell is not there under
# cron, and libpq's default ~/.postgresql/root.crt is usually missing.  No % on the command
# line (cron turns it into a new line).  Prints nothing when all is well (cron mails what a
# job prints), errors on stderr with exit status 1; the file's name when run on a terminal.
set -euo pipefail
# --help prints the comment above (the package's man page is made from it, by help2man)
case ${1:-} in -h | --help) sed -n '2,/^set -euo/{/^set -euo/d; s/^# \{0,1\}//; p}' "$0"; exit 0 ;; esac

USAGE="usage: backup.sh [--dir DIR] [--keep-days N] [--name NAME] CONNINFO"
DIR=/var/backups/lixiao
KEEP_DAYS=14
NAME=lixiao
while [ $# -gt 0 ]; do
    case $1 in
    --dir) DIR=${2:?$USAGE}; shift 2 ;;
    --keep-days) KEEP_DAYS=${2:?$USAGE}; shift 2 ;;
    --name) NAME=${2:?$USAGE}; shift 2 ;;
    --) shift; break ;;
    -*) echo "backup.sh: unknown option $1; $USAGE" >&2; exit 2 ;;
    *) break ;;
    esac
done
if [ $# -ne 1 ]; then echo "$USAGE" >&2; exit 2; fi
CONN=$1
case $KEEP_DAYS in
'' | *[!0-9]* | 0) echo "backup.sh: --keep-days wants a number of days, 1 or more" >&2; exit 2 ;;
esac
case $NAME in
'' | */* | .*) echo "backup.sh: --name wants a plain file name prefix" >&2; exit 2 ;;
esac
PG_DUMP=${PG_DUMP:-pg_dump}
PG_RESTORE=${PG_RESTORE:-$(dirname "$(command -v "$PG_DUMP" || echo /)")/pg_restore}
export PGAPPNAME=${PGAPPNAME:-lixiao-backup}

umask 077
mkdir -p "$DIR"
exec 9>"$DIR/.backup.lock"
if ! flock -n 9; then
    echo "backup.sh: another backup.sh is writing into $DIR" >&2
    exit 1
fi

file=$DIR/$NAME-$(date -u +%Y-%m-%dT%H%M%SZ).dump
partial=$DIR/.$(basename "$file").partial
trap 'rm -f "$partial"' EXIT
if ! "$PG_DUMP" -Fc -f "$partial" -d "$CONN"; then
    echo "backup.sh: pg_dump failed: no new dump in $DIR, none deleted" >&2
    exit 1
fi
if ! "$PG_RESTORE" --list "$partial" >/dev/null; then
    echo "backup.sh: pg_restore cannot read the new dump: none kept, none deleted" >&2
    exit 1
fi
mv "$partial" "$file"
trap - EXIT

# retention: this prefix's dumps older than KEEP_DAYS days (never the one just made)
find "$DIR" -maxdepth 1 -type f -name "$NAME-*.dump" ! -newermt "-$KEEP_DAYS days" \
    ! -path "$file" -delete
if [ -t 1 ]; then echo "$file"; fi
