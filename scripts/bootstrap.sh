#!/usr/bin/env bash
# Brings a fresh machine to the point where the platform can run, then runs the given command
# (if any) with the pinned Node first on PATH:
#   1. Node 24 (scripts/node-runtime.sh: the one on PATH, or the npm registry's build, cached);
#   2. Node dependencies (npm ci when node_modules is missing, older than the lockfile, or was
#      installed by another Node major, whose native builds would not load);
#   3. the pinned Dapr binaries;
#   4. the console's build (scripts/build-console.sh: rebuilt only when its sources changed).
# Idempotent: a second run does nothing but check.
#
#   bash scripts/bootstrap.sh                      # just prepare
#   bash scripts/bootstrap.sh node scripts/x.ts    # prepare, then exec the command on Node 24
set -euo pipefail
cd "$(dirname "$0")/.."
node_bin=$(bash scripts/node-runtime.sh | tail -1)
export PATH="$node_bin:$PATH"
stamp=node_modules/.node-major
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ] \
  || [ "$(cat "$stamp" 2>/dev/null)" != "$(node -p 'process.versions.node.split(".")[0]')" ]; then
  echo "[bootstrap] installing Node dependencies (npm ci on Node $(node -v))" >&2
  npm ci --no-audit --no-fund >&2
  node -p 'process.versions.node.split(".")[0]' > "$stamp"
fi
scripts/dapr-binaries.sh >/dev/null
bash scripts/build-console.sh
if [ $# -gt 0 ]; then exec "$@"; fi
