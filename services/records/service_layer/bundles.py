"""Exporting a case as a litigation bundle: its events as stored, proven against a checkpoint
signed for the occasion, optionally with the revealed view (an access, recorded as such)."""

from dataclasses import dataclass

from services.records.domain.access import Reveal
from services.records.domain.bundle import (
    Bundle,
    BundleConsistency,
    BundleEvent,
    RevealedEvent,
)
from services.records.domain.checkpoints import StoredCheckpoint
from services.records.domain.errors import CheckpointNotFoundError
from services.records.domain.events import StoredEvent
from services.records.domain.timeline import Window
from services.records.service_layer.access import record_access, reveal_entries
from services.records.service_layer.checkpoints import CheckpointIssuer
from services.records.service_layer.reads import CaseReads
from shared.merkle import encoding


@dataclass(frozen=True)
class LogIdentity:
    """What names the log to outsiders: its checkpoints' origin line and its public key."""

    origin: str
    verifier_key: str


class Bundles:
    def __init__(self, reads: CaseReads, issuer: CheckpointIssuer, identity: LogIdentity) -> None:
        self._reads, self._issuer, self._identity = reads, issuer, identity

    async def export(
        self,
        case_id: str,
        *,
        since_size: int | None,
        reveal: Reveal | None,
        correlation_id: str,
    ) -> Bundle:
        """The bundle of every event of the case, the access of a reveal included.

        The checkpoint is issued after the access is recorded, so it covers it; events
        appended after the checkpoint are left for the next bundle.
        """
        reads = self._reads
        events = await reads.events(case_id)
        revealed, access_event_id = None, None
        if reveal is not None:
            entries = await reveal_entries(events, reads.personal, reveal)
            access_event_id = await record_access(
                reads.recorder,
                reveal,
                entries,
                case_id=case_id,
                view="bundle",
                window=Window(),
                correlation_id=correlation_id,
                now=reads.clock(),
            )
            revealed = [
                RevealedEvent(
                    event_id=str(e.event.envelope.event_id),
                    payload=e.payload,
                    revealed_fields=list(e.revealed_fields),
                )
                for e in entries
            ]
        checkpoint = await self._issuer.issue()
        stored = [e for e in await reads.store.case_events(case_id) if e.position < checkpoint.size]
        return Bundle(
            case_id=case_id,
            origin=self._identity.origin,
            generated_at=reads.clock(),
            verifier_key=self._identity.verifier_key,
            checkpoint=checkpoint.note,
            tree_size=checkpoint.size,
            events=[await self._proven(event, checkpoint.size) for event in stored],
            consistency=await self._consistency(since_size, checkpoint) if since_size else None,
            revealed=revealed,
            access_event_id=access_event_id,
        )

    async def _proven(self, event: StoredEvent, size: int) -> BundleEvent:
        proof = await self._reads.store.inclusion_proof(event.event_id, size)
        return BundleEvent(
            event_id=event.event_id,
            leaf_index=event.position,
            case_position=event.case_position,
            leaf=encoding.encode(event.leaf),
            prev_hash=encoding.encode(event.prev_hash),
            chain_hash=encoding.encode(event.chain_hash),
            inclusion_proof=[encoding.encode(digest) for digest in proof.hashes],
        )

    async def _consistency(self, since_size: int, newer: StoredCheckpoint) -> BundleConsistency:
        store = self._reads.store
        older = await store.checkpoint(since_size) if since_size <= newer.size else None
        if older is None:
            raise CheckpointNotFoundError(
                "no checkpoint of this since_size was issued by this log", field="since_size"
            )
        proof = await store.consistency_proof(since_size, newer.size)
        return BundleConsistency(
            checkpoint=older.note, proof=[encoding.encode(digest) for digest in proof.hashes]
        )
