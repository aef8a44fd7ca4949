# Shell helpers shared by tools/bench.sh and tools/bench/scale.sh, which source this file after
# setting B (the build folder) and defining say().

# A field of a driver's result line: field "appends ... eps=123 ..." eps -> 123
field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"$1" | head -1; }

# Bytes per event, rounded: per_event BYTES EVENTS
per_event() { awk -v b="$1" -v n="$2" 'BEGIN { printf "%.0f", (n > 0 ? b / n : 0) }'; }

# Starts ledgerd on 127.0.0.1 with durable commits: start_ledgerd DATA LOG TRIES (of 0.2 s each).
# Sets LEDGERD_PID and LEDGERD_PORT once it listens; exits the script, showing its log, if it
# stops or does not listen in time.
start_ledgerd() {
  local data=$1 log=$2 tries=$3
  "$B/ledgerd" --listen 127.0.0.1 --port 0 --data "$data" --sync 1 --staff-appends-per-hour 0 >"$log" 2>&1 &
  LEDGERD_PID=$!
  for _ in $(seq 1 "$tries"); do
    grep -q 'listening on' "$log" && break
    kill -0 "$LEDGERD_PID" 2>/dev/null || { cat "$log" >&2; exit 1; }
    sleep 0.2
  done
  LEDGERD_PORT=$(sed -n 's/.*listening on http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$log")
  [ -n "$LEDGERD_PORT" ] || { say "ledgerd did not start"; cat "$log" >&2; exit 1; }
}
