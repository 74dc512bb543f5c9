#!/usr/bin/env bash
# Makes PostgreSQL 15, RabbitMQ (with the management plugin), Redis and an S3-compatible media
# store (SeaweedFS) available on 127.0.0.1. Reuses servers that already answer; otherwise installs
# the Debian packages (SeaweedFS: builds it once from the Go module proxy) and starts them.
# Safe to run any number of times. Exits non-zero with a clear message when it cannot.
#
#   scripts/infra.sh            # all four
#   scripts/infra.sh postgres   # only the named ones (postgres, rabbitmq, redis, s3)
set -euo pipefail

PG_PORT=${PG_PORT:-5432}
PG_USER=${PG_USER:-turumba}
PG_PASSWORD=${PG_PASSWORD:-turumba}
PG_DB=${PG_DB:-turumba}
AMQP_PORT=${AMQP_PORT:-5672}
RABBIT_MGMT_PORT=${RABBIT_MGMT_PORT:-15672}
# Deliveries a consumer holds unacknowledged this long go back to the queue (docs/operations.md,
# "Broker settings"); the same value as docker-compose.yml's (scripts/validate/model.ts).
RABBIT_CONSUMER_TIMEOUT_MS=120000
REDIS_PORT=${REDIS_PORT:-6379}
S3_PORT=${S3_PORT:-8333}
S3_BUCKET=${MEDIA_S3_BUCKET:-turumba-media}
S3_REGION=${MEDIA_S3_REGION:-us-east-1}
S3_ACCESS_KEY=${MEDIA_S3_ACCESS_KEY:-turumba}
S3_SECRET_KEY=${MEDIA_S3_SECRET_KEY:-turumba-media-secret}
# A pseudo-version the Go module proxy lists (SeaweedFS tags no Go-module releases).
SEAWEEDFS_VERSION=${SEAWEEDFS_VERSION:-v0.0.0-20261109003541-7506e5f91cd6}
SEAWEEDFS_CACHE=${SEAWEEDFS_CACHE:-$HOME/.cache/turumba/seaweedfs/$SEAWEEDFS_VERSION}
STATE_DIR=${TURUMBA_STATE_DIR:-$HOME/.cache/turumba/infra}

log() { printf '[infra] %s\n' "$*" >&2; }
die() { printf '[infra] ERROR: %s\n' "$*" >&2; exit 1; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() {
  local port=$1 name=$2 tries=${3:-60}
  for _ in $(seq "$tries"); do port_open "$port" && return 0; sleep 1; done
  die "$name did not open 127.0.0.1:$port within ${tries}s"
}

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@" || die "need root (or passwordless sudo) to run: $*"; fi; }

apt_updated=0
apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || die "apt-get not found: install ${missing[*]} by hand"
  if [ $apt_updated = 0 ]; then as_root apt-get update -qq || die "apt-get update failed"; apt_updated=1; fi
  log "installing ${missing[*]} from Debian packages"
  # policy-rc.d on container images forbids auto-start; we start the servers ourselves below.
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null \
    || die "apt-get install ${missing[*]} failed"
}

ensure_postgres() {
  if ! port_open "$PG_PORT"; then
    apt_install postgresql-15 postgresql-client-15
    if ! pg_lsclusters -h 2>/dev/null | awk '{print $1" "$2}' | grep -q '^15 main$'; then
      as_root pg_createcluster 15 main --port "$PG_PORT" >/dev/null || die "pg_createcluster failed"
    fi
    local conf=/etc/postgresql/15/main/conf.d/turumba.conf
    # Loopback only; enough connections for sidecars, apps and tests running side by side.
    as_root tee "$conf" >/dev/null <<EOF
listen_addresses = '127.0.0.1'
port = $PG_PORT
max_connections = 400
shared_buffers = 512MB
synchronous_commit = on
EOF
    log "starting PostgreSQL 15 on 127.0.0.1:$PG_PORT"
    as_root pg_ctlcluster 15 main start || die "PostgreSQL did not start; see /var/log/postgresql/postgresql-15-main.log"
    wait_port "$PG_PORT" PostgreSQL
  else
    log "PostgreSQL already answers on 127.0.0.1:$PG_PORT"
  fi
  # The role and database are created once; later runs find them and change nothing.
  if command -v pg_lsclusters >/dev/null && [ "$(id -u)" = 0 ] && id postgres >/dev/null 2>&1; then
    su postgres -c "psql -p $PG_PORT -tAc \"SELECT 1 FROM pg_roles WHERE rolname='$PG_USER'\"" 2>/dev/null | grep -q 1 \
      || su postgres -c "psql -q -p $PG_PORT -c \"CREATE ROLE $PG_USER LOGIN SUPERUSER PASSWORD '$PG_PASSWORD'\"" \
      || die "could not create role $PG_USER"
    su postgres -c "psql -p $PG_PORT -tAc \"SELECT 1 FROM pg_database WHERE datname='$PG_DB'\"" | grep -q 1 \
      || su postgres -c "createdb -p $PG_PORT -O $PG_USER $PG_DB" || die "could not create database $PG_DB"
  fi
  PGPASSWORD=$PG_PASSWORD psql -h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" -d "$PG_DB" -tAc 'select 1' >/dev/null \
    || die "cannot log in to PostgreSQL as $PG_USER@127.0.0.1:$PG_PORT/$PG_DB"
}

