#!/usr/bin/env bash
# Sets up, builds, and starts the service on the embedded data folder (var/ by default): creates
# it if absent, loads a simulated demo district into it when it is empty, prints where the
# service listens (the dashboard at /, the API under /v1/) and a demo token for each role, then
# runs ledgerd until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/build.sh

DATA="${LEDGER_DATA:-var}"
LISTEN="${LEDGER_LISTEN:-127.0.0.1}"
PORT="${LEDGER_PORT:-8080}"

# Names the log and creates its signing key once (an existing folder without one gets it too), so
# that ledgerd signs checkpoints; a folder that has a key keeps it.
if [ -f "$DATA/signing.key" ]; then
  build/ledgerctl init --data "$DATA" >/dev/null
else
  build/ledgerctl init --data "$DATA" --origin "${LEDGER_ORIGIN:-demo.invalid/ledger}" >/dev/null
fi
if [ "$(build/ledgerctl head --data "$DATA" | cut -d' ' -f1)" = "0" ]; then
  echo "run: $DATA is empty; loading a simulated demo district (seed 1)"
  build/ledgerctl simulate --data "$DATA" --seed 1 --households "${DEMO_HOUSEHOLDS:-60}"
fi

# Demo tokens, one per role, kept in the data folder so that later runs print the same ones.
# (The server itself stores only their hashes, in $DATA/tokens.)
DEMO="$DATA/demo-tokens"
if [ ! -s "$DEMO" ]; then
  umask 077
  {
    echo "admin $(build/ledgerctl token create --data "$DATA" --role admin --actor person/demo-admin)"
    echo "streetAuditor $(build/ledgerctl token create --data "$DATA" --role streetAuditor --actor person/demo-auditor)"
    echo "communityWorker $(build/ledgerctl token create --data "$DATA" --role communityWorker --actor person/demo-worker --estate estate/e01)"
    echo "companyStaff $(build/ledgerctl token create --data "$DATA" --role companyStaff --actor person/demo-staff --company company/hongxin)"
    echo "ownersCommittee $(build/ledgerctl token create --data "$DATA" --role ownersCommittee --actor person/demo-committee --estate estate/e01)"
    echo "resident $(build/ledgerctl token create --data "$DATA" --role resident --actor person/demo-resident --estate estate/e01)"
  } > "$DEMO"
fi
echo "run: demo tokens (role token):"
sed 's/^/  /' "$DEMO"
echo "run: the dashboard: open http://$LISTEN:$PORT/ in a browser and paste one of the tokens above"
echo "run: try  curl -s -H \"Authorization: Bearer \$(awk '/^admin/{print \$2}' $DEMO)\" http://$LISTEN:$PORT/v1/head"
exec build/ledgerd --listen "$LISTEN" --port "$PORT" --data "$DATA"
