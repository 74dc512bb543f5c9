#!/usr/bin/env bash
# Provides Docker Compose (the official implementation, github.com/docker/compose/v2, built from the
# Go module proxy as a standalone `docker-compose`) and prints the directory that holds it (last
# line of stdout). It talks to any Docker-compatible API: the container tests point it at podman's
# (DOCKER_HOST). Order of preference: our version-stamped cache; a fresh build into it. Nothing is
# written inside the repository.
set -euo pipefail

COMPOSE_VERSION=${COMPOSE_VERSION:-2.40.3}
CACHE_ROOT=${TURUMBA_CACHE:-$HOME/.cache/turumba}
CACHE=$CACHE_ROOT/compose/$COMPOSE_VERSION

log() { printf '[compose-cli] %s\n' "$*" >&2; }
die() { printf '[compose-cli] ERROR: %s\n' "$*" >&2; exit 1; }

built() { [ -x "$CACHE/bin/docker-compose" ] && "$CACHE/bin/docker-compose" version --short 2>/dev/null | grep -qx "v\?$COMPOSE_VERSION"; }

if built; then echo "$CACHE/bin"; exit 0; fi
command -v go >/dev/null || die "Go is needed to build Docker Compose $COMPOSE_VERSION (none on PATH)"
mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9
if built; then echo "$CACHE/bin"; exit 0; fi

log "building Docker Compose $COMPOSE_VERSION into $CACHE"
started=$(date +%s)
moddir=$(GOFLAGS=-mod=mod go mod download -json "github.com/docker/compose/v2@v$COMPOSE_VERSION" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')
[ -d "$moddir" ] || die "could not download github.com/docker/compose/v2@v$COMPOSE_VERSION from the Go module proxy"
rm -rf "$CACHE/src" "$CACHE/bin.tmp" && mkdir -p "$CACHE/bin.tmp"
cp -r "$moddir" "$CACHE/src" && chmod -R u+w "$CACHE/src"
(
  cd "$CACHE/src"
  export GOFLAGS="-mod=readonly -buildvcs=false" CGO_ENABLED=0
  go build -trimpath -ldflags "-s -w -X github.com/docker/compose/v2/internal.Version=v$COMPOSE_VERSION" \
    -o "$CACHE/bin.tmp/docker-compose" ./cmd
) >&2 || die "go build failed (see output above)"
rm -rf "$CACHE/bin" && mv "$CACHE/bin.tmp" "$CACHE/bin" && rm -rf "$CACHE/src"
log "built in $(( $(date +%s) - started ))s"
echo "$CACHE/bin"
