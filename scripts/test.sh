#!/usr/bin/env bash
# The whole test suite, as README's second command and CI run it: dependencies and Dapr binaries,
# the infrastructure (PostgreSQL, RabbitMQ, Redis on 127.0.0.1), lint, format, typecheck, then unit and
# integration tests on the real runtime, all on the pinned Node 24, and the container path (vitest's
# `containers` project, and the image and compose tests of the integration project) where podman is
# installed; without podman those are reported as skipped, with the reason. Ends with one plain line:
# "tests: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh || exit 1
# Everything below runs on the pinned Node (24), whichever Node started `npm test`.
export PATH="$(bash scripts/node-runtime.sh | tail -1):$PATH"
echo "== node $(node -v)"
bash scripts/infra.sh || exit 1

status=0
echo "== lint" && npx eslint . || status=1
echo "== format" && npx prettier --check . >/dev/null || { npx prettier --list-different .; status=1; }
echo "== typecheck" && npx tsc --noEmit || status=1

report=$(mktemp -d)/vitest.json
echo "== tests (unit + integration)"
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@" || status=1

if [ -s "$report" ]; then
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
    // A suite whose setup fails leaves its tests "skipped": count those suites as failures too.
    const failedSuites = r.numFailedTestSuites ?? 0;
    console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped, ${failedSuites} suites failed`);
    if (r.numTotalTests === 0 || r.numFailedTests > 0 || failedSuites > 0) process.exit(1);
  ' "$report" || status=1
else
  echo "tests: 0 passed, 1 failed"
  status=1
fi
exit $status
