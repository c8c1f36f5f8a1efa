"""The public log in the C2SP tlog-tiles layout: the latest checkpoint, hash tiles and entry
bundles, none beyond what the latest signed checkpoint covers.

Read-side, like `reads`: the log is append-only, so a tile (a run of stored nodes) never
changes once the tree has it. An entry bundle holds the stored leaves themselves, whose
SHA-256(0x00 || leaf) are the level 0 hashes, or is not served at all (`publish_entries`
False): decision record 0024 says why either is safe to publish.
"""

from services.records.domain.checkpoints import StoredCheckpoint
from services.records.domain.errors import EntriesNotPublishedError, TileNotFoundError
from services.records.service_layer.ports import EventStore
from services.records.service_layer.reads import latest_checkpoint
from shared.merkle.tiles import Tile, entry_bundle


async def public_checkpoint(store: EventStore) -> StoredCheckpoint:
    """The latest checkpoint with its cosignatures; CheckpointNotFoundError before the first."""
    return await latest_checkpoint(store)


async def hash_tile(store: EventStore, tile: Tile) -> bytes:
    """The tile's hashes, concatenated (32 bytes each)."""
    await _covered(store, tile)
    return b"".join(await store.nodes(tile.node_ids()))


async def entries(store: EventStore, tile: Tile, *, publish_entries: bool) -> bytes:
    """The entry bundle: the canonical envelopes at the tile's positions, length-prefixed."""
    if not publish_entries:
        raise EntriesNotPublishedError()
    await _covered(store, tile)
    leaves = tile.leaf_range()
    events = await store.events_from(leaves.start, len(leaves))
    return entry_bundle([event.leaf for event in events])


async def _covered(store: EventStore, tile: Tile) -> None:
    signed = await latest_checkpoint(store)
    if not tile.in_tree(signed.size):
        raise TileNotFoundError(
            f"{tile.path()} is not in the tree of the latest checkpoint ({signed.size} entries)"
        )
