#!/bin/bash
# Print the runtime directory of this checkout: var/ inside it when the postgres and www-data
# users can reach the checkout, otherwise a directory under /var/lib/lixiao-demo/ named after
# the checkout's path (a checkout below /root, which is mode 0700, cannot be entered by them).
# In that case var/ in the checkout becomes a symbolic link to it, so var/log/ works the same.
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)

reachable() {
    [ "$(id -u)" != 0 ] && return 0
    runuser -u postgres -- test -x "$HERE" 2>/dev/null \
        && runuser -u www-data -- test -x "$HERE" 2>/dev/null
}

if [ -L "$HERE/var" ]; then
    readlink -f "$HERE/var"
elif reachable; then
    mkdir -p "$HERE/var"
    echo "$HERE/var"
else
    dir=/var/lib/lixiao-demo/$(printf '%s' "$HERE" | sha1sum | cut -c1-12)
    mkdir -p "$dir"
    chmod 755 /var/lib/lixiao-demo "$dir"
    if [ -d "$HERE/var" ] && [ ! -L "$HERE/var" ]; then
        rmdir "$HERE/var" 2>/dev/null || { echo "rundir: $HERE/var exists and is not empty" >&2; exit 1; }
    fi
    ln -s "$dir" "$HERE/var"
    echo "$dir"
fi
