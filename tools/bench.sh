#!/usr/bin/env bash
# Benchmarks this project against its baselines, side by side in one run, and writes a markdown
# table: durable appends against raw RocksDB, HTTP appends and queries under load against
# PostgreSQL 15, replay of a simulated district, peak memory and bytes on disk per event.
# Figures are printed, never asserted.
#
#   bash tools/bench.sh [--quick] [--out FILE]     (default build-bench/bench-results.md)
#
# --quick runs small counts (about a minute and a half once built); the full run simulates a
# district of over 1,000,000 events and takes about a quarter of an hour. PostgreSQL and ledgerd
# run on 127.0.0.1 from a temporary folder, both with durable commits, and are stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

QUICK=0
OUT=build-bench/bench-results.md
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --out) OUT="$2"; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "bench: unknown argument $1 (use --quick, --out FILE)" >&2; exit 2 ;;
  esac
  shift
done

if [ "$QUICK" = 1 ]; then
  APPEND_EVENTS=5000; APPEND_SECONDS=2; WAL_SECONDS=0.3; WAL_ROUNDS=1
  SIM_FLAGS=(--estates 4 --households 250 --years 2)
  YEAR_FLAGS=(--households 100 --rounds 2)
  HTTP_SECONDS=3; WARMUP=0.5
  TREE_EVENTS=20000; TREE_PROOFS=500
else
  APPEND_EVENTS=1000000; APPEND_SECONDS=30; WAL_SECONDS=1.5; WAL_ROUNDS=3
  SIM_FLAGS=(--estates 12 --households 5000 --years 2)
  YEAR_FLAGS=(--households 1000 --rounds 5)
  HTTP_SECONDS=15; WARMUP=2
  TREE_EVENTS=200000; TREE_PROOFS=3000
fi
QUERY_CONNECTIONS=2
QUERY_PAUSE_MS=50
SEED=7

say() { echo "bench: $*" >&2; }

# --- what it needs: the project's packages, PostgreSQL 15 and libpq, GNU time for peak memory ---
bash tools/bootstrap.sh postgresql-15 libpq-dev time wrk
PGBIN=/usr/lib/postgresql/15/bin

say "building (build-bench, RelWithDebInfo)"
cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF >/dev/null
ninja -C build-bench ledgerd ledgerctl bench_append bench_wal bench_http bench_pg bench_replay \
  bench_tree >/dev/null
B=build-bench
BT=$B/tools/bench

