#!/usr/bin/env bash
# Sets up, builds, and runs every test with ctest. Then builds the ledger's and the server's test
# binaries a second time into build-sanitize/ with clang (assertions on, AddressSanitizer and
# UndefinedBehaviorSanitizer stopping at the first finding, and -Wthread-safety as an error, which
# proves every lock annotation of base/mutex.h in the code it compiles) and runs them there:
# reading a failed Result, a use after free at shutdown, a data race's torn object fail there
# loudly. SANITIZE=0 skips that second pass (a quicker run while working).
set -euo pipefail
cd "$(dirname "$0")/.."
# clang: the second build below, and the ctest that shows its lock analysis refusing bad code.
bash tools/bootstrap.sh clang libclang-rt-14-dev
bash tools/build.sh
(cd build && ctest -j "${JOBS:-2}" --output-on-failure --timeout 900)

if [ "${SANITIZE:-1}" = "0" ]; then
  exit 0
fi
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi
# A folder configured with another compiler is configured afresh.
if [ -f build-sanitize/CMakeCache.txt ] &&
  ! grep -q '^CMAKE_CXX_COMPILER:[A-Z]*=.*clang++' build-sanitize/CMakeCache.txt; then
  rm -rf build-sanitize
fi
if [ ! -f build-sanitize/build.ninja ]; then
  CC=clang CXX=clang++ cmake -S . -B build-sanitize -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DLEDGER_SANITIZE=ON "${launcher[@]}" >/dev/null
fi
# The unit tests of the store and the end-to-end tests of the server: the code with threads,
# lifetimes and hostile input; and the views' tests with no cache, whose records come and go.
# The simulator's tests run in the build above.
# crash_drill too: it is not run here, but compiling it checks its locks.
cmake --build build-sanitize -j "${JOBS:-2}" --target ledger_tests http_tests projection_tests \
  crash_drill
export ASAN_OPTIONS="halt_on_error=1:abort_on_error=1:detect_leaks=1:strict_string_checks=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
cd build-sanitize
for binary in ledger_tests http_tests; do
  echo "test: $binary under AddressSanitizer and UndefinedBehaviorSanitizer" >&2
  ./"$binary"
done
# The views with no cache: a record read after the engine dropped it from memory fails here.
echo "test: the view tests with no cache, under AddressSanitizer" >&2
LEDGER_TEST_VIEWS_CACHE_BYTES=0 ./projection_tests "~[engine]"
