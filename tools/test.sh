#!/usr/bin/env bash
# Sets up, builds, and runs every test with ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/build.sh
cd build
ctest -j "${JOBS:-2}" --output-on-failure --timeout 900
