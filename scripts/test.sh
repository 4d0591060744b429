#!/bin/bash
# make test: the unit tests of core/ (Check, also under valgrind), the fuzz targets of core/
# over their seed corpora (libFuzzer, ASan, UBSan), the layers, the documentation's links,
# then the integration tests (pytest, Debian's python3) that start their own PostgreSQL and
# httpd.  Any failure, crash or skip fails the run.
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
cd "$HERE"

echo "== unit tests (Check) =="
make -s -f Makefile.apxs unit
# again in one process under valgrind: a leak or an invalid access of core/ that the checks
# themselves cannot see
echo "== unit tests under valgrind (invalid accesses, definite leaks) =="
CK_FORK=no valgrind -q --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=1 \
    build/unit_tests

echo "== fuzz targets over their seed corpora (libFuzzer, ASan, UBSan) =="
make -s -f Makefile.apxs fuzz-replay

echo "== layers: every call of the module's files goes down (scripts/check-layers) =="
make -s -f Makefile.apxs all
scripts/check-layers

echo "== documentation: every relative link and image resolves (tests/docs) =="
/usr/bin/python3 -m pytest -p no:cacheprovider -q -rfEs tests/docs

echo "== integration tests (pytest, real httpd + PostgreSQL) =="
# Debian's python3 has the python3-* packages; a pyenv python3 earlier on PATH does not.
/usr/bin/python3 -m pytest -p no:cacheprovider -q -rfEs tests/integration "$@"