# --- a temporary folder; whatever runs is stopped on exit ---------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ledger-bench.XXXXXX")
chmod 755 "$WORK"
LEDGERD_PID=""
SAMPLER_PID=""
PGDATA="$WORK/pg"
cleanup() {
  if [ -n "$SAMPLER_PID" ]; then kill "$SAMPLER_PID" 2>/dev/null || true; fi
  if [ -n "$LEDGERD_PID" ]; then
    kill "$LEDGERD_PID" 2>/dev/null || true
    wait "$LEDGERD_PID" 2>/dev/null || true
  fi
  if [ -f "$PGDATA/postmaster.pid" ]; then as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null 2>&1 || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM
trap 'say "failed at line $LINENO"' ERR

# PostgreSQL refuses to run as root: run it as the postgres user then.
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# field, per_event, start_ledgerd
source tools/bench/lib.sh
# A free TCP port on loopback (bounded number of tries).
free_port() {
  for _ in $(seq 1 50); do
    local p=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
  done
  return 1
}
kib_mib() { awk -v k="$1" 'BEGIN { printf "%.0f MiB", k / 1024 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "-" }'; }
num() { awk -v x="$1" 'BEGIN { s = sprintf("%.0f", x); n = length(s); o = "";
  for (i = 1; i <= n; i++) { o = o substr(s, i, 1); if ((n - i) % 3 == 0 && i < n) o = o "," }
  print o }'; }

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
START_TIME=$(date +%s)

# --- 1. direct appends against raw RocksDB; WAL settings ----------------------------------------
say "direct appends (at most $APPEND_EVENTS events or ${APPEND_SECONDS} s per run)"
"$BT/bench_append" --events "$APPEND_EVENTS" --seconds "$APPEND_SECONDS" --dir "$WORK/append" \
  >"$WORK/append.txt"
say "raw RocksDB WAL settings (${WAL_SECONDS} s per figure, $WAL_ROUNDS rounds)"
"$BT/bench_wal" --seconds "$WAL_SECONDS" --rounds "$WAL_ROUNDS" --dir "$WORK/wal" >"$WORK/wal.txt"
# The Merkle tree's cost, in process: appends per CPU second with the tree, and with the tree's own
# work (leaf hash, completed subtrees, their batch entries, measured alone) taken out.
say "the Merkle tree (bench_tree, $TREE_EVENTS events, $TREE_PROOFS proofs)"
"$BT/bench_tree" --events "$TREE_EVENTS" --proofs "$TREE_PROOFS" --dir "$WORK/tree" \
  >"$WORK/tree.txt" 2>"$WORK/tree.err" || { cat "$WORK/tree.err" >&2; exit 1; }
TREE_LINE=$(grep '^tree ' "$WORK/tree.err")
FSYNC_NOTE=""
if [ "$QUICK" = 0 ]; then
  say "pg_test_fsync (the disk's sync rate)"
  (cd "$WORK" && timeout 120 "$PGBIN/pg_test_fsync" -s 2 -f "$WORK/fsync.tmp" >"$WORK/fsync.txt" 2>&1) || true
  FSYNC_NOTE=$(grep -E '^\s+(fdatasync|fsync) ' "$WORK/fsync.txt" | head -2 | sed 's/  */ /g' | paste -sd';' -)
fi

# --- 2. a simulated district, rebuilt; the same events into PostgreSQL ---------------------------
DATA="$WORK/data"
say "simulating a district (${SIM_FLAGS[*]})"
/usr/bin/time -f "%M" -o "$WORK/sim.rss" "$B/ledgerctl" simulate --data "$DATA" --seed "$SEED" \
  "${SIM_FLAGS[@]}" 2>"$WORK/sim.err" >"$WORK/sim.txt" || { cat "$WORK/sim.err" >&2; exit 1; }
SIM_LINE=$(grep '^simulated' "$WORK/sim.txt")
EVENTS=$(awk '{print $2}' <<<"$SIM_LINE")
SIM_SECS=$(awk '{print $5}' <<<"$SIM_LINE")
say "rebuilding every view from $EVENTS events"
/usr/bin/time -f "%M" -o "$WORK/rebuild.rss" "$B/ledgerctl" rebuild --data "$DATA" \
  2>"$WORK/rebuild.err" >"$WORK/rebuild.txt" || { cat "$WORK/rebuild.err" >&2; exit 1; }
REBUILD_LINE=$(grep '^rebuilt' "$WORK/rebuild.txt")
REBUILD_SECS=$(sed -n 's/.* in \([0-9.e+-]*\) s (.*/\1/p' <<<"$REBUILD_LINE")
REBUILD_EPS=$(awk -v n="$EVENTS" -v s="$REBUILD_SECS" 'BEGIN { printf "%.0f", n / s }')
REBUILD_RSS=$(tail -1 "$WORK/rebuild.rss")
say "rebuilding a simulated year phase by phase (bench_replay ${YEAR_FLAGS[*]})"
"$BT/bench_replay" --data "$WORK/year" --simulate --years 1 "${YEAR_FLAGS[@]}" \
  >"$WORK/replay.txt" 2>"$WORK/replay.err" || { cat "$WORK/replay.err" >&2; exit 1; }
REPLAY_BEST=$(grep '^best of' "$WORK/replay.txt")
REPLAY_SIM=$(sed -n 's/^bench_replay: //p' "$WORK/replay.err" | head -1)
LEDGER_BYTES=$(du -sb "$DATA/ledger" | cut -f1)
VIEWS_BYTES=$(du -sb "$DATA/views" | cut -f1)
say "exporting CloudEvents"
"$B/ledgerctl" export --data "$DATA" --out "$WORK/events.ndjson" 2>/dev/null

say "starting PostgreSQL 15 in $PGDATA"
PGPORT=$(free_port)
mkdir -p "$PGDATA" "$WORK/pg-run"
[ "$(id -u)" = 0 ] && chown postgres: "$PGDATA" "$WORK/pg-run"
as_pg "$PGBIN/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
cat >>"$PGDATA/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $PGPORT
unix_socket_directories = '$WORK/pg-run'
fsync = on
synchronous_commit = on
full_page_writes = on
EOF
as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$WORK/pg-run/pg.log" -w -t 60 start >/dev/null
PG="host=127.0.0.1 port=$PGPORT user=postgres dbname=postgres"
PSQL=("$PGBIN/psql" -X -q -t -A -v ON_ERROR_STOP=1 "$PG")
[ -x "${PSQL[0]}" ] || PSQL=(psql -X -q -t -A -v ON_ERROR_STOP=1 "$PG")
PG_VERSION=$("${PSQL[@]}" -c "show server_version")
PG_SHARED=$("${PSQL[@]}" -c "show shared_buffers")
"${PSQL[@]}" <<'EOF'
create table events (
  seq bigserial primary key,
  stream text not null,
  version bigint not null,
  event_id text not null unique,
  type text not null,
  occurred_at timestamptz,
  recorded_at timestamptz not null default now(),
  actor_id text,
  payload jsonb not null,
  unique (stream, version)
);
EOF

# Memory of PostgreSQL, sampled every second while it works: the sum of PSS over the postmaster
# and its backends (shared buffers counted once) and the largest single VmHWM.
PG_MASTER=$(head -1 "$PGDATA/postmaster.pid")
pg_sampler() {
  local max_pss=0 max_hwm=0
  while true; do
    local sum=0
    for p in $PG_MASTER $(ps -o pid= --ppid "$PG_MASTER"); do
      local pss hwm
      pss=$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)
      hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0)
      sum=$((sum + ${pss:-0}))
      [ "${hwm:-0}" -gt "$max_hwm" ] && max_hwm=$hwm
    done
    [ "$sum" -gt "$max_pss" ] && max_pss=$sum
    echo "$max_pss $max_hwm" >"$WORK/pg.mem"
    sleep 1
  done
}
pg_sampler &
SAMPLER_PID=$!

