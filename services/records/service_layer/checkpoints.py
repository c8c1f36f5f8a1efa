"""Issuing signed checkpoints (on demand, or when the policy says one is due), and asking the
configured witnesses to cosign each (C2SP tlog-witness), keeping what they sign. A witness
cosigns only a checkpoint consistent with the last one it saw of this log, so a log that showed
one history to it cannot show it another."""

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol

import structlog

from services.records.domain.checkpoints import (
    CheckpointPolicy,
    CosignatureGiven,
    Refused,
    SizeConflict,
    StoredCheckpoint,
    WitnessAnswer,
    WitnessIdentity,
)
from services.records.service_layer.case_maps import CaseMaps
from services.records.service_layer.ports import CaseMapStore, CheckpointStore, CosignatureStore
from shared.bundle.format import BundleCaseMap
from shared.envelope import utc_now
from shared.errors import CaselogError
from shared.merkle.checkpoint import Checkpoint, sign_checkpoint
from shared.merkle.cosignature import cosigners
from shared.merkle.errors import MerkleError
from shared.merkle.keys import NoteSigner
from shared.merkle.note import sign_note

log = structlog.get_logger(__name__)

MAX_CONFLICTS = 2
"""A 409 names the witness's size; asking again from it settles all but a racing writer."""


class Witness(Protocol):
    identity: WitnessIdentity

    async def add_checkpoint(
        self, old_size: int, proof: Sequence[bytes], note: str
    ) -> WitnessAnswer: ...


class Witnessing:
    """Submits checkpoints to `witnesses` one at a time (their sizes only move forward)."""

    def __init__(self, store: CosignatureStore, witnesses: Sequence[Witness]) -> None:
        self._store = store
        self._witnesses = tuple(witnesses)
        self._lock = asyncio.Lock()

    @property
    def witnesses(self) -> tuple[WitnessIdentity, ...]:
        return tuple(witness.identity for witness in self._witnesses)

    async def cosign(self, checkpoint: StoredCheckpoint) -> StoredCheckpoint:
        """Asks every witness that has not cosigned `checkpoint` yet; returns it with every
        cosignature kept so far. A witness that refuses or does not answer is logged and
        asked again with the next checkpoint: the log never waits for a witness."""
        if not self._witnesses:
            return checkpoint
        async with self._lock:
            done = await self._store.cosigned_witnesses(checkpoint.size)
            lines = []
            for witness in self._witnesses:
                if witness.identity.key_name in done:
                    continue
                line = await self._ask(witness, checkpoint)
                if line is not None:
                    await self._store.add_cosignature(
                        checkpoint.size, witness.identity.key_name, line
                    )
                    lines.append(line)
        if not lines:
            return checkpoint
        # Kept lines come back in witness-key order from the store; this copy is for the caller.
        return StoredCheckpoint(
            checkpoint.size,
            checkpoint.root_hash,
            checkpoint.note + "".join(lines),
            checkpoint.issued_at,
        )

    async def _ask(self, witness: Witness, checkpoint: StoredCheckpoint) -> str | None:
        identity = witness.identity
        old = await self._store.witnessed_size(identity.key_name) or 0
        for _ in range(MAX_CONFLICTS + 1):
            if old > checkpoint.size:
                log.info("witness is past this checkpoint", witness=identity.key_name)
                return None
            proof = (
                (await self._store.consistency_proof(old, checkpoint.size)).hashes
                if 0 < old < checkpoint.size
                else ()
            )
            answer = await witness.add_checkpoint(old, proof, checkpoint.note)
            if isinstance(answer, SizeConflict):
                old = answer.known_size
                continue
            if isinstance(answer, Refused):
                log.warning(
                    "witness refused the checkpoint",
                    witness=identity.key_name,
                    status=answer.status,
                    reason=answer.reason,
                    size=checkpoint.size,
                )
                return None
            return _own_cosignature(identity, answer, checkpoint)
        return None


def _own_cosignature(
    identity: WitnessIdentity, answer: CosignatureGiven, checkpoint: StoredCheckpoint
) -> str | None:
    """The answer's line by this witness's key, checked before it is kept."""
    for line in answer.signature_lines:
        try:
            signed = cosigners(checkpoint.note + line, [identity.verifier])
        except MerkleError:
            signed = None
        if signed and signed.witnesses:
            return line
    log.warning("witness answered without a valid cosignature", witness=identity.key_name)
    return None


log = structlog.get_logger(__name__)


class CheckpointIssuer:
    """Signs the log's tree head as a C2SP checkpoint for `origin` (e.g. caselog.example/records).

    Signing the same size twice is harmless: the store keeps the first checkpoint of a size.
    With `witnessing`, each checkpoint it hands out has been offered to the witnesses first and
    carries the cosignatures they gave. With `case_maps`, each checkpoint it hands out has its
    signed case map statement kept (shared.merkle.case_map), so bundles can prove completeness.
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
        case_maps: CaseMapStore | None = None,
    ) -> None:
        self._store = store
        self._case_maps = None if case_maps is None else CaseMaps(case_maps, signer, origin=origin)
        self._witnessing = witnessing
        self._signer = signer
        self._origin = origin
        self._policy = policy or CheckpointPolicy()
        self._clock = clock

    async def issue(self) -> StoredCheckpoint:
        """A checkpoint at the current size: the one already kept, else a newly signed one."""
        size = await self._store.size()
        return await self._checkpoint(size, await self._store.checkpoint(size))

    async def case_map_entry(
        self, checkpoint: StoredCheckpoint, case_id: str
    ) -> BundleCaseMap | None:
        """The case's proved entry in the case map of `checkpoint` (one this issuer handed
        out); None without case maps, or if the case had no events at that size."""
        if self._case_maps is None:
            return None
        return await self._case_maps.entry(checkpoint, case_id)

    def sign_statement(self, text: str) -> str:
        """A signed note by the log's key over a text that is no checkpoint (a bundle's reveal
        commitments). The text MUST NOT parse as a checkpoint: its first line is no origin."""
        return sign_note(text, [self._signer])

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
        if self._case_maps is not None:
            await self._case_maps.commit(kept)
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
