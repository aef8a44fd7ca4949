#!/usr/bin/env bash
# The dashboard's browser tests: a real ledgerd on an ephemeral loopback port, over a small
# simulated district, with a token per role, driven by Playwright in Debian's Chromium.
#
#   bash tests/web/run.sh BUILD_DIR        (ctest runs it as "dashboard_browser")
#
# Installs what it uses: chromium, npm and a CJK font (tools/bootstrap.sh), and @playwright/test
# from package-lock.json (no browser download: the Debian package is the browser). Screenshots
# of every page at phone and desktop widths go to BUILD_DIR/dashboard-screenshots/.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
build="$(cd "${1:-$repo/build}" && pwd)"

# Node and npm may come from another package than Debian's npm (which would conflict with it):
# asked for only when the commands are missing.
wanted=(fonts-noto-cjk)
command -v chromium >/dev/null || wanted+=(chromium)
command -v npm >/dev/null || wanted+=(npm)
bash "$repo/tools/bootstrap.sh" "${wanted[@]}"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
if [ ! -x "$here/node_modules/.bin/playwright" ]; then
  (cd "$here" && npm ci --no-audit --no-fund >/dev/null)
fi

data="$(mktemp -d "${TMPDIR:-/tmp}/dashboard-test-XXXXXX")"
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$data"
}
trap cleanup EXIT

ctl="$build/ledgerctl"
"$ctl" init --data "$data" >/dev/null
"$ctl" simulate --data "$data" --seed 1 --households "${DASHBOARD_HOUSEHOLDS:-24}" >/dev/null
token() { "$ctl" token create --data "$data" "$@"; }
export TOKEN_admin="$(token --role admin --actor person/web-admin)"
export TOKEN_streetAuditor="$(token --role streetAuditor --actor person/web-auditor)"
export TOKEN_communityWorker="$(token --role communityWorker --actor person/web-worker --estate estate/e01)"
export TOKEN_companyStaff="$(token --role companyStaff --actor person/web-staff --company company/hongxin)"
export TOKEN_ownersCommittee="$(token --role ownersCommittee --actor person/web-committee --estate estate/e01)"
export TOKEN_resident="$(token --role resident --actor person/web-resident --estate estate/e01)"

"$build/ledgerd" --listen 127.0.0.1 --port 0 --data "$data" --sync 0 --web "$repo/web" \
  >"$data/ledgerd.out" 2>&1 &
pid=$!
for _ in $(seq 1 200); do
  if grep -q "listening on" "$data/ledgerd.out"; then break; fi
  if ! kill -0 "$pid" 2>/dev/null; then cat "$data/ledgerd.out" >&2; exit 1; fi
  sleep 0.1
done
port="$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$data/ledgerd.out")"
if [ -z "$port" ]; then cat "$data/ledgerd.out" >&2; exit 1; fi
export LEDGER_URL="http://127.0.0.1:$port"
export SCREENSHOT_DIR="$build/dashboard-screenshots"
mkdir -p "$SCREENSHOT_DIR"
cd "$here"
npx playwright test --reporter=line "${@:2}"