say "loading the same events into PostgreSQL (COPY)"
PG_LOAD_LINE=$("$BT/bench_pg" load --conninfo "$PG" --in "$WORK/events.ndjson")
"${PSQL[@]}" -c "vacuum analyze events" -c "checkpoint"
PG_TABLE_BYTES=$("${PSQL[@]}" -c "select pg_total_relation_size('events')")
PG_DIR_BYTES=$(du -sb "$PGDATA" | cut -f1)
PG_BASE_BYTES=$(du -sb "$PGDATA/base" | cut -f1)
PG_EVENTS=$("${PSQL[@]}" -c "select count(*) from events")
say "PostgreSQL reading all $PG_EVENTS events in order"
PG_SCAN_LINE=$("$BT/bench_pg" scan --conninfo "$PG")
PG_SCAN_EPS=$(field "$PG_SCAN_LINE" eps)
PG_SCAN_HWM=$(field "$PG_SCAN_LINE" backend_hwm_kib)
PG_SCAN_ORDERED=$(field "$PG_SCAN_LINE" ordered)

# --- 3. ledgerd on the district, sync on; the same load on both ---------------------------------
# The load files complaints in estate e02 while the queries ask about e01.
# The appenders are a community worker of e02: the rule book lets them file complaints there and
# escalate them (a batch is a complaint filed, then escalated).
WORKER=$("$B/ledgerctl" token create --data "$DATA" --role communityWorker --actor person/bench-worker \
  --estate estate/e02)
ADMIN=$("$B/ledgerctl" token create --data "$DATA" --role admin --actor person/bench-admin)
# A signing key, so that the run measures receipts too; ledgerd then signs a checkpoint of the
# head at most every 10 s, and one at once for each receipt no checkpoint covers yet.
"$B/ledgerctl" init --data "$DATA" --origin bench.invalid/ledger >/dev/null
say "starting ledgerd (sync on)"
start_ledgerd "$DATA" "$WORK/ledgerd.log" 600
LPORT=$LEDGERD_PORT

