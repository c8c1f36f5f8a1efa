"""Folds every consumed event into privacy's store, once per event id: intake's and policy's
(cases, kept ciphertext, recommendations), privacy's own, and records' acknowledgements."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import structlog
from pydantic import ValidationError

from services.privacy.domain import events as privacy_events
from services.privacy.domain import views
from services.privacy.domain.holds import Recommendation
from services.privacy.domain.receipt import RecordsCheckpoint
from services.privacy.service_layer import changes as c
from services.privacy.service_layer.completion import complete_epoch
from services.privacy.service_layer.ports import (
    Clock,
    CopySealer,
    KeyShredder,
    PrivacyStore,
    ReceiptSigner,
)
from services.privacy.service_layer.projection_privacy import privacy_changes
from services.privacy.service_layer.receipt_binding import bind_receipts
from shared.bus.errors import PermanentHandlingError
from shared.envelope import Envelope
from shared.settings import DEFAULT_TOPICS, TopicNames
from shared.validation import summarize

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Topics:
    """The topics privacy reads (the names: settings.topics)."""

    intake: str = DEFAULT_TOPICS.intake
    policy: str = DEFAULT_TOPICS.policy
    privacy: str = DEFAULT_TOPICS.privacy
    records: str = DEFAULT_TOPICS.records

    @classmethod
    def named(cls, names: TopicNames) -> "Topics":
        return cls(names.intake, names.policy, names.privacy, names.records)


class UnreadableEventError(PermanentHandlingError):
    """An event of a known type whose payload privacy cannot read: dead-lettered at once."""


class Projection:
    def __init__(
        self,
        store: PrivacyStore,
        keys: KeyShredder,
        copies: CopySealer,
        topics: Topics,
        signer: ReceiptSigner,
        clock: Clock,
    ) -> None:
        self._store, self._keys, self._copies, self._topics = store, keys, copies, topics
        self._signer, self._clock = signer, clock

    async def handle(self, topic: str, envelope: Envelope) -> None:
        event_id = str(envelope.event_id)
        try:
            if topic == self._topics.records:
                await self._store.apply(None, _acknowledged(envelope))
                await self.bind_receipts()
            elif topic == self._topics.privacy and envelope.type in privacy_events.BY_TYPE:
                await self.handle_own([envelope])
            elif topic == self._topics.intake and envelope.type in views.ENCRYPTED_SCHEMAS:
                await self._intake(envelope)
            elif topic == self._topics.policy:
                await self._store.apply(event_id, await self._policy(envelope))
        except ValidationError as error:
            raise UnreadableEventError(f"{envelope.type}: {summarize(error)}") from None

    async def handle_own(self, envelopes: Sequence[Envelope]) -> None:
        """Privacy's own events, applied together in one transaction (each once per id)."""
        changes: list[tuple[str | None, list[c.Change]]] = []
        for envelope in envelopes:
            try:
                found = [await self._sealed(change) for change in privacy_changes(envelope)]
                if envelope.type == privacy_events.KEYS_EPOCH_CLOSED.event_type:
                    found += await self._completion(envelope)
            except ValidationError as error:
                raise UnreadableEventError(f"{envelope.type}: {summarize(error)}") from None
            changes.append((str(envelope.event_id), found))
        await self._store.apply_each(changes)

    async def bind_receipts(self) -> None:
        """Re-sign the receipts whose events the latest records checkpoint now includes."""
        bound = await bind_receipts(self._store, self._signer)
        if bound:
            await self._store.apply(None, bound)

    async def _completion(self, envelope: Envelope) -> list[c.Change]:
        closed = privacy_events.EpochClosed.model_validate(envelope.payload)
        event_id = str(envelope.event_id)
        return await complete_epoch(self._store, self._signer, self._clock, event_id, closed)

    async def _sealed(self, change: c.Projected) -> c.Change:
        """A version 1 copy, read back in plaintext, is kept sealed like every other."""
        if not isinstance(change, c.CopyReceived):
            return change
        sealed = await self._copies.seal(change.anonymized_copy, version=1)
        return c.CopyStored(change.case_id, sealed, change.closed_at, change.closure_reason)

    async def _intake(self, envelope: Envelope) -> None:
        subject = envelope.subject_id
        erased_by = await self._store.erasure_of(subject) if subject else None
        if erased_by is not None:
            # Arrived after the subject's erasure (the bus is asynchronous): shred it too.
            await self._keys.destroy(
                envelope.case_id, actor="privacy", reason=f"late event after erasure {erased_by}"
            )
            log.info("late event of an erased subject shredded", case_id=envelope.case_id)
            return
        found: list[c.Change] = [c.CaseSeen(envelope.case_id, subject), c.EventKept(envelope)]
        if envelope.type == views.CONSULTATION_RECEIVED:
            found.append(c.CaseOpened(envelope.case_id, envelope.occurred_at))
        elif envelope.type == views.RECORDING_ATTACHED:
            found.append(c.RecordingAttached(envelope.case_id))
        elif envelope.type == views.CLOSURE_REQUESTED:
            found += await self._closure(envelope)
        await self._store.apply(str(envelope.event_id), found)

    async def _closure(self, envelope: Envelope) -> list[c.Change]:
        """Closed from the server's time, never the client's `requested_at` (the envelope's
        `occurred_at`): a backdated request must not make the case due early. Until policy's
        decision is read, the time intake recorded the request; then the decision's own."""
        reason = _text(envelope.payload.get("reason"))
        decided = await self._store.decision_caused_by(str(envelope.event_id))
        if decided is not None and _outcome(decided.payload) != "accept":
            return []  # policy refused this close request before we saw it
        closed_at = envelope.recorded_at if decided is None else decided.recorded_at
        return [c.CaseClosed(envelope.case_id, closed_at, reason, str(envelope.event_id))]

    async def _policy(self, envelope: Envelope) -> list[c.Change]:
        found: list[c.Change] = [c.CaseSeen(envelope.case_id, envelope.subject_id)]
        if not views.is_decision(envelope.type):
            return found
        found.append(c.EventKept(envelope))
        decision = views.DecisionView.model_validate(envelope.payload)
        cause = envelope.causation_id
        if envelope.type == views.CLOSURE_DECIDED and cause:
            if decision.outcome == "accept":
                # Retention runs from the decision that closed the case, at policy's clock.
                found.append(c.ClosureAccepted(envelope.case_id, cause, envelope.recorded_at))
            else:
                found.append(c.ClosureRefused(envelope.case_id, cause))
        if views.LEGAL_HOLD_RECOMMENDED in decision.actions:
            recommendation = Recommendation(
                recommendation_id=str(envelope.event_id),
                case_id=envelope.case_id,
                subject_id=envelope.subject_id,
                decision_type=envelope.type,
                outcome=decision.outcome,
                rules=decision.rules(),
                recommended_at=envelope.occurred_at,
            )
            found.append(c.RecommendationMade(recommendation))
        return found


