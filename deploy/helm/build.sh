#!/usr/bin/env bash
# Builds Helm (the chart checks in tests/deploy run `helm lint` and `helm template`) once
# into .cache/helm/, from the version pinned by deploy/helm/go.mod and go.sum (the Go module
# proxy supplies it). A module of its own, like deploy/hydra: Helm's Kubernetes dependency
# graph would otherwise move the witness tools' pinned golang.org/x versions.
# Usage: deploy/helm/build.sh   -> prints the binary's path (built only if missing)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
version="$(awk '$1 == "helm.sh/helm/v4" {print $2}' "$here/go.mod")"
binary="${CASELOG_HELM_CACHE:-$root/.cache/helm}/helm-$version"
go_binary="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"
if [ ! -x "$binary" ]; then
  if [ ! -x "$go_binary" ] && ! command -v "$go_binary" >/dev/null; then
    echo "build.sh: Go is needed to build Helm (go on PATH or /usr/local/go/bin/go)" >&2
    exit 1
  fi
  mkdir -p "$(dirname "$binary")"
  # A temporary name first, so an interrupted build never leaves a broken binary behind.
  # The version stamped as Helm's own release builds do, so `helm version` names it.
  (cd "$here" && CGO_ENABLED=0 "$go_binary" build -trimpath \
    -ldflags "-X helm.sh/helm/v4/internal/version.version=$version" \
    -o "$binary.partial" helm.sh/helm/v4/cmd/helm)
  mv "$binary.partial" "$binary"
fi
echo "$binary"
