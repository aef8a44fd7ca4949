#!/usr/bin/env bash
# Sets up, builds, and starts on the embedded default data folder (var/).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/build.sh
DATA="${LEDGER_DATA:-var}"
build/ledgerctl init --data "$DATA"
build/ledgerctl verify --data "$DATA"