# --- 4. queries while appends run, before the throughput runs below grow the views ------------
YEAR=2025
MONTH_FROM="2025-11-01T00:00:00%2B08:00"
MONTH_TO="2025-12-01T00:00:00%2B08:00"
QUERIES=(
  "/v1/views/complaints?estate=estate/e01&from=$MONTH_FROM&to=$MONTH_TO&limit=20"
  "/v1/views/overdue-repairs?estate=estate/e01&at=2025-12-02T10:00:00%2B08:00"
  "/v1/reports/star-evaluation?year=$YEAR"
  "/v1/reports/joint-meeting?estate=estate/e01&from=$MONTH_FROM&to=$MONTH_TO"
)
QUERY_ARGS=()
for q in "${QUERIES[@]}"; do QUERY_ARGS+=(--query "$q"); done
say "queries while 16 connections append (ledgerd, then PostgreSQL)"
Q_OURS=$("$BT/bench_http" --port "$LPORT" --token "$WORKER" --connections 16 --batch 1 \
  --estate estate/e02 --seconds "$HTTP_SECONDS" --warmup "$WARMUP" --run-id q16 --query-token "$ADMIN" \
  --query-connections "$QUERY_CONNECTIONS" --query-pause-ms "$QUERY_PAUSE_MS" "${QUERY_ARGS[@]}")
Q_THEIRS=$("$BT/bench_pg" append --conninfo "$PG" --connections 16 --batch 1 --estate estate/e02 \
  --seconds "$HTTP_SECONDS" --warmup "$WARMUP" --run-id q16 \
  --query-connections "$QUERY_CONNECTIONS" --query-pause-ms "$QUERY_PAUSE_MS" \
  --query-estate estate/e01 --query-from 2025-11-01T00:00:00+08:00 --query-to 2025-12-01T00:00:00+08:00)
echo "$Q_OURS" >>"$WORK/http.txt"; echo "$Q_THEIRS" >>"$WORK/http.txt"
# The same queries with no appends running, to tell what the load adds.
Q_IDLE=$("$BT/bench_http" --port "$LPORT" --connections 0 --seconds "$HTTP_SECONDS" \
  --warmup "$WARMUP" --query-token "$ADMIN" --query-connections "$QUERY_CONNECTIONS" \
  --query-pause-ms "$QUERY_PAUSE_MS" "${QUERY_ARGS[@]}")
echo "$Q_IDLE" >>"$WORK/http.txt"

# --- 5. appends: the same closed loop against both ---------------------------------------------
# CPU time (clock ticks) used by the server: ledgerd itself; PostgreSQL's postmaster with the
# backends it has reaped (cutime, cstime) and the processes still running.
TICKS=$(getconf CLK_TCK)
ledgerd_cpu() { awk '{print $14 + $15}' "/proc/$LEDGERD_PID/stat"; }
pg_cpu() {
  local sum
  sum=$(awk '{print $14 + $15 + $16 + $17}' "/proc/$PG_MASTER/stat")
  for p in $(ps -o pid= --ppid "$PG_MASTER"); do
    sum=$((sum + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)))
  done
  echo "$sum"
}
# Microseconds of server CPU per acknowledged event: ticks, events.
cpu_per_event() { awk -v t="$1" -v n="$2" -v hz="$TICKS" 'BEGIN { if (n > 0) printf "%.0f", t * 1e6 / hz / n; else printf "-" }'; }

HTTP_ROWS=""
for conns in 16 64; do
  for batch in 1 100; do
    say "appends: $conns connections, batches of $batch (ledgerd, then PostgreSQL)"
    c0=$(ledgerd_cpu)
    ours=$("$BT/bench_http" --port "$LPORT" --token "$WORKER" --connections "$conns" \
      --estate estate/e02 --batch "$batch" --seconds "$HTTP_SECONDS" --warmup "$WARMUP" \
      --run-id "h$conns-$batch")
    ours_cpu=$(( $(ledgerd_cpu) - c0 ))
    c0=$(pg_cpu)
    theirs=$("$BT/bench_pg" append --conninfo "$PG" --connections "$conns" --batch "$batch" \
      --estate estate/e02 --seconds "$HTTP_SECONDS" --warmup "$WARMUP" --run-id "p$conns-$batch")
    sleep 0.5  # the backends exit and are reaped, so that their CPU time is counted
    theirs_cpu=$(( $(pg_cpu) - c0 ))
    echo "$ours" >>"$WORK/http.txt"; echo "$theirs" >>"$WORK/http.txt"
    o=$(grep '^appends' <<<"$ours"); t=$(grep '^appends' <<<"$theirs")
    label="$conns connections, $([ "$batch" = 1 ] && echo "single events" || echo "batches of $batch")"
    r=$(ratio "$(field "$o" eps)" "$(field "$t" eps)")
    HTTP_ROWS+="| HTTP appends, $label | $(num "$(field "$o" eps)") ($(field "$o" p50_ms) / $(field "$o" p99_ms) ms) | $(num "$(field "$t" eps)") ($(field "$t" p50_ms) / $(field "$t" p99_ms) ms) | $r | $(cpu_per_event "$ours_cpu" "$(field "$o" all_events)") / $(cpu_per_event "$theirs_cpu" "$(field "$t" all_events)") | $(field "$o" errors) / $(field "$t" errors) |"$'\n'
  done
