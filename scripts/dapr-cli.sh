#!/usr/bin/env bash
# Provides the Dapr CLI (`dapr`, for `dapr run -f .` with dapr.yaml) at the version that matches the
# pinned runtime's minor (dapr/VERSION) and prints the directory that holds it (last line of stdout).
# Order of preference: `dapr` on PATH at that minor; our version-stamped cache; a fresh build of
# github.com/dapr/cli from the Go module proxy (or, where the proxy refuses it, from the git
# repository DAPR_CLI_SRC names) into that cache. Nothing is written inside the repository.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
DAPR_VERSION=$(tr -d ' \n' < "$here/../dapr/VERSION")
MINOR=${DAPR_VERSION%.*}
# The CLI is released per runtime minor; its first release of a minor runs every patch of it.
CLI_VERSION=${DAPR_CLI_VERSION:-$MINOR.0}
CACHE_ROOT=${TURUMBA_CACHE:-$HOME/.cache/turumba}
CACHE=$CACHE_ROOT/dapr-cli/$CLI_VERSION

log() { printf '[dapr-cli] %s\n' "$*" >&2; }
die() { printf '[dapr-cli] ERROR: %s\n' "$*" >&2; exit 1; }

# "1.18.0" from `dapr version`'s "CLI version: 1.18.0" line.
cli_minor_ok() {
  local out; out=$("$1" version 2>/dev/null | head -1 || true)
  [[ $out =~ CLI\ version:\ ([0-9]+\.[0-9]+)\. ]] && [ "${BASH_REMATCH[1]}" = "$MINOR" ]
}

if command -v dapr >/dev/null 2>&1 && cli_minor_ok "$(command -v dapr)"; then dirname "$(command -v dapr)"; exit 0; fi
if [ -x "$CACHE/bin/dapr" ] && cli_minor_ok "$CACHE/bin/dapr"; then echo "$CACHE/bin"; exit 0; fi

command -v go >/dev/null || die "Go is needed to build the Dapr CLI $CLI_VERSION (none on PATH)"
mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9
if [ -x "$CACHE/bin/dapr" ] && cli_minor_ok "$CACHE/bin/dapr"; then echo "$CACHE/bin"; exit 0; fi

log "building the Dapr CLI $CLI_VERSION into $CACHE"
started=$(date +%s)
src=$CACHE/src
rm -rf "$src" "$CACHE/bin.tmp" && mkdir -p "$CACHE/bin.tmp"
moddir=$(GOFLAGS=-mod=mod go mod download -json "github.com/dapr/cli@v$CLI_VERSION" 2>/dev/null \
  | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p' || true)
if [ -d "$moddir" ]; then
  cp -r "$moddir" "$src" && chmod -R u+w "$src"
elif [ -n "${DAPR_CLI_SRC:-}" ]; then
  # A proxy may refuse the module's zip (proxy.golang.org answers 403 for some dapr/cli versions):
  # build from a git repository of github.com/dapr/cli instead; its dependencies still come
  # from the proxy, checked against the module's go.sum.
  log "the Go module proxy has no github.com/dapr/cli@v$CLI_VERSION; using tag v$CLI_VERSION of $DAPR_CLI_SRC"
  mkdir -p "$src"
  git --git-dir="$(git -C "$DAPR_CLI_SRC" rev-parse --absolute-git-dir 2>/dev/null || echo "$DAPR_CLI_SRC")" \
    archive "v$CLI_VERSION" | tar -x -C "$src" || die "no tag v$CLI_VERSION in $DAPR_CLI_SRC"
else
  die "the Go module proxy has no github.com/dapr/cli@v$CLI_VERSION; set DAPR_CLI_SRC to a git clone of github.com/dapr/cli"
fi
# Dependencies the proxy refuses for 1.18.0, each replaced by the nearest version it serves: the
# go-sdk release that followed the pinned release candidate, and the go-etcd-cron patch the Dapr
# 1.18.2 runtime itself uses. Applied only when the build as pinned cannot download them.
REFUSED_REPLACEMENTS=(
  github.com/dapr/go-sdk=github.com/dapr/go-sdk@v1.15.0
  github.com/diagridio/go-etcd-cron=github.com/diagridio/go-etcd-cron@v0.12.6
)
build() {
  # `dapr version` reports main.version; the run-file code checks nothing else.
  go build -trimpath -ldflags "-s -w -X main.version=$CLI_VERSION" -o "$CACHE/bin.tmp/dapr" .
}
(
  cd "$src"
  export CGO_ENABLED=0
  if ! GOFLAGS="-mod=readonly -buildvcs=false" build 2>"$CACHE/build.log"; then
    grep -q '403 Forbidden' "$CACHE/build.log" || { cat "$CACHE/build.log"; exit 1; }
    log "the proxy refuses some pinned dependencies; replacing: ${REFUSED_REPLACEMENTS[*]}"
    for r in "${REFUSED_REPLACEMENTS[@]}"; do go mod edit -replace "$r"; done
    GOFLAGS="-mod=mod -buildvcs=false" build
  fi
) >&2 || die "go build failed (see output above)"
rm -rf "$src"
rm -rf "$CACHE/bin" && mv "$CACHE/bin.tmp" "$CACHE/bin"
log "built in $(( $(date +%s) - started ))s"
echo "$CACHE/bin"