def _acknowledged(envelope: Envelope) -> list[c.Change]:
    """Records' acknowledgement: the log's size and latest signed checkpoint at that moment,
    and where a `subject.erased` event went (so its receipt can be bound to the log)."""
    if envelope.type != views.RECORDS_ACKNOWLEDGED:
        return []
    payload = envelope.payload
    tree_size, signed_size = payload.get("tree_size"), payload.get("checkpoint_size")
    if not isinstance(tree_size, int):
        return []
    found: list[c.Change] = []
    position, acknowledged = payload.get("position"), _text(payload.get("event_id"))
    erasure = payload.get("event_type") == privacy_events.SUBJECT_ERASED.event_type
    if erasure and isinstance(position, int) and acknowledged is not None:
        found.append(c.ErasureAcknowledged(acknowledged, position))
    checkpoint = RecordsCheckpoint(
        available=True,
        tree_size=tree_size,
        checkpoint_size=signed_size if isinstance(signed_size, int) else None,
        acknowledged_at=envelope.occurred_at,
        note=_text(payload.get("checkpoint_note")),
        detail=f"latest acknowledgement on caselog.records ({envelope.event_id})",
    )
    return [*found, c.CheckpointSeen(checkpoint)]


def _outcome(payload: Mapping[str, Any]) -> str | None:
    return _text(payload.get("outcome"))


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
