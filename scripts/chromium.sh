#!/usr/bin/env bash
# Makes Debian's Chromium available for the browser test of the API reference pages (/docs) and
# prints the path of its binary on the last line. Reuses a chromium already on PATH; otherwise
# installs the Debian package (browsers downloaded by npm packages are not used: deployments and CI
# may have no other source than the distribution's packages). Safe to run any number of times.
#
#   bash scripts/chromium.sh    # → /usr/bin/chromium
set -euo pipefail

log() { printf '[chromium] %s\n' "$*" >&2; }
die() { printf '[chromium] ERROR: %s\n' "$*" >&2; exit 1; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@" || die "need root (or passwordless sudo) to run: $*"; fi; }

find_chromium() { command -v chromium || command -v chromium-browser || true; }

bin=$(find_chromium)
if [ -z "$bin" ]; then
  command -v apt-get >/dev/null || die "apt-get not found: install chromium by hand"
  log "installing chromium from Debian packages"
  as_root apt-get update -qq || die "apt-get update failed"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
    || die "apt-get install chromium failed"
  bin=$(find_chromium)
  [ -n "$bin" ] || die "chromium is installed but not on PATH"
fi
echo "$bin"
