#!/usr/bin/env bash
# Provides daprd, placement and scheduler at the pinned Dapr version and prints the directory
# that holds them (last line of stdout). Order of preference:
#   1. DAPR_BIN_DIR, if it holds all three at the pinned minor version;
#   2. binaries on PATH or in ~/.dapr/bin at the pinned minor version;
#   3. our version-stamped cache, built earlier on this machine;
#   4. a fresh build from the Go module proxy into that cache.
# The build runs inside the downloaded dapr module so its go.mod replace directives apply, with
# the official `stablecomponents` tag. Nothing is written inside the repository.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
DAPR_VERSION=$(tr -d ' \n' < "$here/../dapr/VERSION")
MINOR=${DAPR_VERSION%.*}
CACHE_ROOT=${TURUMBA_CACHE:-$HOME/.cache/turumba}
CACHE=$CACHE_ROOT/dapr/$DAPR_VERSION
BINS=(daprd placement scheduler)

log() { printf '[dapr-binaries] %s\n' "$*" >&2; }
die() { printf '[dapr-binaries] ERROR: %s\n' "$*" >&2; exit 1; }

# "1.18.2" from `daprd --version` (daprd) or from the build info the others print at start-up.
version_of() {
  local bin=$1 out
  out=$("$bin" --version 2>/dev/null | head -1 || true)
  [[ $out =~ ([0-9]+\.[0-9]+\.[0-9]+) ]] && echo "${BASH_REMATCH[1]}"
}

dir_ok() {
  local dir=$1
  for b in "${BINS[@]}"; do [ -x "$dir/$b" ] || return 1; done
  local v; v=$(version_of "$dir/daprd")
  [ "${v%.*}" = "$MINOR" ]
}

if [ -n "${DAPR_BIN_DIR:-}" ] && dir_ok "$DAPR_BIN_DIR"; then echo "$DAPR_BIN_DIR"; exit 0; fi

if command -v daprd >/dev/null 2>&1; then
  d=$(dirname "$(command -v daprd)")
  if dir_ok "$d"; then log "using Dapr from PATH ($d)"; echo "$d"; exit 0; fi
fi
if dir_ok "$HOME/.dapr/bin"; then log "using Dapr from ~/.dapr/bin"; echo "$HOME/.dapr/bin"; exit 0; fi
if dir_ok "$CACHE/bin"; then echo "$CACHE/bin"; exit 0; fi

command -v go >/dev/null || die "Go is needed to build Dapr $DAPR_VERSION (none on PATH)"
mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
# Another run may be building right now: wait for it, then reuse its result.
flock 9
if dir_ok "$CACHE/bin"; then echo "$CACHE/bin"; exit 0; fi

log "building Dapr $DAPR_VERSION (daprd with stablecomponents, placement, scheduler) into $CACHE"
started=$(date +%s)
moddir=$(go mod download -json "github.com/dapr/dapr@v$DAPR_VERSION" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')
[ -d "$moddir" ] || die "could not download github.com/dapr/dapr@v$DAPR_VERSION from the Go module proxy"
rm -rf "$CACHE/src" "$CACHE/bin.tmp"
cp -r "$moddir" "$CACHE/src"
chmod -R u+w "$CACHE/src"
mkdir -p "$CACHE/bin.tmp"
ldflags="-s -w -X github.com/dapr/dapr/pkg/buildinfo.version=$DAPR_VERSION -X github.com/dapr/dapr/pkg/buildinfo.gitversion=v$DAPR_VERSION"
(
  cd "$CACHE/src"
  export GOFLAGS="-mod=readonly -buildvcs=false" CGO_ENABLED=0
  go build -trimpath -tags stablecomponents -ldflags "$ldflags" -o "$CACHE/bin.tmp/daprd" ./cmd/daprd
  go build -trimpath -ldflags "$ldflags" -o "$CACHE/bin.tmp/placement" ./cmd/placement
  go build -trimpath -ldflags "$ldflags" -o "$CACHE/bin.tmp/scheduler" ./cmd/scheduler
) >&2 || die "go build failed (see output above)"
rm -rf "$CACHE/bin"
mv "$CACHE/bin.tmp" "$CACHE/bin"
rm -rf "$CACHE/src"
elapsed=$(( $(date +%s) - started ))
{
  echo "version=$DAPR_VERSION"
  echo "built_at=$(date -u +%FT%TZ)"
  echo "build_seconds=$elapsed"
  for b in "${BINS[@]}"; do echo "${b}_bytes=$(stat -c %s "$CACHE/bin/$b")"; done
} > "$CACHE/build-info.txt"
log "built in ${elapsed}s: $(tr '\n' ' ' < "$CACHE/build-info.txt")"
echo "$CACHE/bin"
