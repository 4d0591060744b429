#!/bin/bash
# make uninstall: the module out of Apache, in the order that keeps Apache able to start, then
# the files of scripts/install.sh removed.  Safe to run again.
#
#   scripts/uninstall.sh                     as root
#   DESTDIR=/tmp/root scripts/uninstall.sh   the files below a staged root
#   PURGE=1 scripts/uninstall.sh             also the site's own lixiao.conf and lixiao.secret
#
# 1. Apache (the one of $APACHE_CONFDIR, as for a2dismod and apache2ctl; default
#    $DESTDIR/etc/apache2), when lixiao is enabled there.  The trap: a2dismod lixiao alone
#    leaves auth_cas enabled (a2enmod lixiao enabled it, "# Depends:"), and lixiao.conf went
#    with the module, holding the only CASLoginURL and CASValidateURL.  apache2ctl configtest
#    still says "Syntax OK" (it reads the directives but runs no post_config hook), while
#    mod_auth_cas's post_config refuses a server without them ("MOD_AUTH_CAS: CASLoginURL or
#    CASValidateURL not defined."): the next graceful restart stops Apache.  So, after checking
#    the configuration as it is:
#      - nothing is changed while another file Apache reads uses the module (Lixiao...
#        directives, SetHandler lixiao), or uses CAS without its own CASLoginURL and
#        CASValidateURL (they were lixiao.conf's): the files are named;
#      - a2dismod lixiao (its .load and lixiao.conf together, before its dependencies:
#        a2dismod refuses a module another enabled one depends on);
#      - then each module of lixiao.load's "# Depends:" that a2enmod lixiao enabled (a2enmod's
#        state says enabled_by_admin; a package's own, as Debian's reqtimeout, stays) and that
#        nothing else needs (no other enabled module depends on it, no other file Apache reads
#        uses its directives); auth_cas whenever nothing else uses CAS, whoever enabled it;
#      - apache2ctl -t again; should it fail, everything is enabled again as it was.
#    Apache is not reloaded: systemctl reload apache2 afterwards (any later restart works too).
# 2. The files: mod_lixiao.so, lixiao.load, /usr/share/mod_lixiao/, lixiao-import and
#    lixiao-admin, and lixiao.conf when it is this version's sample unchanged.  An edited
#    lixiao.conf (it holds the site's settings) and lixiao.secret (the same key on every node)
#    are kept and named, unless PURGE=1.
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
cd "$HERE"
APXS=${APXS:-apxs}
DESTDIR=${DESTDIR:-}
PURGE=${PURGE:-}
LIBEXECDIR=$("$APXS" -q LIBEXECDIR 2>/dev/null || echo /usr/lib/apache2/modules)
CONFDIR=/etc/apache2
SHARE=/usr/share/mod_lixiao
BINDIR=${BINDIR:-/usr/local/bin}
export APACHE_CONFDIR=${APACHE_CONFDIR:-$DESTDIR$CONFDIR}
STATE=${APACHE_STATE_DIRECTORY:-/var/lib/apache2}/module

if [ -z "$DESTDIR" ] && [ "$(id -u)" != 0 ]; then
    echo "uninstall.sh: run as root (or set DESTDIR to a staged root)" >&2
    exit 1
fi

# the directives that show a module in use (case-insensitive, at the start of a line)
uses() {
    case $1 in
    lixiao) echo 'Lixiao[a-z]+|SetHandler[[:space:]]+"?lixiao"?' ;;
    auth_cas) echo 'CAS[a-z]+|AuthType[[:space:]]+"?CAS"?' ;;
    dbd) echo 'DBD[a-z]+' ;;
    headers) echo '(Request)?Header' ;;
    reqtimeout) echo 'RequestReadTimeout' ;;
    socache_shmcb) echo '(SSLSessionCache|SSLStaplingCache|AuthnCacheSOCache|CacheSocache)[[:space:]]+"?shmcb[^[:space:]]*' ;;
    *) echo '' ;;
    esac
}

# files of the enabled configuration (apache2ctl -t -D DUMP_INCLUDES) that use module $1,
# apart from the module's own .load and .conf and lixiao's
used_by() {
    local pattern
    pattern=$(uses "$1")
    printf '%s\n' "$INCLUDED" | while read -r f; do
        case $f in
        */mods-enabled/lixiao.load | */mods-enabled/lixiao.conf) continue ;;
        */mods-enabled/"$1".load | */mods-enabled/"$1".conf) continue ;;
        esac
        if grep -Eqi "^[[:space:]]*($pattern)([[:space:]]|\$)" "$f" 2>/dev/null; then echo "$f"; fi
    done
}

# the enabled modules other than lixiao whose "# Depends:" names $1
depended_on_by() {
    local d
    for d in "$APACHE_CONFDIR"/mods-enabled/*.load; do
        [ -e "$d" ] || continue
        case $d in */lixiao.load) continue ;; esac
        if sed -n '/^[^#]/q; s/^# Depends:\(.*\)$/ \1 /p' "$d" | grep -q " $1 "; then
            basename "$d" .load
        fi
    done
}

