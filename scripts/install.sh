#!/bin/bash
# make install: mod_lixiao into Debian's Apache, in Debian's layout.  Safe to run again.
#
#   scripts/install.sh            (after make -f Makefile.apxs: the module is built)
#   DESTDIR=/tmp/root scripts/install.sh    the same files below a staged root
#
# Installs
#   /usr/lib/apache2/modules/mod_lixiao.so        with apxs -i
#   /etc/apache2/mods-available/lixiao.load       LoadModule; "# Depends: dbd auth_cas headers
#                                                 reqtimeout", so a2enmod lixiao enables those
#                                                 modules too
#   /etc/apache2/mods-available/lixiao.conf       conf/lixiao.conf, the production configuration:
#                                                 never overwritten once there (it holds the
#                                                 site's settings); a newer one goes next to it
#                                                 as lixiao.conf.dist
#   /etc/apache2/lixiao.secret                    the key of the forms' CSRF tokens, made once
#   /usr/share/mod_lixiao/templates/              the stylesheets and static files (replaced)
#   /usr/share/mod_lixiao/sql/NNN_*.sql           the schema's migrations, and in sql/functions/
#                                                 its functions, views, triggers and grants
#                                                 (replaced)
#   /usr/share/mod_lixiao/scripts/migrate.sh      applies them to a database (docs/runbooks.md "Upgrade")
#   /usr/share/mod_lixiao/scripts/backup.sh       the nightly dump with retention, for cron
#                                                 (docs/runbooks.md "Backup")
#   /usr/local/bin/lixiao-import                  the roster and feed import from the command
#                                                 line (BINDIR= changes the directory)
#   /usr/local/bin/lixiao-admin                   set-up and administration from the command
#                                                 line (the first administrator, tokens, ...)
# and enables nothing: a2enmod lixiao once the configuration is edited (docs/installation.md).
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
cd "$HERE"
APXS=${APXS:-apxs}
DESTDIR=${DESTDIR:-}
LIBEXECDIR=$("$APXS" -q LIBEXECDIR)
CONFDIR=/etc/apache2
SHARE=/usr/share/mod_lixiao
BINDIR=${BINDIR:-/usr/local/bin}

if [ -z "$DESTDIR" ] && [ "$(id -u)" != 0 ]; then
    echo "install.sh: run as root (or set DESTDIR to a staged root)" >&2
    exit 1
fi
if [ ! -f mod_lixiao/mod_lixiao.la ] || [ ! -x build/lixiao-import ] \
   || [ ! -x build/lixiao-admin ]; then
    echo "install.sh: build the module first (make -f Makefile.apxs)" >&2
    exit 1
fi

install -d -m 755 "$DESTDIR$LIBEXECDIR" "$DESTDIR$CONFDIR/mods-available" \
    "$DESTDIR$SHARE/scripts" "$DESTDIR$BINDIR"

# the module: apxs -i (libtool's install) into Apache's module directory
log=$(mktemp)
trap 'rm -f "$log"' EXIT
"$APXS" -i -S LIBEXECDIR="$DESTDIR$LIBEXECDIR" -n lixiao mod_lixiao/mod_lixiao.la >"$log" 2>&1 \
    || { cat "$log" >&2; exit 1; }
chmod 644 "$DESTDIR$LIBEXECDIR/mod_lixiao.so"

install -m 644 conf/lixiao.load "$DESTDIR$CONFDIR/mods-available/lixiao.load"
conf=$DESTDIR$CONFDIR/mods-available/lixiao.conf
if [ ! -e "$conf" ]; then
    install -m 640 conf/lixiao.conf "$conf"
    echo "install: $CONFDIR/mods-available/lixiao.conf (edit it: database, CAS server, host name)"
elif ! cmp -s conf/lixiao.conf "$conf"; then
    install -m 640 conf/lixiao.conf "$conf.dist"
    echo "install: kept your $CONFDIR/mods-available/lixiao.conf; this version's sample is lixiao.conf.dist"
else
    rm -f "$conf.dist"
fi

secret=$DESTDIR$CONFDIR/lixiao.secret
if [ ! -s "$secret" ]; then
    (umask 077; head -c 48 /dev/urandom >"$secret.new")
    mv "$secret.new" "$secret"
    echo "install: made $CONFDIR/lixiao.secret (copy it to every node behind a balancer)"
fi

# templates and migrations: this version's, whole (stale files go), swapped in at once
stage_dir() { rm -rf "$1.new"; install -d -m 755 "$1.new"; }
swap_dir() {
    rm -rf "$1.old"
    if [ -e "$1" ]; then mv "$1" "$1.old"; fi
    mv "$1.new" "$1"
    rm -rf "$1.old"
}
stage_dir "$DESTDIR$SHARE/templates"
cp -r templates/. "$DESTDIR$SHARE/templates.new/"
chmod -R u=rwX,go=rX "$DESTDIR$SHARE/templates.new"
swap_dir "$DESTDIR$SHARE/templates"
stage_dir "$DESTDIR$SHARE/sql"
install -m 644 sql/[0-9][0-9][0-9]_*.sql "$DESTDIR$SHARE/sql.new/"
install -d -m 755 "$DESTDIR$SHARE/sql.new/functions"
install -m 644 sql/functions/*.sql "$DESTDIR$SHARE/sql.new/functions/"
swap_dir "$DESTDIR$SHARE/sql"
install -m 755 scripts/migrate.sh "$DESTDIR$SHARE/scripts/migrate.sh"
install -m 755 scripts/backup.sh "$DESTDIR$SHARE/scripts/backup.sh"
install -m 755 build/lixiao-import "$DESTDIR$BINDIR/lixiao-import"
install -m 755 build/lixiao-admin "$DESTDIR$BINDIR/lixiao-admin"

echo "install: mod_lixiao in $DESTDIR$LIBEXECDIR, $DESTDIR$CONFDIR/mods-available, $DESTDIR$SHARE;" \
     "lixiao-import and lixiao-admin in $DESTDIR$BINDIR"
if [ -z "$DESTDIR" ] && [ ! -e "$CONFDIR/mods-enabled/lixiao.load" ]; then
    echo "install: next: edit $CONFDIR/mods-available/lixiao.conf, then a2enmod lixiao," \
         "apache2ctl configtest, systemctl reload apache2 (docs/installation.md)"
fi
