#!/usr/bin/env bash
# `dapr run -f .` (dapr.yaml) with the settings both the apps and their sidecars need. The Dapr CLI
# hands a run file's `env` to the apps only, while each daprd inherits the CLI's own environment, so
# the TURUMBA_SECRET_* variables (read by the components through the envsecrets store) are exported
# here, before the CLI starts. Every value is a development default that an exported variable
# overrides. Extra arguments go to `dapr run` (for example --runtime-path).
set -euo pipefail
cd "$(dirname "$0")/.."

export DATABASE_URL=${DATABASE_URL:-postgres://turumba:turumba@127.0.0.1:5432/turumba}
export TURUMBA_SECRET_DAPR_STATE_PG_URL=${TURUMBA_SECRET_DAPR_STATE_PG_URL:-$DATABASE_URL}
export TURUMBA_SECRET_AMQP_URL=${TURUMBA_SECRET_AMQP_URL:-amqp://guest:guest@127.0.0.1:5672}
export TURUMBA_SECRET_REDIS_HOST=${TURUMBA_SECRET_REDIS_HOST:-127.0.0.1:6379}
# One key ring for both apps: the API seals channel credentials that the dispatcher opens (unset,
# each process would draw a random key of its own). 32 zero bytes, as compose's default.
export CREDENTIALS_KEYS=${CREDENTIALS_KEYS:-dev:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=}

command -v dapr >/dev/null || { echo "[dapr-run] the Dapr CLI is not on PATH (bash scripts/dapr-cli.sh builds one)" >&2; exit 1; }
exec dapr run -f . "$@"
