"""The case map committed with every checkpoint (docs/decisions/0026-case-completeness-map.md):
for each case, its event count and chain head at the checkpoint's size, signed by the log's key
in a statement of its own beside the checkpoint, and the entry a bundle carries to prove that
it holds every event of its case.

The map is derived from the log, so only the signed statement is stored; the map is kept in
memory and brought forward with the heads of the cases that had events since (one row per
case from the store), which costs one hash per changed case and one per case for the
interior of the tree: 0.31 s for a checkpoint after 1,000 of 100,000 cases changed, 2.4 s
for the first after a start (SQLite, decision 0026).
"""

import asyncio

from services.records.domain.checkpoints import StoredCheckpoint
from services.records.domain.errors import CaseMapMismatchError
from services.records.service_layer.ports import CaseMapStore
from shared.bundle.format import BundleCaseMap
from shared.merkle.case_map import CaseMap, CaseMapStatement, MapEntry
from shared.merkle.keys import NoteSigner
from shared.merkle.note import parse_note, sign_note


class CaseMaps:
    """Signs the case map of each checkpoint once and proves a case's entry in it.

    MUST be told of every checkpoint before a bundle is built on it (`commit`): a bundle's
    entry is proved against the statement kept for its size, never against a map signed for
    the occasion, so every holder of a bundle of that size sees the same map root.
    """

    def __init__(self, store: CaseMapStore, signer: NoteSigner, *, origin: str) -> None:
        self._store = store
        self._signer = signer
        self._origin = origin
        self._lock = asyncio.Lock()
        self._map, self._size = CaseMap(), 0

    async def commit(self, checkpoint: StoredCheckpoint) -> str:
        """The signed statement of the map at the checkpoint's size: the one kept, else a new
        one (the first kept for a size stays, like the checkpoint itself)."""
        kept = await self._store.case_map_statement(checkpoint.size)
        if kept is not None:
            return kept
        case_map = await self.at(checkpoint.size)
        statement = CaseMapStatement(
            self._origin, checkpoint.size, checkpoint.root_hash, case_map.size, case_map.root
        )
        note = sign_note(statement.text(), [self._signer])
        return await self._store.add_case_map_statement(checkpoint.size, note)

    async def entry(self, checkpoint: StoredCheckpoint, case_id: str) -> BundleCaseMap | None:
        """The case's entry at the checkpoint with its proof, None if the case had no event
        then. CaseMapMismatchError if the kept statement names another map than the log's."""
        note = await self.commit(checkpoint)
        case_map = await self.at(checkpoint.size)
        signed = CaseMapStatement.parse(parse_note(note).text)
        if (signed.tree_root, signed.cases, signed.map_root) != (
            checkpoint.root_hash,
            case_map.size,
            case_map.root,
        ):
            raise CaseMapMismatchError(
                f"the case map statement kept for size {checkpoint.size} is not the log's map"
            )
        entry = case_map.prove(case_id)
        return BundleCaseMap.of(note, entry) if isinstance(entry, MapEntry) else None

    async def at(self, size: int) -> CaseMap:
        """The map of the first `size` events. The latest is kept and brought forward; an
        older size is rebuilt from the start of the log (rare: checkpoints only grow)."""
        async with self._lock:
            if size < self._size:
                return await self._forward(CaseMap(), 0, size)
            self._map = await self._forward(self._map, self._size, size)
            self._size = size
            return self._map

    async def _forward(self, case_map: CaseMap, start: int, end: int) -> CaseMap:
        changed = await self._store.case_heads(start, end) if start < end else []
        return case_map.with_heads(changed) if changed else case_map
