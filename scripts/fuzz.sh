#!/bin/bash
# The libFuzzer targets of tests/fuzz (built by Makefile.apxs into build/fuzz/fuzz_NAME).
#
#   scripts/fuzz.sh replay NAME...        every seed of tests/fuzz/corpus/NAME run once (make test)
#   scripts/fuzz.sh run SECONDS NAME...   each target fuzzed SECONDS in turn (make fuzz)
#
# One fuzzer at a time, in one process at low priority: the machines are shared.  A long run
# keeps what it finds in build/fuzz/corpus/NAME (the seeds are read, never written) and a
# crashing input as build/fuzz/crash-NAME-*; a fixed crash's input belongs in the seeds.
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
cd "$HERE"

mode=${1:-}
shift || true
case "$mode" in
replay)
    for t in "$@"; do
        seeds=(tests/fuzz/corpus/"$t"/*)
        if [ ! -e "${seeds[0]}" ]; then
            echo "fuzz: no seeds in tests/fuzz/corpus/$t" >&2
            exit 1
        fi
        log=build/fuzz/replay-$t.log
        if ! build/fuzz/fuzz_"$t" -timeout=10 -artifact_prefix=build/fuzz/replay-"$t"- \
                "${seeds[@]}" >"$log" 2>&1; then
            tail -n 40 "$log" >&2
            echo "fuzz: $t crashed on a seed (whole output in $log)" >&2
            exit 1
        fi
        echo "fuzz $t: ${#seeds[@]} seeds replayed, no crash"
    done
    ;;
run)
    secs=${1:?"usage: fuzz.sh run SECONDS NAME..."}
    shift
    for t in "$@"; do
        mkdir -p build/fuzz/corpus/"$t"
        dict=()
        [ -f tests/fuzz/"$t".dict ] && dict=(-dict=tests/fuzz/"$t".dict)
        log=build/fuzz/run-$t.log
        echo "== fuzz $t for $secs s (log: $log) =="
        rc=0
        nice -n 10 build/fuzz/fuzz_"$t" -max_total_time="$secs" -timeout=10 \
            -print_final_stats=1 -artifact_prefix=build/fuzz/crash-"$t"- "${dict[@]}" \
            build/fuzz/corpus/"$t" tests/fuzz/corpus/"$t" >"$log" 2>&1 || rc=$?
        grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)' "$log" || true
        grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added)' "$log" \
            || true
        if [ $rc != 0 ]; then
            tail -n 40 "$log" >&2
            echo "fuzz: $t crashed; the input is build/fuzz/crash-$t-*" >&2
            exit 1
        fi
    done
    ;;
*)
    echo "usage: fuzz.sh replay NAME... | fuzz.sh run SECONDS NAME..." >&2
    exit 2
    ;;
esac
