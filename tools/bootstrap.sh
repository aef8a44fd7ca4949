#!/usr/bin/env bash
# Installs the Debian packages the build, the tests and the service need, and any more named as
# arguments (the fuzzing and benchmark scripts add theirs). Idempotent: when every package is
# present it only checks, in well under a second.
#
#   bash tools/bootstrap.sh [PACKAGE ...]
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config git
  libboost1.81-dev libboost-json1.81-dev  # Asio, Beast; JSON for the HTTP edge
  librocksdb-dev                          # the store
  capnproto libcapnp-dev                  # the schemas, their C++ code and the JSON codec
  catch2                                  # tests
  libssl-dev                              # SHA-256
  libcli11-dev                            # ledgerctl's argument parsing
  libjemalloc-dev                         # ledgerd's allocator, which gives freed memory back
  golang-go golang-golang-x-mod-dev       # the independent verifier in tests/verifier (sumdb)
  rocksdb-tools                           # ldb: the tamper test alters a stored event with it
  "$@"
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "bootstrap: installing ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
