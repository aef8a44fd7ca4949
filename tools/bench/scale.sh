#!/usr/bin/env bash
# Views at scale: simulated districts of growing size, each rebuilt and then served by ledgerd,
# measuring what grows with history: memory, query latency, time travel, rebuild speed and
# bytes on disk. Writes a markdown table; figures are printed, never asserted.
#
#   bash tools/bench/scale.sh [--quick] [--sizes "ExH ..."] [--out FILE]
#                                                      (default build-bench/scale-results.md)
#
# Sizes (ledgerctl simulate --estates E --households H --years 2, seed 7): 12x5000, 60x5000 and
# 120x5000, about 1M, 5M and 10M events (the full run takes an hour or more: 1M and 5M took
# about 20 minutes, their simulation included); --quick: 12x250 and 12x1000, about 50k
# and 200k events (a few minutes). Simulated ledgers are kept in
# ${LEDGER_BENCH_CACHE:-$HOME/.cache/ledger-bench}/seed<S>-e<E>-h<H>-y<Y>/, so that a rerun does
# not simulate again; each run works on a copy. ledgerd runs on 127.0.0.1 and is stopped on exit.
#
# For each size:
#   rebuild      `ledgerctl rebuild`: events/s and its peak memory
#   memory       ledgerd's VmHWM and VmRSS once it has loaded the views, and again after serving
#                the queries below while 16 connections append
#   queries      p50/p99 of the first page of views and of both reports for a completed period,
#                with no appends, then with 16 connections appending (bench_http, 2 query
#                connections)
#   time travel  p50/p99 of a star evaluation and of a complaints page as of 20 positions drawn
#                from the seed, each a fresh build (only two are cached)
#   disk         bytes per event of the views and of their snapshots, apart
set -euo pipefail
cd "$(dirname "$0")/../.."

QUICK=0
OUT=build-bench/scale-results.md
CHOSEN=()
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --out) OUT="$2"; shift ;;
    --sizes) read -r -a CHOSEN <<<"$2"; shift ;;
    -h|--help) sed -n '2,26p' "$0"; exit 0 ;;
    *) echo "scale: unknown argument $1 (use --quick, --sizes, --out FILE)" >&2; exit 2 ;;
  esac
  shift
done

SEED=7
if [ "$QUICK" = 1 ]; then
  SIZES=("12 250" "12 1000"); SECONDS_PER_RUN=3; WARMUP=0.5; TRAVELS=6
else
  SIZES=("12 5000" "60 5000" "120 5000"); SECONDS_PER_RUN=15; WARMUP=2; TRAVELS=20