done

# --- 5b. the same appends from independent load generators: wrk against ledgerd, pgbench against
# PostgreSQL (tools/bench/wrk_append.lua, tools/bench/pgbench_append.sql) -------------------------
"${PSQL[@]}" -c "create sequence if not exists pgbench_ids"
PGBENCH=$PGBIN/pgbench
[ -x "$PGBENCH" ] || PGBENCH=pgbench
# p50 and p99 in ms of pgbench's per-transaction log (column 3: latency in µs).
pg_percentiles() {
  cat "$1"/pgbench_log.* | awk '{print $3}' | sort -n | awk '{ v[NR] = $1 }
    END { if (NR == 0) { print "- -"; exit }
          i50 = int(NR * 0.50); if (i50 < 1) i50 = 1; i99 = int(NR * 0.99); if (i99 < 1) i99 = 1
          printf "%.2f %.2f\n", v[i50] / 1000, v[i99] / 1000 }'
}
WRK_ROWS=""
for run in "16 1" "64 1" "16 100"; do
  read -r conns batch <<<"$run"
  label="$conns connections, $([ "$batch" = 1 ] && echo "single events" || echo "batches of $batch")"
  say "wrk and pgbench: $label"
  c0=$(ledgerd_cpu)
  wline=$(WRK_CONNECTIONS=$conns wrk -t2 -c"$conns" -d"${HTTP_SECONDS}s" \
    -s tools/bench/wrk_append.lua "http://127.0.0.1:$LPORT" -- "$WORKER" "$batch" | grep '^wrk ')
  w_cpu=$(( $(ledgerd_cpu) - c0 ))
  rm -rf "$WORK/pgbench" && mkdir -p "$WORK/pgbench"
  c0=$(pg_cpu)
  pline=$(cd "$WORK/pgbench" && "$PGBENCH" -n -M prepared -c "$conns" -j 2 -T "$HTTP_SECONDS" \
    -f "$OLDPWD/tools/bench/pgbench_append.sql" -D batch="$batch" -l --log-prefix=pgbench_log \
    -h 127.0.0.1 -p "$PGPORT" -U postgres postgres 2>&1)
  sleep 0.5  # the backends exit and are reaped, so that their CPU time is counted
  p_cpu=$(( $(pg_cpu) - c0 ))
  echo "$wline" >>"$WORK/http.txt"; echo "$pline" >>"$WORK/http.txt"
  w_events=$(field "$wline" events)
  w_eps=$(field "$wline" eps)
  p_tx=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' <<<"$pline")
  [ -n "$p_tx" ] || { say "pgbench failed:"; echo "$pline" >&2; exit 1; }
  p_failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' <<<"$pline")
  p_events=$(( ${p_tx:-0} * batch ))
  p_eps=$(sed -n 's/^tps = \([0-9.]*\).*without initial.*/\1/p' <<<"$pline" | head -1)
  [ -n "$p_eps" ] || p_eps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' <<<"$pline" | head -1)
  p_eps=$(awk -v t="${p_eps:-0}" -v b="$batch" 'BEGIN { printf "%.0f", t * b }')
  read -r p50 p99 < <(pg_percentiles "$WORK/pgbench")
  WRK_ROWS+="| $label | $(num "$w_eps") ($(field "$wline" p50_ms) / $(field "$wline" p99_ms) ms) | $(num "$p_eps") ($p50 / $p99 ms) | $(ratio "$w_eps" "$p_eps") | $(cpu_per_event "$w_cpu" "$w_events") / $(cpu_per_event "$p_cpu" "$p_events") | $(ratio "$(cpu_per_event "$w_cpu" "$w_events")" "$(cpu_per_event "$p_cpu" "$p_events")") | $(field "$wline" errors) / ${p_failed:-0} |"$'\n'
