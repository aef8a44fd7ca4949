#!/usr/bin/env bash
# Sets up, builds, and runs every test with ctest. With SANITIZE=1 it then builds the unit and
# end-to-end tests a second time into build-sanitize/ (assertions on, AddressSanitizer and
# UndefinedBehaviorSanitizer, stopping at the first finding) and runs them there.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/build.sh
(cd build && ctest -j "${JOBS:-2}" --output-on-failure --timeout 900)

if [ "${SANITIZE:-0}" != "1" ]; then
  exit 0
fi
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi
if [ ! -f build-sanitize/build.ninja ]; then
  cmake -S . -B build-sanitize -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLEDGER_SANITIZE=ON \
    "${launcher[@]}" >/dev/null
fi
cmake --build build-sanitize -j "${JOBS:-2}"
export ASAN_OPTIONS="halt_on_error=1:abort_on_error=1:detect_leaks=1:strict_string_checks=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
cd build-sanitize
ctest -j "${JOBS:-2}" --output-on-failure --timeout 900
