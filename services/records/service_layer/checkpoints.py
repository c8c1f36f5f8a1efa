"""Issuing signed checkpoints: on demand, or when the policy says one is due."""

import asyncio
import contextlib
from collections.abc import Callable
from datetime import datetime

import structlog

from services.records.domain.checkpoints import CheckpointPolicy, StoredCheckpoint
from services.records.service_layer.ports import CheckpointStore
from services.records.service_layer.witnessing import Witnessing
from shared.envelope import utc_now
from shared.errors import CaselogError
from shared.merkle.checkpoint import Checkpoint, sign_checkpoint
from shared.merkle.keys import NoteSigner

log = structlog.get_logger(__name__)


class CheckpointIssuer:
    """Signs the log's tree head as a C2SP checkpoint for `origin` (e.g. caselog.example/records).

    Signing the same size twice is harmless: the store keeps the first checkpoint of a size.
    With `witnessing`, each checkpoint it hands out has been offered to the witnesses first and
    carries the cosignatures they gave.
    """

    def __init__(
        self,
        store: CheckpointStore,
        signer: NoteSigner,
        *,
        origin: str,
        policy: CheckpointPolicy | None = None,
        clock: Callable[[], datetime] = utc_now,
        witnessing: Witnessing | None = None,
    ) -> None:
        self._store = store
        self._witnessing = witnessing
        self._signer = signer
        self._origin = origin
        self._policy = policy or CheckpointPolicy()
        self._clock = clock

    async def issue(self) -> StoredCheckpoint:
        """A checkpoint at the current size: the one already kept, else a newly signed one."""
        size = await self._store.size()
        return await self._checkpoint(size, await self._store.checkpoint(size))

    async def issue_if_due(self) -> StoredCheckpoint | None:
        """Signs the current size if the policy says so (call after appends and on a timer)."""
        size, last = await self._store.size(), await self._store.latest_checkpoint()
        last_size, last_time = (last.size, last.issued_at) if last else (0, None)
        if not self._policy.due(last_size, last_time, size, self._clock()):
            return None
        return await self._checkpoint(size, None)

    async def _checkpoint(self, size: int, kept: StoredCheckpoint | None) -> StoredCheckpoint:
        if kept is None:
            root = await self._store.root(size)
            note = sign_checkpoint(Checkpoint(self._origin, size, root), [self._signer])
            kept = await self._store.add_checkpoint(
                StoredCheckpoint(size, root, note, self._clock())
            )
        return kept if self._witnessing is None else await self._witnessing.cosign(kept)


async def issue_when_due(issuer: CheckpointIssuer, interval_s: float, stop: asyncio.Event) -> None:
    """The timer half of the policy: a quiet log still gets its checkpoint `every_seconds`
    after its last events, though no append comes to trigger it. Runs until `stop` is set."""
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval_s)
        if stop.is_set():
            return
        try:
            await issuer.issue_if_due()
        except CaselogError as error:
            log.warning("checkpoint not issued; will retry", error=str(error))
