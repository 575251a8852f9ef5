#!/usr/bin/env bash
# Everything CI runs, from a fresh clone: installs what is missing (npm packages; Debian packages when run as
# root), then lint, typecheck, build, every Jest test (unit and integration), and the bundle checks.
# Ends with one line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p artifacts

step() { printf '\n==> %s\n' "$*"; }
fail=0

# Debian packages the integration tests start for real (prometheus, chromium) or run as checkers (promtool,
# amtool from prometheus-alertmanager, docker-compose v1 for `config`). Installed when missing and we are root.
DEBIAN_PACKAGES=(prometheus chromium prometheus-alertmanager docker-compose)
missing=()
for pkg in "${DEBIAN_PACKAGES[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    step "installing Debian packages: ${missing[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null || exit 1
  else
    echo "missing Debian packages: ${missing[*]} (run as root, or install them, to run the integration tests)" >&2
    exit 1
  fi
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  step "npm ci"
  npm ci --no-audit --no-fund || exit 1
fi

step "lint";       npm run --silent lint || fail=1
step "typecheck";  npm run --silent typecheck || fail=1
step "build";      npm run --silent build >artifacts/build.log 2>&1 || { tail -40 artifacts/build.log; fail=1; }
step "bundle checks"
node scripts/check-dist.js || fail=1

step "jest (unit and integration)"
npx jest --ci --maxWorkers 2 --json --outputFile artifacts/jest.json || fail=1

node -e '
  const r = require("./artifacts/jest.json");
  console.log(`\njest: ${r.numPassedTests} passed, ${r.numFailedTests} failed`);
  if (r.numTotalTests === 0) { console.error("no tests ran"); process.exit(1); }
' || fail=1
exit $fail
