#!/usr/bin/env bash
# Sets up (tools/bootstrap.sh) and builds everything into build/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/bootstrap.sh
if [ ! -f build/build.ninja ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
# Two cores: two jobs keep the machine responsive and memory in bounds.
cmake --build build -j "${JOBS:-2}"