done

# --- 5c. receipts: appends asking for one beside plain appends, and the proof routes' latency ---
say "receipts: 16 connections append single events, plain then with ?receipt=true"
R_PLAIN=$("$BT/bench_http" --port "$LPORT" --token "$WORKER" --connections 16 --batch 1 \
  --estate estate/e02 --seconds "$HTTP_SECONDS" --warmup "$WARMUP" --run-id rplain | grep '^appends')
R_WITH=$("$BT/bench_http" --port "$LPORT" --token "$WORKER" --connections 16 --batch 1 \
  --estate estate/e02 --seconds "$HTTP_SECONDS" --warmup "$WARMUP" --run-id rwith \
  --append-params "&receipt=true" | grep '^appends')
echo "$R_PLAIN" >>"$WORK/http.txt"; echo "$R_WITH" >>"$WORK/http.txt"
say "receipt, checkpoint and inclusion proof latency (no appends)"
MID=$((EVENTS / 2))
R_QUERIES=$("$BT/bench_http" --port "$LPORT" --connections 0 --seconds "$HTTP_SECONDS" \
  --warmup "$WARMUP" --query-token "$ADMIN" --query-connections 2 --query-pause-ms 0 \
  --query "/v1/events/$MID/receipt" --query "/v1/checkpoint" \
  --query "/v1/proofs/inclusion?seq=$MID&size=$EVENTS")
echo "$R_QUERIES" >>"$WORK/http.txt"

# --- 6. memory; stop both -----------------------------------------------------------------------
LEDGERD_HWM=$(awk '/^VmHWM:/ {print $2}' "/proc/$LEDGERD_PID/status")
kill "$SAMPLER_PID"; wait "$SAMPLER_PID" 2>/dev/null || true; SAMPLER_PID=""
read -r PG_PSS PG_HWM <"$WORK/pg.mem"
LEDGER_AFTER=$(du -sb "$DATA/ledger" | cut -f1)
LEDGER_HEAD=$(curl -s -H "Authorization: Bearer $ADMIN" "http://127.0.0.1:$LPORT/v1/head" | sed -n 's/.*"seq":\([0-9]*\).*/\1/p')
PG_AFTER_BYTES=$("${PSQL[@]}" -c "select pg_total_relation_size('events')")
PG_AFTER_EVENTS=$("${PSQL[@]}" -c "select count(*) from events")
kill "$LEDGERD_PID"; wait "$LEDGERD_PID" 2>/dev/null || true; LEDGERD_PID=""
as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
ELAPSED=$(( $(date +%s) - START_TIME ))

