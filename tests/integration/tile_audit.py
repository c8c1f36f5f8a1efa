"""Test support for the public tiled log: the Go auditor (deploy/witness/tileaudit, built with
litewitness by deploy/witness/build.sh) run without blocking the loop that serves the log, and
the paths of everything a tree of some size publishes."""

import asyncio

from shared.merkle.tiles import TILE_HEIGHT, TILE_WIDTH, Tile
from tests.integration.witness.litewitness import witness_tools

AUDIT_S = 120.0


async def tileaudit(url: str, vkey: str, *args: str) -> tuple[int, str]:
    """The auditor's exit status and what it said (stdout and stderr)."""
    process = await asyncio.create_subprocess_exec(
        str(witness_tools() / "tileaudit"),
        *("-url", url, "-vkey", vkey, *args),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), AUDIT_S)
    assert process.returncode is not None
    return process.returncode, output.decode()


def published_paths(size: int, *, entries: bool = True) -> list[str]:
    """/checkpoint, /log/keys and every tile (and entry bundle) of a tree of `size` entries."""
    paths = []
    for level in range(8):
        hashes = size >> (TILE_HEIGHT * level)
        if not hashes:
            break
        full, rest = divmod(hashes, TILE_WIDTH)
        tiles = [Tile(level, n) for n in range(full)] + ([Tile(level, full, rest)] if rest else [])
        paths += [tile.path() for tile in tiles]
        if level == 0 and entries:
            paths += [Tile(None, t.index, t.width).path() for t in tiles]
    return ["/checkpoint", "/log/keys", *(f"/{path}" for path in paths)]
