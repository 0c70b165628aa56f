#!/usr/bin/env bash
# Syscalls per echoed message of each TCP echo server, counted on the
# server process alone (`netload serve KIND`) while `netload drive`, in
# another process, sends the load. read + write = 2 per message is the floor.
#
# Two counters: `strace -c -f` (what the issue asks for; ptrace slows every
# syscall, which lets the next message arrive before the server reads, so
# it under-counts epoll_wait) and `perf stat` on the syscall tracepoints
# (no slowdown; needs perf and root or perf_event_paranoid <= 1).
#
#   bash benches/syscalls.sh [CONNS] [SIZE] [ROUNDS] [RATE]
#
# RATE (messages/s in total) paces the load instead of saturating it: at a
# moderate load the count shows how often each server's threads wake.
set -euo pipefail
cd "$(dirname "$0")/.."
conns=${1:-64} size=${2:-100} rounds=${3:-2000} rate=${4:-}
cargo build -q -p hive-benches --release --bin netload
bin=${CARGO_TARGET_DIR:-target}/release/netload
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# run_server COUNTER KIND: serve KIND under COUNTER, drive it, print
# "<messages> <counter output file>".
run_server() {
    local counter=$1 kind=$2 report
    mkfifo "$out/in"
    case $counter in
    strace) strace -c -f -U calls,name -o "$out/count" "$bin" serve "$kind" ;;
    perf) perf stat -x, -o "$out/count" -e raw_syscalls:sys_enter \
              -e syscalls:sys_enter_epoll_wait -e syscalls:sys_enter_recvfrom \
              -e syscalls:sys_enter_sendto -e syscalls:sys_enter_write \
              -e syscalls:sys_enter_futex -e syscalls:sys_enter_sched_yield \
              "$bin" serve "$kind" ;;
    esac <"$out/in" >"$out/addr" &
    local server=$!
    exec 3>"$out/in" # holds the server's stdin open
    for _ in $(seq 100); do grep -q ADDR "$out/addr" && break; sleep 0.1; done
    # $rate unquoted on purpose: empty means no fifth argument (saturated).
    # shellcheck disable=SC2086
    report=$("$bin" drive "$(awk '/ADDR/ {print $2}' "$out/addr")" "$conns" "$size" "$rounds" $rate)
    exec 3>&- # stdin closes: the server exits
    wait "$server"
    rm "$out/in"
    awk '{print $2}' <<<"$report"
}

echo "$conns connections x $rounds round trips of $size bytes${rate:+ at $rate msgs/s}; syscalls per message"
# Every server that can run here (`netload servers`: monoio-uring only where
# io_uring works; NETLOAD_SERVERS=a,b picks some).
for kind in $("$bin" servers); do
    messages=$(run_server strace "$kind")
    total=$(awk '$2 == "total" {print $1}' "$out/count")
    busiest=$(awk '$2 != "total" && $1 ~ /^[0-9]+$/ {print $1, $2}' "$out/count" |
        sort -rn | head -4 | awk -v m="$messages" '{printf "%s %.2f ", $2, $1 / m}')
    strace_line=$(printf 'strace %.2f (%s)' "$(bc -l <<<"$total / $messages")" "$busiest")
    perf_line="perf: unavailable"
    if command -v perf >/dev/null && messages=$(run_server perf "$kind" 2>/dev/null) \
        && grep -q raw_syscalls "$out/count"; then
        perf_line=$(awk -F, -v m="$messages" '$3 ~ /sys_enter/ {
                n = $3; sub(/.*sys_enter_?/, "", n); if (n == "") n = "all";
                printf "%s %.2f ", n, $1 / m }' "$out/count")
        perf_line="perf $perf_line"
    fi
    printf '%-14s %s\n%-14s %s\n' "$kind" "$strace_line" "" "$perf_line"
done
