"""Asking the configured witnesses to cosign each new checkpoint (C2SP tlog-witness), and
keeping what they sign. A witness cosigns only a checkpoint consistent with the last one it
saw of this log, so a log that showed one history to it cannot show it another."""

import asyncio
from collections.abc import Sequence
from typing import Protocol

import structlog

from services.records.domain.checkpoints import StoredCheckpoint
from services.records.domain.witnesses import (
    CosignatureGiven,
    Refused,
    SizeConflict,
    WitnessAnswer,
    WitnessIdentity,
)
from services.records.service_layer.ports import CosignatureStore
from shared.merkle.cosignature import cosigners
from shared.merkle.errors import MerkleError

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