fi
if [ ${#CHOSEN[@]} -gt 0 ]; then
  SIZES=()
  for s in "${CHOSEN[@]}"; do
    [[ "$s" =~ ^[0-9]+x[0-9]+$ ]] || { echo "scale: a size is EstatesxHouseholds, e.g. 12x5000, not $s" >&2; exit 2; }
    SIZES+=("${s%x*} ${s#*x}")
  done
fi
YEARS=2
CACHE_ROOT=${LEDGER_BENCH_CACHE:-$HOME/.cache/ledger-bench}

say() { echo "scale: $*" >&2; }

bash tools/bootstrap.sh time curl
say "building (build-bench, RelWithDebInfo)"
cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF >/dev/null
ninja -C build-bench ledgerd ledgerctl bench_http >/dev/null
B=build-bench
BT=$B/tools/bench

WORK=$(mktemp -d "${TMPDIR:-/tmp}/ledger-scale.XXXXXX")
LEDGERD_PID=""
cleanup() {
  if [ -n "$LEDGERD_PID" ]; then
    kill "$LEDGERD_PID" 2>/dev/null || true
    wait "$LEDGERD_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM
trap 'say "failed at line $LINENO"' ERR

# field, per_event, start_ledgerd
source tools/bench/lib.sh
kib_mib() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }
# p50 and p99 (the nearest rank) of the numbers on stdin, in ms with two decimals.
percentiles() {
  sort -n | awk '{ v[NR] = $1 } END {
    if (NR == 0) { print "- -"; exit }
    i50 = int((NR * 50 + 99) / 100); i99 = int((NR * 99 + 99) / 100)
    printf "%.2f %.2f\n", v[i50], v[i99] }'
}
status_kib() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$LEDGERD_PID/status"; }

# The simulated ledger of one size, from the cache or simulated into it (atomically renamed).
district() {
  local estates=$1 households=$2
  local dir="$CACHE_ROOT/seed$SEED-e$estates-h$households-y$YEARS"
  if [ ! -f "$dir/simulated.txt" ]; then
    say "simulating $estates estates x $households households x $YEARS years into $dir"
    rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
    "$B/ledgerctl" simulate --data "$dir.tmp" --seed "$SEED" --estates "$estates" \
      --households "$households" --years "$YEARS" >"$dir.tmp/simulated.txt" 2>"$dir.tmp/simulate.err"
    rm -rf "$dir.tmp/views" "$dir.tmp/checkpoints"
    rm -rf "$dir" && mv "$dir.tmp" "$dir"
  fi
  echo "$dir"
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
ROWS=""
for size in "${SIZES[@]}"; do
  read -r estates households <<<"$size"
  cached=$(district "$estates" "$households")
  DATA="$WORK/data"
  rm -rf "$DATA" && mkdir -p "$DATA"
  cp -a "$cached/ledger" "$DATA/ledger"

  say "rebuilding the views ($estates x $households)"
  /usr/bin/time -f "%M" -o "$WORK/rebuild.rss" "$B/ledgerctl" rebuild --data "$DATA" \
    >"$WORK/rebuild.txt" 2>"$WORK/rebuild.err" || { cat "$WORK/rebuild.err" >&2; exit 1; }
  line=$(grep '^rebuilt' "$WORK/rebuild.txt")
  events=$(sed -n 's/.*: \([0-9]*\) events read.*/\1/p' <<<"$line")
  rebuild_eps=$(sed -n 's/.*(\([0-9]*\) events\/s).*/\1/p' <<<"$line")
  rebuild_mib=$(kib_mib "$(tail -1 "$WORK/rebuild.rss")")

  ADMIN=$("$B/ledgerctl" token create --data "$DATA" --role admin --actor person/scale-admin)
  WORKER=$("$B/ledgerctl" token create --data "$DATA" --role communityWorker \
    --actor person/scale-worker --estate estate/e02)
  say "starting ledgerd on $events events"
  start_ledgerd "$DATA" "$WORK/ledgerd.log" 1500
  PORT=$LEDGERD_PORT
  URL="http://127.0.0.1:$PORT"
  loaded_hwm=$(kib_mib "$(status_kib VmHWM)"); loaded_rss=$(kib_mib "$(status_kib VmRSS)")
  # The rebuild left the store's files on many levels: ledgerd compacts them once caught up, on
  # a thread of its own. The queries are measured on the compacted store, once it logs so.
  say "waiting for ledgerd to compact the rebuilt store"
  compacted="-"
  for _ in $(seq 20); do
    grep -q 'compacting the store' "$WORK/ledgerd.log" && break
    sleep 0.5
  done
  if grep -q 'compacting the store' "$WORK/ledgerd.log"; then
    for _ in $(seq 900); do
      line=$(grep -m1 'compacted the store' "$WORK/ledgerd.log" || true)
      if [ -n "$line" ]; then compacted=$(sed -n 's/.* in \([0-9.]*\) s$/\1/p' <<<"$line"); break; fi
      sleep 1
    done
  fi

  FROM="2025-11-01T00:00:00%2B08:00"; TO="2025-12-01T00:00:00%2B08:00"
  QUERIES=(
    "/v1/views/complaints?estate=estate/e01&from=$FROM&to=$TO&limit=20"
    "/v1/views/repairs?estate=estate/e01&from=$FROM&to=$TO&limit=20"
    "/v1/views/visits?estate=estate/e01&from=$FROM&to=$TO&limit=20"
    "/v1/views/audit?entity=estate/e01&limit=20"
    "/v1/reports/star-evaluation?year=2025"
    "/v1/reports/joint-meeting?estate=estate/e01&from=$FROM&to=$TO"
  )
  QARGS=()
  for q in "${QUERIES[@]}"; do QARGS+=(--query "$q"); done
  say "queries, idle and then with 16 connections appending"
  idle=$("$BT/bench_http" --port "$PORT" --connections 0 --seconds "$SECONDS_PER_RUN" \
    --warmup "$WARMUP" --query-token "$ADMIN" --query-connections 2 --query-pause-ms 10 "${QARGS[@]}")
  busy=$("$BT/bench_http" --port "$PORT" --token "$WORKER" --connections 16 --batch 1 \
    --estate estate/e02 --seconds "$SECONDS_PER_RUN" --warmup "$WARMUP" --run-id "s$estates-$households" \
    --query-token "$ADMIN" --query-connections 2 --query-pause-ms 10 "${QARGS[@]}")
  echo "$idle" >>"$WORK/queries.txt"; echo "$busy" >>"$WORK/queries.txt"
  served_hwm=$(kib_mib "$(status_kib VmHWM)"); served_rss=$(kib_mib "$(status_kib VmRSS)")
  # One cell per query: p50/p99 idle, then with appends.
  query_cells=""
  for q in "${QUERIES[@]}"; do
    i=$(grep -F "target=$q " <<<"$idle" || true); b=$(grep -F "target=$q " <<<"$busy" || true)
    query_cells+=" $(field "$i" p50_ms)/$(field "$i" p99_ms) · $(field "$b" p50_ms)/$(field "$b" p99_ms) |"
  done

  say "time travel: $TRAVELS positions"
  : >"$WORK/travel-star.ms"; : >"$WORK/travel-page.ms"
  for pos in $(awk -v n="$TRAVELS" -v max="$events" -v seed="$SEED" \
                 'BEGIN { srand(seed); for (i = 0; i < n; i++) print 1 + int(rand() * (max - 1)) }'); do
    curl -s -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $ADMIN" \
      "$URL/v1/reports/star-evaluation?year=2025&asOf=$pos" | awk '{ print $1 * 1000 }' >>"$WORK/travel-star.ms"
    curl -s -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $ADMIN" \
      "$URL/v1/views/complaints?estate=estate/e01&limit=20&asOf=$((pos + 1))" |
      awk '{ print $1 * 1000 }' >>"$WORK/travel-page.ms"
  done
  read -r star50 star99 < <(percentiles <"$WORK/travel-star.ms")
  read -r page50 page99 < <(percentiles <"$WORK/travel-page.ms")
  travel_hwm=$(kib_mib "$(status_kib VmHWM)")

  kill "$LEDGERD_PID"; wait "$LEDGERD_PID" 2>/dev/null || true; LEDGERD_PID=""
  # A snapshot's files are hard links, shared with the store until it moves on: the snapshots
  # are charged only for the files the store no longer holds.
  views_bytes=$(du -sb --exclude=snapshots "$DATA/views" | cut -f1)
  snapshots_own=$(( $(du -sb "$DATA/views" | cut -f1) - views_bytes ))

  ROWS+="| $events | $rebuild_eps | $rebuild_mib | $compacted | $loaded_hwm / $loaded_rss | $served_hwm / $served_rss |$query_cells $star50/$star99 · $page50/$page99 ($travel_hwm) | $(per_event "$views_bytes" "$events") / $(per_event "$snapshots_own" "$events") |"$'\n'
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

{
  echo "**Views at scale** ($(nproc) cores, load average $LOAD_BEFORE before and $LOAD_AFTER after; seed $SEED, $YEARS simulated years; queries for November 2025 in estate e01). Latencies in ms, p50/p99, idle · with 16 connections appending; memory in MiB (VmHWM / VmRSS):"
  echo
  echo "| events | rebuild, events/s | rebuild peak | compaction after, s | ledgerd, views loaded | after the queries and appends | complaints page | repairs page | visits page | audit page | star evaluation 2025 | joint-meeting report | time travel: star evaluation · complaints page (VmHWM after) | bytes per event: views / snapshots |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
  printf "%s" "$ROWS"
} | tee "$OUT"
