"""The public, tiled log (C2SP tlog-tiles) at the service's root, WITHOUT a token: `/checkpoint`,
`/tile/<L>/<N>[.p/<W>]`, `/tile/entries/<N>[.p/<W>]`, and the public keys at `/log/keys`.

Nothing here is personal: hashes, signed tree heads, public keys and, where the deployment
publishes entries, envelopes whose personal fields are ciphertext (decision record 0024).
Caching follows the spec: tiles are immutable (a full one forever; a partial one is wanted
only until its full tile exists), the checkpoint changes with every issue.
"""

import gzip
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from services.records.entrypoints.deps import RecordsDep
from services.records.service_layer import public_log
from shared.merkle.tiles import parse_tile_path
from shared.web.openapi import problem_responses

FULL_TILE_CACHE = "public, max-age=31536000, immutable"
PARTIAL_TILE_CACHE = "public, max-age=300"
CHECKPOINT_CACHE = "public, max-age=2, must-revalidate"
KEYS_CACHE = "public, max-age=300"  # keys change only when an operator rotates them
OCTETS = "application/octet-stream"
TEXT = "text/plain; charset=utf-8"

router = APIRouter(tags=["public log"], responses=problem_responses(404, 503))
TilePath = Annotated[
    str,
    Path(
        max_length=200,
        pattern=r"^(entries|[0-9]|[1-5][0-9]|6[0-3])/(x[0-9]{3}/)*[0-9]{3}(\.p/[1-9][0-9]{0,2})?$",
        description="<L>/<N>[.p/<W>] or entries/<N>[.p/<W>]; N in 3-digit groups, e.g."
        " x001/x234/067",
    ),
]


@router.get("/checkpoint", response_class=Response, responses={200: {"content": {TEXT: {}}}})
async def checkpoint(records: RecordsDep) -> Response:
    """The latest signed checkpoint note (C2SP tlog-checkpoint), with witness cosignatures."""
    latest = await public_log.public_checkpoint(records.store)
    return Response(latest.note, media_type=TEXT, headers={"Cache-Control": CHECKPOINT_CACHE})


@router.get(
    "/tile/{tile_path:path}", response_class=Response, responses={200: {"content": {OCTETS: {}}}}
)
async def tile(tile_path: TilePath, records: RecordsDep, request: Request) -> Response:
    """A hash tile (level 0: leaf hashes) or an entry bundle of the tree the latest checkpoint
    signs; entry bundles gzipped for a client that accepts it (the spec's SHOULD)."""
    address = parse_tile_path(f"tile/{tile_path}")
    cache = FULL_TILE_CACHE if address.is_full else PARTIAL_TILE_CACHE
    headers = {"Cache-Control": cache}
    if address.level is None:
        publish = records.settings.public_log_entries == "envelopes"
        body = await public_log.entries(records.store, address, publish_entries=publish)
        headers["Vary"] = "Accept-Encoding"
        if "gzip" in request.headers.get("accept-encoding", ""):
            # mtime 0: the same bundle is the same bytes, as a cache of immutable files expects.
            body = gzip.compress(body, mtime=0)
            headers["Content-Encoding"] = "gzip"
    else:
        body = await public_log.hash_tile(records.store, address)
    return Response(body, media_type=OCTETS, headers=headers)


@router.get("/log/keys", response_class=Response, responses={200: {"content": {TEXT: {}}}})
async def keys(request: Request) -> Response:
    """The public keys in note verifier-key form, one a line: the log's checkpoint key first,
    then privacy's erasure-receipt key. Fetch them once, over a channel you trust, and pin
    them: a key served beside the log cannot vouch for the log."""
    published: list[str] = request.app.state.published_keys
    return Response(
        "".join(f"{key}\n" for key in published),
        media_type=TEXT,
        headers={"Cache-Control": KEYS_CACHE},
    )
