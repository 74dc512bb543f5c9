#!/usr/bin/env bash
# Provides what offline validation needs, from package registries only, cached outside the
# repository (like scripts/dapr-binaries.sh), and prints one KEY=PATH line each:
#   KUSTOMIZE       kustomize built from the Go module proxy (sigs.k8s.io/kustomize/kustomize/v5)
#   K8S_SCHEMAS     Kubernetes JSON schemas (strict: unknown fields rejected) from the PyPI
#                   package kubernetes-validate, only the directory of our Kubernetes version
#   DAPR_CRDS       Dapr CRDs (openAPIV3Schema) from the github.com/dapr/dapr Go module, dapr/VERSION
#   KEDA_CRDS       KEDA CRDs from the github.com/kedacore/keda/v2 Go module
#   COMPOSE_SCHEMA  the Compose specification schema from the compose-spec/compose-go/v2 Go module
# Every step is skipped when its result is already cached. Needs Go, python3 with pip.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
DAPR_VERSION=$(tr -d ' \n' < "$here/../../dapr/VERSION")
KUSTOMIZE_VERSION=v5.8.1
KEDA_VERSION=v2.21.0
COMPOSE_GO_VERSION=v2.16.2
KUBERNETES_VALIDATE_VERSION=1.37.0
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

echo "KUSTOMIZE=$kustomize_bin"
echo "K8S_SCHEMAS=$schemas"
echo "DAPR_CRDS=$dapr_dir/charts/dapr/crds"
echo "KEDA_CRDS=$keda_dir/config/crd/bases"
echo "COMPOSE_SCHEMA=$compose_dir/schema/compose-spec.json"
