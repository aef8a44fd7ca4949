#!/usr/bin/env bash
# Builds the libFuzzer targets with clang, AddressSanitizer and UndefinedBehaviorSanitizer in a
# build folder of their own (build-fuzz/), and runs each for a set time.
#
#   bash tools/fuzz.sh                          # every target, 600 s each, one after another
#   bash tools/fuzz.sh --time 60 fuzz_event_json
#   bash tools/fuzz.sh --build-only
#
# Each target starts from its checked-in seeds (fuzz/corpus/<target>/) and keeps what it learns in
# build-fuzz/corpus/<target>/, so a later run goes on from there. A crash, timeout, leak or
# out-of-memory input is saved under build-fuzz/artifacts/<target>/ and the script exits 1; to
# replay one: build-fuzz/fuzz/<target> <file>. Logs are in build-fuzz/logs/.
set -euo pipefail
cd "$(dirname "$0")/.."

time_per_target=600
build_only=0
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --time) time_per_target="$2"; shift 2 ;;
    --time=*) time_per_target="${1#--time=}"; shift ;;
    --build-only) build_only=1; shift ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
all_targets=(fuzz_event_json fuzz_http_request)
if [ ${#targets[@]} -eq 0 ]; then targets=("${all_targets[@]}"); fi
for t in "${targets[@]}"; do
  case " ${all_targets[*]} " in
    *" $t "*) ;;
    *) echo "fuzz.sh: no target $t; targets: ${all_targets[*]}" >&2; exit 2 ;;
  esac
done
if ! [[ "$time_per_target" =~ ^[0-9]+$ ]] || [ "$time_per_target" -lt 1 ]; then
  echo "fuzz.sh: --time takes a whole number of seconds" >&2
  exit 2
fi

# --- packages: the project's own, then clang and its runtimes (libFuzzer, the sanitizers) --------
bash tools/bootstrap.sh clang libclang-rt-14-dev
if [ ! -f "$(clang -print-file-name=libclang_rt.fuzzer-x86_64.a)" ]; then
  echo "fuzz.sh: clang has no libFuzzer runtime (libclang_rt.fuzzer); is libclang-rt-14-dev installed?" >&2
  exit 1
fi

# --- build ----------------------------------------------------------------------------------------
build=build-fuzz
# -O1 and assertions on: the checks in Result::value() and friends are worth having here.
sanitize="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined"
flags="$sanitize -O1 -g -fno-omit-frame-pointer"
cmake -S . -B "$build" -G Ninja \
  -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_C_FLAGS="$flags" -DCMAKE_CXX_FLAGS="$flags" \
  -DLEDGER_FUZZ=ON -DBUILD_TESTING=OFF >/dev/null
ninja -C "$build" -j "${JOBS:-2}" "${targets[@]}"
if [ "$build_only" -eq 1 ]; then exit 0; fi

# --- run ------------------------------------------------------------------------------------------
# Longest input each target is given: an append body of a few events, a few requests with bodies.
declare -A max_len=([fuzz_event_json]=4096 [fuzz_http_request]=8192)
mkdir -p "$build/logs"
summary=()
failed=0
for t in "${targets[@]}"; do
  corpus="$build/corpus/$t"
  artifacts="$build/artifacts/$t"
  scratch="$build/tmp/$t"
  log="$build/logs/$t.log"
  mkdir -p "$corpus" "$artifacts" "$scratch"
  args=(
    -max_total_time="$time_per_target"
    -max_len="${max_len[$t]}"
    -timeout=30
    -rss_limit_mb=4096
    -print_final_stats=1
    -artifact_prefix="$artifacts/"
  )
  if [ -f "fuzz/$t.dict" ]; then args+=(-dict="fuzz/$t.dict"); fi
  echo "=== $t: ${time_per_target}s, corpus $corpus (seeds fuzz/corpus/$t), log $log"
  touch "$build/logs/$t.start"
  before=$(find "$artifacts" -type f | wc -l)
  # The HTTP target keeps its ledger in a temporary folder; a crash leaves it behind, so give it
  # one that is cleared here.
  set +e
  TMPDIR="$PWD/$scratch" nice -n 10 "$build/fuzz/$t" "${args[@]}" "$corpus" "fuzz/corpus/$t" \
    2>&1 | tee "$log" | awk '/pulse|ERROR|SUMMARY|^Done|^stat::/ || (/^#[0-9]+.*NEW/ && ++n % 25 == 1) {
      print; fflush() }'
  status=${PIPESTATUS[0]}
  set -e
  rm -rf "$scratch"
  after=$(find "$artifacts" -type f | wc -l)
  last=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
  stat() { awk -v key="stat::$1:" '$1 == key { print $2; exit }' "$log"; }
  line="$t: exit $status; runs $(stat number_of_executed_units), $(stat average_exec_per_sec)/s"
  line+=", new units $(stat new_units_added), peak RSS $(stat peak_rss_mb) MB"
  line+=", corpus $(find "$corpus" -type f | wc -l) files; last: ${last:-none}"
  if [ "$status" -ne 0 ] || [ "$after" -gt "$before" ]; then
    failed=1
    line+=$'\n'"  FOUND: $(grep -m1 -E 'ERROR: |fuzz_[a-z_]+: ' "$log" || echo "exit $status")"
    line+=$'\n'"  artifacts: $(find "$artifacts" -type f -newer "$build/logs/$t.start" | tr '\n' ' ')"
  fi
  summary+=("$line")
done

echo
echo "=== summary"
for line in "${summary[@]}"; do echo "$line"; done
exit "$failed"
