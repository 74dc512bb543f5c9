#!/usr/bin/env bash
# Builds the console (console/, served by the API at /console) into .build/console, unless the
# build there was made from the same sources: a fingerprint of console/, the typed client and the
# core module it imports, and the lockfile is kept beside the build, so a second run (every
# `npm test` and `npm run demo` after the first, and CI with a warm work tree) costs one hash of a
# few files.
# Type-checks the console first (tsc -p console), since Vite only strips types.
#
#   bash scripts/build-console.sh          # build when the sources changed
#   bash scripts/build-console.sh --force  # build anyway
set -euo pipefail
cd "$(dirname "$0")/.."
out=.build/console
stamp=.build/console.fingerprint
fingerprint=$( (find console clients/typescript core/dead-letters.ts -type f -not -path '*/node_modules/*' -print0 | sort -z | xargs -0 sha256sum; sha256sum package-lock.json) | sha256sum | cut -d' ' -f1)
if [ "${1:-}" != "--force" ] && [ -f "$out/index.html" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$fingerprint" ]; then
  exit 0
fi
echo "[build-console] building the console into $out" >&2
npx tsc -p console/tsconfig.json >&2
npx vite build --config console/vite.config.ts --logLevel warn >&2
mkdir -p .build
echo "$fingerprint" > "$stamp"