# --- the table ----------------------------------------------------------------------------------
FS=$(df -T "$WORK" | awk 'NR == 2 {print $2}')
DEV=$(df "$WORK" | awk 'NR == 2 {print $1}')
CPU=$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)
MEM=$(awk '/^MemTotal:/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)
query_rows() {  # $1: system, $2: driver output -> one table row per "query target=..." line
  while read -r line; do
    target=$(sed -n 's/^query target=\(.*\) requests=.*/\1/p' <<<"$line" | sed 's/%2B/+/g; s/^"//; s/"$//')
    case "$target" in /*) target="\`$target\`" ;; esac
    echo "| $target | $1 | $(field "$line" requests) | $(field "$line" p50_ms) | $(field "$line" p99_ms) | $(field "$line" max_ms) | $(field "$line" errors) |"
  done < <(grep '^query ' <<<"$2")
}
{
  echo "Measured $(date -u +%Y-%m-%d) with \`bash tools/bench.sh$([ "$QUICK" = 1 ] && echo " --quick")\`" \
    "at $(git describe --always --dirty 2>/dev/null || echo "an unknown commit") ($ELAPSED s) on $(nproc) cores ($CPU), $MEM, Linux $(uname -r), $FS on $DEV;" \
    "load average $LOAD_BEFORE before, $LOAD_AFTER after."
  echo
  echo "Settings: ledger sync on (RocksDB WAL synced per group commit); PostgreSQL $PG_VERSION," \
    "fsync on, synchronous_commit on, shared_buffers $PG_SHARED, otherwise defaults; everything on" \
    "127.0.0.1; closed-loop clients, ${HTTP_SECONDS} s measured after ${WARMUP} s of warm-up."
  echo "District: \`ledgerctl simulate --seed $SEED ${SIM_FLAGS[*]}\`, $(num "$EVENTS") events" \
    "(simulated in $SIM_SECS s); both systems hold these events before the appends start."
  echo
  echo "**Direct appends** (\`bench_append\`, in process, sync on):"
  echo
  grep '^|' "$WORK/append.txt"
  echo
  echo "**HTTP appends, replay, queries, memory, disk** (ours / PostgreSQL):"
  echo
  echo "| measure | this project | PostgreSQL 15 | ratio | server CPU µs/event (ours / PG) | errors (ours / PG) |"
  echo "|---|---:|---:|---:|---:|---:|"
  echo -n "$HTTP_ROWS"
  echo
  echo "**HTTP appends from independent load generators**: \`wrk\` (tools/bench/wrk_append.lua, one new complaint per request, or a batch of 100 to a new stream) against ledgerd, \`pgbench\` (tools/bench/pgbench_append.sql, one durable insert transaction per request, or 100 rows in one) against PostgreSQL; events/s (p50 / p99), server CPU per event. Goals: ≥ 3× PostgreSQL's events/s at 64 connections, ≥ 2× at 16 and for batches, CPU per event ≤ a third of PostgreSQL's."
  echo
  echo "| load | ledgerd (wrk) | PostgreSQL (pgbench) | ratio | server CPU µs/event (ours / PG) | CPU ratio | errors (ours / PG) |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
  echo -n "$WRK_ROWS"
  echo
  echo "| measure | this project | PostgreSQL 15 | ratio | server CPU µs/event (ours / PG) | errors (ours / PG) |"
  echo "|---|---:|---:|---:|---:|---:|"
  echo "| replay: every view rebuilt (\`ledgerctl rebuild\`) vs reading every event in order (cursor, payload included), events/s | $(num "$REBUILD_EPS") | $(num "$PG_SCAN_EPS") | $(ratio "$REBUILD_EPS" "$PG_SCAN_EPS") | | |"
  echo "| peak memory of the replay | $(kib_mib "$REBUILD_RSS") (ledgerctl rebuild, all views in memory) | $(kib_mib "$PG_SCAN_HWM") (the backend) | | | |"
  echo "| peak memory serving the appends and queries | $(kib_mib "$LEDGERD_HWM") (ledgerd VmHWM, views included) | $(kib_mib "$PG_PSS") (sum of PSS of all processes, sampled each second; largest single VmHWM $(kib_mib "$PG_HWM")) | | | |"
  echo "| bytes on disk per event after the load | $(per_event "$LEDGER_BYTES" "$EVENTS") (ledger) + $(per_event "$VIEWS_BYTES" "$EVENTS") (views) | $(per_event "$PG_TABLE_BYTES" "$PG_EVENTS") (table, TOAST and indexes); whole data folder with WAL $(per_event "$PG_DIR_BYTES" "$PG_EVENTS"), base/ $(per_event "$PG_BASE_BYTES" "$PG_EVENTS") | $(ratio "$LEDGER_BYTES" "$PG_TABLE_BYTES") (ledger / table) | | |"
  echo "| bytes on disk per event after the appends | $(per_event "$LEDGER_AFTER" "$LEDGER_HEAD") (ledger, $(num "$LEDGER_HEAD") events) | $(per_event "$PG_AFTER_BYTES" "$PG_AFTER_EVENTS") (table, $(num "$PG_AFTER_EVENTS") events) | | | |"
  echo
  echo "**The Merkle tree and receipts** (the same run; goal: the tree adds ≤ 5 % to an append's CPU):"
  echo
  echo "| measure | with | without | with / without |"
  echo "|---|---:|---:|---:|"
  echo "| in-process appends per CPU second (\`bench_tree\`, $(num "$(field "$TREE_LINE" events)") events in batches of 100, sync off; without = the tree's own CPU, measured alone, taken out) | $(num "$(field "$TREE_LINE" eps_with)") | $(num "$(field "$TREE_LINE" eps_without)") | $(ratio "$(field "$TREE_LINE" eps_with)" "$(field "$TREE_LINE" eps_without)") |"
  echo "| HTTP appends, 16 connections, single events, events/s (p50 / p99 ms); with = \`?receipt=true\` | $(num "$(field "$R_WITH" eps)") ($(field "$R_WITH" p50_ms) / $(field "$R_WITH" p99_ms)) | $(num "$(field "$R_PLAIN" eps)") ($(field "$R_PLAIN" p50_ms) / $(field "$R_PLAIN" p99_ms)) | $(ratio "$(field "$R_WITH" eps)" "$(field "$R_PLAIN" eps)") |"
  echo
  echo "In process, against the stored tree of $(num "$(field "$TREE_LINE" events)") events: inclusion proof p50 $(field "$TREE_LINE" inclusion_p50_ms) / p99 $(field "$TREE_LINE" inclusion_p99_ms) ms, consistency proof p99 $(field "$TREE_LINE" consistency_p99_ms) ms (the whole table: \`bench_tree\`). Over HTTP, no appends running, 2 connections without pause:"
  echo
  echo "| query | system | requests | p50 ms | p99 ms | max ms | errors |"
  echo "|---|---|---:|---:|---:|---:|---:|"
  query_rows ledgerd "$R_QUERIES"
  echo
  echo "**Queries while 16 connections append single events** ($QUERY_CONNECTIONS connections, ${QUERY_PAUSE_MS} ms pause between one connection's requests):"
  echo
  echo "| query | system | requests | p50 ms | p99 ms | max ms | errors |"
  echo "|---|---|---:|---:|---:|---:|---:|"
  query_rows ledgerd "$Q_OURS"
  query_rows "ledgerd, no appends" "$Q_IDLE"
  query_rows PostgreSQL "$Q_THEIRS"
  qo=$(grep '^appends' <<<"$Q_OURS"); qt=$(grep '^appends' <<<"$Q_THEIRS")
  echo
  echo "Appends meanwhile: ours $(num "$(field "$qo" eps)") events/s (p50 $(field "$qo" p50_ms), p99 $(field "$qo" p99_ms) ms);" \
    "PostgreSQL $(num "$(field "$qt" eps)") events/s (p50 $(field "$qt" p50_ms), p99 $(field "$qt" p99_ms) ms)." \
    "The PostgreSQL queries are what a user holding only the event table would run for the same" \
    "questions (a subset of what the views answer), computed from the events on each request."
  echo
  echo "**Rebuilding a simulated year** (\`bench_replay --simulate --years 1 ${YEAR_FLAGS[*]}\`, $REPLAY_SIM; read: the log read and decoded; apply: every view applied to events held in memory; rebuild: read and apply together, then every view written to the store, as \`ledgerctl rebuild\` does):"
  echo
  echo "    $REPLAY_BEST"
  echo
  echo "**RocksDB write-ahead-log settings** (\`bench_wal\`, raw RocksDB, sync on, the settings taking turns, median of $WAL_ROUNDS rounds):"
  echo
  grep '^|' "$WORK/wal.txt"
  if [ -n "$FSYNC_NOTE" ]; then
    echo
    echo "The disk (\`pg_test_fsync\`, one 8 kB write then a sync): $FSYNC_NOTE."
  fi
  echo
  echo "PostgreSQL loaded the export by COPY at $(num "$(field "$PG_LOAD_LINE" eps)") events/s and read it back in seq order: $PG_SCAN_ORDERED. Server CPU is ledgerd's own, and the postmaster's with every backend and helper process, over the whole run including warm-up."
} >"$OUT"
# The drivers' own output beside the table, for figures the table leaves out.
RAW="${OUT%.md}-raw"
mkdir -p "$RAW"
cp "$WORK"/*.txt "$RAW"/ 2>/dev/null || true
printf '%s\n' "$PG_LOAD_LINE" "$PG_SCAN_LINE" "$Q_OURS" "$Q_IDLE" "$Q_THEIRS" >"$RAW/pg-and-queries.txt"
grep -h '^first_error' "$WORK/http.txt" >&2 || true
say "wrote $OUT (and the drivers' output in $RAW)"
cat "$OUT"
