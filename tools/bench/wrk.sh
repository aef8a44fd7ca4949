#!/usr/bin/env bash
# HTTP appends driven by wrk (tools/bench/wrk_append.lua) against a fresh ledgerd on loopback:
# single events at 16 and 64 connections and batches of 100 at 16, sync on. Prints, per run,
# events/s, p50/p99 and ledgerd's CPU per event (utime + stime from /proc over the run).
#
#   bash tools/bench/wrk.sh [--seconds 15] [--build build]
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_PER_RUN=15
B=build
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) SECONDS_PER_RUN=$2; shift 2 ;;
    --build) B=$2; shift 2 ;;
    *) echo "usage: bash tools/bench/wrk.sh [--seconds S] [--build DIR]" >&2; exit 2 ;;
  esac
done
bash tools/bootstrap.sh wrk
WORK=$(mktemp -d)
LEDGERD_PID=
cleanup() {
  [ -n "$LEDGERD_PID" ] && kill "$LEDGERD_PID" 2>/dev/null && wait "$LEDGERD_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
DATA="$WORK/data"
mkdir -p "$DATA"
"$B/ledgerctl" init --data "$DATA" >/dev/null
# A community worker of the estate the load files in: files complaints and escalates them.
TOKEN=$("$B/ledgerctl" token create --data "$DATA" --role communityWorker --actor person/wrk \
  --estate estate/e02)
"$B/ledgerd" --listen 127.0.0.1 --port 0 --data "$DATA" --sync 1 --staff-appends-per-hour 0 >"$WORK/ledgerd.log" 2>&1 &
LEDGERD_PID=$!
for _ in $(seq 1 100); do
  grep -q 'listening on' "$WORK/ledgerd.log" && break
  sleep 0.1
done
PORT=$(grep -o '127.0.0.1:[0-9]*' "$WORK/ledgerd.log" | head -1 | cut -d: -f2)
TICKS=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$LEDGERD_PID/stat"; }
run() {
  local connections=$1 batch=$2
  local before after line events
  before=$(cpu_ticks)
  line=$(WRK_CONNECTIONS=$connections wrk -t2 -c"$connections" -d"${SECONDS_PER_RUN}s" \
    -s tools/bench/wrk_append.lua "http://127.0.0.1:$PORT" -- "$TOKEN" "$batch" | grep '^wrk ')
  after=$(cpu_ticks)
  events=$(echo "$line" | sed 's/.* events=\([0-9]*\).*/\1/')
  awk -v l="$line" -v t=$((after - before)) -v hz="$TICKS" -v e="$events" \
    'BEGIN { printf "%s server_cpu_us_per_event=%.0f\n", l, (e > 0 ? t / hz * 1e6 / e : 0) }'
}
run 16 1
run 64 1
run 16 100
