#!/usr/bin/env bash
# Builds Ory Hydra (the OpenID Connect provider the console's browser tests sign in
# through) once into .cache/hydra/, from the version pinned by deploy/hydra/go.mod/go.sum.
# Usage: deploy/hydra/hydra.sh build   -> prints the binary's path (built only if missing)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
version="$(awk '$1 == "github.com/ory/hydra/v2" {print $2}' "$here/go.mod")"
binary="${CASELOG_HYDRA_CACHE:-$root/.cache/hydra}/hydra-$version"
go_binary="$(command -v go || echo /usr/local/go/bin/go)"

case "${1:-build}" in
  build)
    if [ ! -x "$binary" ]; then
      mkdir -p "$(dirname "$binary")"
      # A temporary name first, so an interrupted build never leaves a broken binary behind.
      (cd "$here" && CGO_ENABLED=0 "$go_binary" build -trimpath -o "$binary.partial" github.com/ory/hydra/v2)
      mv "$binary.partial" "$binary"
    fi
    echo "$binary"
    ;;
  *)
    echo "usage: $0 build" >&2
    exit 2
    ;;
esac