ensure_rabbitmq() {
  if port_open "$AMQP_PORT" && port_open "$RABBIT_MGMT_PORT"; then
    log "RabbitMQ already answers on 127.0.0.1:$AMQP_PORT (management :$RABBIT_MGMT_PORT)"
    # A broker started by an older version of this script lacks the consumer timeout: set it live
    # (channels opened from now on use it; the file below carries it across restarts).
    if [ "$(id -u)" = 0 ]; then
      rabbitmqctl -q eval "application:set_env(rabbit, consumer_timeout, $RABBIT_CONSUMER_TIMEOUT_MS)." >/dev/null 2>&1 || true
      grep -q '^consumer_timeout' /etc/rabbitmq/rabbitmq.conf 2>/dev/null \
        || echo "consumer_timeout = $RABBIT_CONSUMER_TIMEOUT_MS" >>/etc/rabbitmq/rabbitmq.conf
    fi
    return 0
  fi
  apt_install rabbitmq-server
  as_root mkdir -p /etc/rabbitmq
  # Bind AMQP, management, epmd and Erlang distribution to loopback only.
  as_root tee /etc/rabbitmq/rabbitmq.conf >/dev/null <<EOF
listeners.tcp.1 = 127.0.0.1:$AMQP_PORT
management.tcp.ip = 127.0.0.1
management.tcp.port = $RABBIT_MGMT_PORT
vm_memory_high_watermark.relative = 0.3
disk_free_limit.absolute = 500MB
consumer_timeout = $RABBIT_CONSUMER_TIMEOUT_MS
EOF
  as_root tee /etc/rabbitmq/rabbitmq-env.conf >/dev/null <<'EOF'
NODENAME=rabbit@localhost
NODE_IP_ADDRESS=127.0.0.1
ERL_EPMD_ADDRESS=127.0.0.1
SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
CTL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
EOF
  as_root rabbitmq-plugins enable --offline rabbitmq_management >/dev/null || die "could not enable rabbitmq_management"
  if ! port_open "$AMQP_PORT"; then
    log "starting RabbitMQ on 127.0.0.1:$AMQP_PORT"
    as_root env ERL_EPMD_ADDRESS=127.0.0.1 rabbitmq-server -detached >/dev/null 2>&1 || true
  fi
  wait_port "$AMQP_PORT" RabbitMQ 90
  wait_port "$RABBIT_MGMT_PORT" "RabbitMQ management" 60
}

ensure_redis() {
  if port_open "$REDIS_PORT"; then log "Redis already answers on 127.0.0.1:$REDIS_PORT"; return 0; fi
  apt_install redis-server
  mkdir -p "$STATE_DIR/redis"
  log "starting Redis on 127.0.0.1:$REDIS_PORT"
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --daemonize yes --dir "$STATE_DIR/redis" \
    --appendonly yes --protected-mode yes --logfile "$STATE_DIR/redis/redis.log" >/dev/null \
    || die "Redis did not start; see $STATE_DIR/redis/redis.log"
  wait_port "$REDIS_PORT" Redis
}

