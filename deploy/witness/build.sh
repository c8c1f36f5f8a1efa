#!/usr/bin/env bash
# Builds the outside tools the proof tests run, once, into .cache/witness/ and reuses them:
#   litewitness, witnessctl  C2SP tlog-witness from filippo.io/torchwood (pinned in go.mod)
#   checknote                caselog's own Go checker (golang.org/x/mod/sumdb/note, torchwood)
#   tileaudit                an outside audit of the public tiled log (golang.org/x/mod/sumdb/tlog)
#   checkmap                 an outside check that a bundle holds every event of its case
# Versions are pinned by deploy/witness/go.mod and go.sum; the Go module proxy supplies them.
# Prints the directory holding the binaries.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="$root/.cache/witness"
go="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"
stamp="$(cat "$here/go.mod" "$here/go.sum" "$here"/checknote/*.go "$here"/tileaudit/*.go "$here"/checkmap/*.go | sha256sum | cut -c1-16)"
if [ ! -f "$out/.stamp" ] || [ "$(cat "$out/.stamp")" != "$stamp" ] \
   || [ ! -x "$out/litewitness" ] || [ ! -x "$out/witnessctl" ] || [ ! -x "$out/checknote" ] \
   || [ ! -x "$out/tileaudit" ] || [ ! -x "$out/checkmap" ]; then
  mkdir -p "$out"
  cd "$here"
  "$go" build -o "$out/litewitness" filippo.io/torchwood/cmd/litewitness
  "$go" build -o "$out/witnessctl" filippo.io/torchwood/cmd/witnessctl
  "$go" build -o "$out/checknote" ./checknote
  "$go" build -o "$out/tileaudit" ./tileaudit
  "$go" build -o "$out/checkmap" ./checkmap
  echo "$stamp" > "$out/.stamp"
fi
echo "$out"
