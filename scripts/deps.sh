#!/bin/bash
# Install the Debian packages that are missing, and only those.
#
#   scripts/deps.sh run     what make run needs: build, PostgreSQL 15, Debian's httpd
#   scripts/deps.sh test    the same, plus the test tools (clang, libFuzzer, llvm-symbolizer too)
#   scripts/deps.sh bench   the same as test, plus the load generator (wrk)
#   scripts/deps.sh deb     what make deb needs: the build, debhelper and dh_apache2, help2man
#                           (the man pages), lintian
#   scripts/deps.sh install what make install needs: build, Debian's httpd with mod_dbd's
#                           PostgreSQL driver and mod_auth_cas, psql for the migrations (the
#                           database itself runs elsewhere: no PostgreSQL server)
#
# Services are not started by the packages' install scripts (policy-rc.d): a fresh machine
# should not find a system-wide Apache on port 80 or a PostgreSQL on 5432 because of us.
set -euo pipefail

# the build (libzip reads Excel workbooks, libxlsxwriter writes them), Debian's httpd with mod_dbd's
# PostgreSQL driver, psql
BUILD_PKGS="apache2 apache2-dev apache2-utils libaprutil1-dbd-pgsql libpq-dev libxml2-dev
libxslt1-dev libssl-dev libzip-dev libxlsxwriter-dev postgresql-client-15 pkg-config make gcc"
RUN_PKGS="$BUILD_PKGS postgresql-15"
# the Debian package (make deb, and tests/integration/test_deb.py, which builds it;
# dpkg-buildpackage checks for build-essential as well as Build-Depends)
DEB_PKGS="$BUILD_PKGS build-essential dpkg-dev debhelper help2man lintian"
# the tests; for the CAS test a real CAS server (Django), Apache's CAS client, and openssl for
# the CAS server's certificate; xsltproc, libxml2's own HTML serializer that the module's is
# compared with (test_templates.py); valgrind, which runs the unit tests a second time; openpyxl, a spreadsheet
# reader that opens the .xlsx exports and the test workbooks; what make deb needs (test_deb.py
# builds the package)
TEST_PKGS="check python3 python3-pytest python3-requests python3-html5lib python3-selenium
chromium chromium-driver fonts-noto-cjk curl clang libclang-rt-14-dev llvm
python3-django-cas-server libapache2-mod-auth-cas openssl xsltproc valgrind
python3-openpyxl $DEB_PKGS"
# into an existing Apache in front of an existing database: no PostgreSQL server
INSTALL_PKGS="$BUILD_PKGS libapache2-mod-auth-cas"

case "${1:-run}" in
run) want=$RUN_PKGS ;;
test) want="$RUN_PKGS $TEST_PKGS" ;;
bench) want="$RUN_PKGS $TEST_PKGS wrk" ;;
install) want=$INSTALL_PKGS ;;
deb) want=$DEB_PKGS ;;
*) echo "deps.sh: run, test, bench, install or deb" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
    if [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" != installed ]; then
        missing="$missing $p"
    fi
done
# the accessibility test installs npm's axe-core into build/axe (tests/integration/test_axe.py):
# Debian's npm, unless an npm is there already (NodeSource's nodejs brings its own, which
# Debian's package would conflict with)
case "${1:-run}" in
test | bench) command -v npm >/dev/null 2>&1 || missing="$missing npm" ;;
esac
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
    echo "deps.sh: missing Debian packages:$missing — run as root, or install them" >&2
    exit 1
fi
echo "deps.sh: installing$missing"
policy=/usr/sbin/policy-rc.d
own_policy=0
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    own_policy=1
fi
trap '[ $own_policy = 1 ] && rm -f "$policy"' EXIT
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null

# Debian's libapache2-mod-auth-cas enables auth_cas as it installs, and an Apache with auth_cas
# but no CASLoginURL / CASValidateURL refuses to start ("MOD_AUTH_CAS: CASLoginURL or
# CASValidateURL not defined"): the next reload of an existing Apache (logrotate's, nightly)
# would stop it.  So what this run enabled is disabled again; a2enmod lixiao enables it with
# lixiao.conf's CAS settings.
if [[ " $missing " == *" libapache2-mod-auth-cas "* ]] && [ -e /etc/apache2/mods-enabled/auth_cas.load ] \
    && [ ! -e /etc/apache2/mods-enabled/lixiao.load ]; then
    a2dismod -q auth_cas >/dev/null
    echo "deps.sh: auth_cas left disabled (a2enmod lixiao enables it with lixiao.conf's CAS settings)"
fi