disable_in_apache() {
    local enabled=$APACHE_CONFDIR/mods-enabled
    if [ ! -e "$enabled/lixiao.load" ] && [ ! -e "$enabled/lixiao.conf" ]; then return 0; fi
    local out
    if ! out=$(apache2ctl -t 2>&1); then
        echo "uninstall.sh: apache2ctl -t fails already; fix the configuration first" \
             "(nothing was changed):" >&2
        echo "$out" >&2
        exit 1
    fi
    INCLUDED=$(apache2ctl -t -D DUMP_INCLUDES 2>/dev/null | sed -n 's/^ *([^)]*) //p')

    local refuse="" users
    users=$(used_by lixiao)
    if [ -n "$users" ]; then
        refuse="the module is still used (Lixiao... directives or SetHandler lixiao) in:"$'\n'"$users"
    fi
    users=$(used_by auth_cas)
    if [ -n "$users" ]; then
        local login validate
        login=$(printf '%s\n' "$users" | xargs -d '\n' grep -Eli '^[[:space:]]*CASLoginURL[[:space:]]' || true)
        validate=$(printf '%s\n' "$users" | xargs -d '\n' grep -Eli '^[[:space:]]*CASValidateURL[[:space:]]' || true)
        if [ -z "$login" ] || [ -z "$validate" ]; then
            refuse="${refuse:+$refuse$'\n'}CAS is used without lixiao.conf's CASLoginURL and CASValidateURL (Apache would stop at its next restart) in:"$'\n'"$users"$'\n'"set both there first"
        fi
    fi
    if [ -n "$refuse" ]; then
        echo "uninstall.sh: nothing was changed: $refuse" >&2
        exit 1
    fi

    local deps d disable="" by
    deps=$(sed -n '/^[^#]/q; s/^# Depends:\(.*\)$/\1/p' "$enabled/lixiao.load" 2>/dev/null || true)
    for d in $deps; do
        [ -e "$enabled/$d.load" ] || continue
        by=$(depended_on_by "$d" | paste -sd ' ')
        if [ -n "$by" ]; then
            echo "uninstall: $d stays enabled (needed by $by)"
            continue
        fi
        if [ -z "$(uses "$d")" ]; then
            echo "uninstall: $d stays enabled (not known to this script)"
            continue
        fi
        by=$(used_by "$d" | paste -sd ' ')
        if [ -n "$by" ]; then
            echo "uninstall: $d stays enabled (used in $by)"
            continue
        fi
        if [ "$d" != auth_cas ] && [ ! -e "$STATE/enabled_by_admin/$d" ]; then
            if [ -e "$STATE/enabled_by_maint/$d" ]; then by="enabled by its package"
            else by="not enabled by a2enmod lixiao"; fi
            echo "uninstall: $d stays enabled ($by)"
            continue
        fi
        disable="$disable $d"
    done

    a2dismod -q -p lixiao >/dev/null
    for d in $disable; do a2dismod -q "$d" >/dev/null; done
    if ! out=$(apache2ctl -t 2>&1); then
        for d in $disable; do a2enmod -q "$d" >/dev/null; done
        a2enmod -q lixiao >/dev/null
        echo "uninstall.sh: without the module apache2ctl -t fails; enabled again as it was," \
             "nothing was removed:" >&2
        echo "$out" >&2
        exit 1
    fi
    echo "uninstall: disabled lixiao$disable in $APACHE_CONFDIR; next: systemctl reload apache2"
}

disable_in_apache

rm -f "$DESTDIR$LIBEXECDIR/mod_lixiao.so"
avail=$DESTDIR$CONFDIR/mods-available
rm -f "$avail/lixiao.load" "$avail/lixiao.conf.dist"
conf=$avail/lixiao.conf
if [ -e "$conf" ]; then
    if [ -n "$PURGE" ] || cmp -s conf/lixiao.conf "$conf"; then
        rm -f "$conf"
    else
        echo "uninstall: kept your $CONFDIR/mods-available/lixiao.conf (PURGE=1 removes it)"
    fi
fi
secret=$DESTDIR$CONFDIR/lixiao.secret
if [ -e "$secret" ]; then
    if [ -n "$PURGE" ]; then
        rm -f "$secret"
    else
        echo "uninstall: kept $CONFDIR/lixiao.secret, the key of the forms' tokens" \
             "(PURGE=1 removes it)"
    fi
fi
rm -rf "$DESTDIR$SHARE"
rm -f "$DESTDIR$BINDIR/lixiao-import" "$DESTDIR$BINDIR/lixiao-admin"
echo "uninstall: mod_lixiao removed from $DESTDIR$LIBEXECDIR, $DESTDIR$CONFDIR/mods-available," \
     "$DESTDIR$SHARE; lixiao-import and lixiao-admin from $DESTDIR$BINDIR"
