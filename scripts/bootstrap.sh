#!/usr/bin/env bash
# Brings a fresh machine to the point where the platform can run: Node dependencies (npm ci when
# node_modules is missing or older than the lockfile) and the pinned Dapr binaries. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[bootstrap] installing Node dependencies (npm ci)" >&2
  npm ci --no-audit --no-fund >&2
fi
scripts/dapr-binaries.sh >/dev/null
