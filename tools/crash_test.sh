#!/usr/bin/env bash
# The full crash test: builds ledgerd and crash_drill, then kills ledgerd with SIGKILL at random
# moments under concurrent appends, restarts it, and checks after every kill that each
# acknowledged event is present and unchanged, the chain verifies with no gap, and the views
# caught up equal a rebuild (see tools/crash_drill.cc). The test suite runs a short version.
#
#   bash tools/crash_test.sh [--cycles 20] [--appenders 4] [--seed S] [--data DIR]
#
# Exits non-zero on the first violation, naming it; the folder is then kept for inspection.
# BUILD_DIR names the build folder (default build/).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD="${BUILD_DIR:-build}"
bash tools/bootstrap.sh
if [ ! -f "$BUILD/build.ninja" ]; then
  cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$BUILD" -j "${JOBS:-2}" --target ledgerd crash_drill
args=("$@")
has_cycles=0
for a in "${args[@]}"; do [ "$a" = "--cycles" ] && has_cycles=1; done
[ "$has_cycles" = 1 ] || args=(--cycles 20 "${args[@]}")
exec "$BUILD/crash_drill" --ledgerd "$BUILD/ledgerd" "${args[@]}"