# SeaweedFS's `weed` binary, built once into the cache. Its go.mod has replace directives, so
# `go install module@version` refuses it; it is built inside a copy of the module instead.
seaweedfs_binary() {
  local bin="$SEAWEEDFS_CACHE/bin/weed"
  [ -x "$bin" ] && { echo "$bin"; return 0; }
  command -v go >/dev/null || die "Go is needed to build SeaweedFS $SEAWEEDFS_VERSION (none on PATH)"
  mkdir -p "$SEAWEEDFS_CACHE"
  exec 8>"$SEAWEEDFS_CACHE/.lock"
  flock 8
  [ -x "$bin" ] && { echo "$bin"; return 0; }
  log "building SeaweedFS $SEAWEEDFS_VERSION into $SEAWEEDFS_CACHE (once; several minutes)"
  local moddir
  moddir=$(go mod download -json "github.com/seaweedfs/seaweedfs@$SEAWEEDFS_VERSION" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')
  [ -d "$moddir" ] || die "could not download github.com/seaweedfs/seaweedfs@$SEAWEEDFS_VERSION from the Go module proxy"
  rm -rf "$SEAWEEDFS_CACHE/src"
  cp -r "$moddir" "$SEAWEEDFS_CACHE/src"
  chmod -R u+w "$SEAWEEDFS_CACHE/src"
  (cd "$SEAWEEDFS_CACHE/src" && GOFLAGS="-mod=mod -buildvcs=false" CGO_ENABLED=0 \
    go build -trimpath -ldflags "-s -w" -o "$SEAWEEDFS_CACHE/bin/weed" ./weed) >&2 || die "SeaweedFS build failed"
  rm -rf "$SEAWEEDFS_CACHE/src"
  echo "$bin"
}

# SeaweedFS (master, volume, filer and S3 gateway in one process) on loopback, one identity with
# the credentials the production component set reads, and the media bucket.
ensure_s3() {
  if ! port_open "$S3_PORT"; then
    local weed dir="$STATE_DIR/seaweedfs"
    weed=$(seaweedfs_binary)
    mkdir -p "$dir/data"
    printf '{"identities":[{"name":"turumba","credentials":[{"accessKey":"%s","secretKey":"%s"}],"actions":["Admin","Read","Write","List","Tagging"]}]}\n' \
      "$S3_ACCESS_KEY" "$S3_SECRET_KEY" >"$dir/s3.json"
    log "starting SeaweedFS S3 on 127.0.0.1:$S3_PORT"
    # Ports apart from common defaults (8080, 8888) so nothing else on the host collides with them.
    setsid "$weed" server -ip=127.0.0.1 -ip.bind=127.0.0.1 -dir="$dir/data" \
      -master.port=19333 -volume.port=18080 -filer.port=18888 -master.volumeSizeLimitMB=1024 -volume.max=16 \
      -filer -s3 -s3.port="$S3_PORT" -s3.config="$dir/s3.json" >"$dir/weed.log" 2>&1 </dev/null &
    wait_port "$S3_PORT" "SeaweedFS S3" 90
  else
    log "S3 already answers on 127.0.0.1:$S3_PORT"
  fi
  # Create the bucket once (SigV4 through curl); an existing bucket answers 409, also fine.
  local code
  for _ in $(seq 30); do
    code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT --aws-sigv4 "aws:amz:$S3_REGION:s3" \
      --user "$S3_ACCESS_KEY:$S3_SECRET_KEY" "http://127.0.0.1:$S3_PORT/$S3_BUCKET") || code=000
    case "$code" in 200|409) return 0 ;; esac
    sleep 1
  done
  die "could not create bucket $S3_BUCKET on 127.0.0.1:$S3_PORT (last answer $code; see $STATE_DIR/seaweedfs/weed.log)"
}

targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(postgres rabbitmq redis s3)
for t in "${targets[@]}"; do
  case "$t" in
    postgres) ensure_postgres ;;
    rabbitmq) ensure_rabbitmq ;;
    redis) ensure_redis ;;
    s3) ensure_s3 ;;
    *) die "unknown service '$t' (postgres, rabbitmq, redis, s3)" ;;
  esac
done
log "ready: postgres://$PG_USER:***@127.0.0.1:$PG_PORT/$PG_DB amqp://127.0.0.1:$AMQP_PORT redis://127.0.0.1:$REDIS_PORT s3://127.0.0.1:$S3_PORT/$S3_BUCKET"
