#!/usr/bin/env bash
# Flakiness check for hive's integration tests (not part of CI): builds the
# test binaries once, then runs each binary of hive/tests as COPIES parallel
# copies, ROUNDS times, and reports per binary how many of the runs failed.
# Parallel copies load the machine the way a busy CI runner does, which is
# what shakes out tests that depend on timing.
#
# Usage: hive/tests/stress.sh [NAME...]    (NAME: a file stem, e.g. scheduler;
#                                           default: every hive/tests/*.rs)
# Environment: COPIES (default 4), ROUNDS (default 5), LIMIT_S (per run, 600).
# Logs of failed runs are kept under target/stress/. Exits 1 if any run failed.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
copies=${COPIES:-4}
rounds=${ROUNDS:-5}
limit=${LIMIT_S:-600}
logs=$root/target/stress
rm -rf "$logs"
mkdir -p "$logs"

# Build once. Cargo's JSON names each test binary with its source file, so
# stale binaries left in target/debug/deps by older builds are never picked.
declare -A exe
while IFS=$'\t' read -r name path; do
    exe[$name]=$path
done < <(cargo test --workspace --no-run --message-format=json 2>"$logs/build.log" \
    | sed -n 's|.*"src_path":"[^"]*/hive/tests/\([A-Za-z0-9_]*\)\.rs".*"executable":"\([^"]*\)".*|\1\t\2|p')
if [ "${#exe[@]}" -eq 0 ]; then
    echo "no test binaries built; see $logs/build.log" >&2
    exit 2
fi

if [ "$#" -gt 0 ]; then
    names=("$@")
else
    mapfile -t names < <(printf '%s\n' "${!exe[@]}" | sort)
fi

total_failed=0
printf '%-36s %s\n' binary "failed/$((copies * rounds))"
for name in "${names[@]}"; do
    bin=${exe[$name]:-}
    if [ -z "$bin" ]; then
        printf '%-36s %s\n' "$name" "no such test binary"
        total_failed=$((total_failed + 1))
        continue
    fi
    failed=0
    for round in $(seq 1 "$rounds"); do
        pids=()
        for copy in $(seq 1 "$copies"); do
            log=$logs/$name-r$round-c$copy.log
            # Run as cargo test does: from the package, with its manifest dir.
            (cd "$root/hive" && CARGO_MANIFEST_DIR=$root/hive \
                timeout "$limit" "$bin" >"$log" 2>&1) &
            pids+=("$!")
        done
        for i in "${!pids[@]}"; do
            if wait "${pids[$i]}"; then
                rm -f "$logs/$name-r$round-c$((i + 1)).log"
            else
                failed=$((failed + 1))
            fi
        done
    done
    printf '%-36s %d\n' "$name" "$failed"
    total_failed=$((total_failed + failed))
done

if [ "$total_failed" -gt 0 ]; then
    echo "failed runs: $total_failed (logs in $logs)"
    exit 1
fi
echo "no failures"
