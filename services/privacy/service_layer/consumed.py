"""What privacy learns from the other services' events: intake's (cases, kept ciphertext,
closure), policy's decisions (closure accepted or refused, hold recommendations), and records'
acknowledgements (the checkpoint, where each `subject.erased` went). Each event once per id."""

from collections.abc import Mapping
from typing import Any, Protocol

import structlog

from services.privacy.domain import events as privacy_events
from services.privacy.domain import views
from services.privacy.domain.holds import Recommendation
from services.privacy.domain.receipt import RecordsCheckpoint
from services.privacy.service_layer import changes as c
from services.privacy.service_layer.messages import (
    IntakeEventArrived,
    PolicyEventArrived,
    RecordsAcknowledged,
)
from services.privacy.service_layer.ports import PrivacyDependencies
from services.privacy.service_layer.receipts import bind_receipts
from shared.envelope import Envelope

log = structlog.get_logger(__name__)


class Decisions(Protocol):
    """Where the decision policy took on a close request is found (the store, or a batch's
    view of it)."""

    async def decision_caused_by(self, event_id: str) -> Envelope | None: ...


async def intake_event_arrived(message: IntakeEventArrived, deps: PrivacyDependencies) -> None:
    envelope = message.envelope
    subject = envelope.subject_id
    async with deps.unit_of_work() as uow:
        erased_by = await uow.store.erasure_of(subject) if subject else None
        if erased_by is None:
            found = await intake_changes(uow.store, envelope)
            await uow.store.apply(str(envelope.event_id), found)
            await uow.commit()
            return
    await shred_late_event(deps, envelope, erased_by)


async def shred_late_event(deps: PrivacyDependencies, envelope: Envelope, erased_by: str) -> None:
    """An intake event that arrived after its subject's erasure (the bus is asynchronous):
    its case is shredded too, outside any unit of work (the key store is another database)."""
    await deps.keys.destroy(
        envelope.case_id, actor="privacy", reason=f"late event after erasure {erased_by}"
    )
    log.info("late event of an erased subject shredded", case_id=envelope.case_id)


async def intake_changes(decisions: Decisions, envelope: Envelope) -> list[c.Change]:
    """What an intake event of a subject not erased changes."""
    found: list[c.Change] = [c.CaseSeen(envelope.case_id, envelope.subject_id)]
    found.append(c.EventKept(envelope))
    if envelope.type == views.CONSULTATION_RECEIVED:
        found.append(c.CaseOpened(envelope.case_id, envelope.occurred_at))
    elif envelope.type == views.RECORDING_ATTACHED:
        found.append(c.RecordingAttached(envelope.case_id))
    elif envelope.type == views.CLOSURE_REQUESTED:
        found += await _closure(decisions, envelope)
    return found


async def policy_event_arrived(message: PolicyEventArrived, deps: PrivacyDependencies) -> None:
    envelope = message.envelope
    async with deps.unit_of_work() as uow:
        await uow.store.apply(str(envelope.event_id), decision_changes(envelope))
        await uow.commit()


async def records_acknowledged(message: RecordsAcknowledged, deps: PrivacyDependencies) -> None:
    """The acknowledgement kept; then the receipts it lets be bound to the log are."""
    async with deps.unit_of_work() as uow:
        await uow.store.apply(None, acknowledgement_changes(message.envelope))
        await uow.commit()
    await bind_covered_receipts(deps)


async def bind_covered_receipts(deps: PrivacyDependencies) -> None:
    """After an acknowledgement is kept: the receipts whose events the latest records
    checkpoint now includes are re-signed."""
    bound = await bind_receipts(deps.store, deps.signer)
    if bound:
        async with deps.unit_of_work() as uow:
            await uow.store.apply(None, bound)
            await uow.commit()


async def _closure(decisions: Decisions, envelope: Envelope) -> list[c.Change]:
    """Closed from the server's time, never the client's `requested_at` (the envelope's
    `occurred_at`): a backdated request must not make the case due early. Until policy's
    decision is read, the time intake recorded the request; then the decision's own."""
    reason = _text(envelope.payload.get("reason"))
    decided = await decisions.decision_caused_by(str(envelope.event_id))
    if decided is not None and _outcome(decided.payload) != "accept":
        return []  # policy refused this close request before we saw it
    closed_at = envelope.recorded_at if decided is None else decided.recorded_at
    return [c.CaseClosed(envelope.case_id, closed_at, reason, str(envelope.event_id))]


def decision_changes(envelope: Envelope) -> list[c.Change]:
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


def acknowledgement_changes(envelope: Envelope) -> list[c.Change]:
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
    erasure = payload.get("event_type") == privacy_events.SUBJECT_ERASED.type
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
