#!/bin/bash
# make test-asan: the integration suite once against the module built with AddressSanitizer
# (and LeakSanitizer): httpd loads build/asan/mod_lixiao.so with libasan preloaded.  Fails when
# a test fails, on any invalid memory access, and on any definite ("direct") leak whose stack
# passes through the module; the reports are kept in build/asan/logs/.
#
# Leaks of httpd itself and of libraries (regular expressions compiled while reading the
# configuration, libxml2's start-up state: tests/asan/lsan.supp) are counted, not failed: the
# parent unloads the modules before it exits, so their frames in its reports are unnamed, and
# they are allocations made once, not per request.
set -uo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
cd "$HERE"

make -s -f Makefile.apxs asan || exit 1
LOGS="$HERE/build/asan/logs"
rm -rf "$LOGS"
mkdir -p "$LOGS"
chmod 0777 "$LOGS"             # httpd's children (www-data) write their reports here
chmod 0755 "$HERE/build" "$HERE/build/asan"

echo "== integration tests against the AddressSanitizer build =="
# Two tests are left out: their hundreds of concurrent requests at AddressSanitizer's speed
# (three to five times slower) pass the 5 s statement_timeout and the 10 s wait for a
# database slot, which is what those limits are for, not a memory error.
LX_MODULE="$HERE/build/asan/mod_lixiao.so" LX_ASAN_LOG="$LOGS/asan" \
    /usr/bin/python3 -m pytest -p no:cacheprovider -q -rfEs tests/integration \
    --deselect tests/integration/test_stats.py::test_random_concurrent_changes_keep_every_figure_exact \
    --deselect tests/integration/test_threads.py::test_sixty_four_threads_render_what_one_thread_renders \
    "$@"
status=$?

echo "== AddressSanitizer reports =="
shopt -s nullglob
reports=("$LOGS"/asan.*)
invalid=0 ours=0 others=0
for f in "${reports[@]}"; do
    if grep -q "ERROR: AddressSanitizer" "$f"; then
        echo "invalid memory access: $f"; sed -n 1,40p "$f"; invalid=$((invalid + 1))
    fi
    # one leak a paragraph; a direct leak is ours when a frame is in the module's source
    n=$(awk -v RS= '/^Direct leak/ && /mod_lixiao\/|in lx_/ {print; print ""; n++}
                    END {print n + 0 > "/dev/stderr"}' "$f" 2>&1 >/dev/null)
    if [ "$n" -gt 0 ]; then
        echo "definite leak through the module: $f"
        awk -v RS= '/^Direct leak/ && /mod_lixiao\/|in lx_/' "$f" | head -40
        ours=$((ours + n))
    fi
    others=$((others + $(grep -c "^Direct leak" "$f")))
done
echo "${#reports[@]} report file(s) in $LOGS: $invalid with an invalid access, $ours definite" \
     "leak(s) through the module, $((others - ours)) of httpd and libraries at start-up"
[ "$status" -eq 0 ] && [ "$invalid" -eq 0 ] && [ "$ours" -eq 0 ]
