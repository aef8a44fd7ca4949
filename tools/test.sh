#!/usr/bin/env bash
# Sets up, builds, and runs every test with ctest. Then builds the ledger's and the server's test
# binaries a second time into build-sanitize/ (assertions on, AddressSanitizer and
# UndefinedBehaviorSanitizer, stopping at the first finding) and runs them there: reading a
# failed Result, a use after free at shutdown, a data race's torn object fail there loudly.
# SANITIZE=0 skips that second pass (a quicker run while working).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/build.sh
(cd build && ctest -j "${JOBS:-2}" --output-on-failure --timeout 900)

if [ "${SANITIZE:-1}" = "0" ]; then
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
# The unit tests of the store and the end-to-end tests of the server: the code with threads,
# lifetimes and hostile input. The views' and the simulator's tests run in the build above.
cmake --build build-sanitize -j "${JOBS:-2}" --target ledger_tests http_tests
export ASAN_OPTIONS="halt_on_error=1:abort_on_error=1:detect_leaks=1:strict_string_checks=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
cd build-sanitize
for binary in ledger_tests http_tests; do
  echo "test: $binary under AddressSanitizer and UndefinedBehaviorSanitizer" >&2
  ./"$binary"
done
