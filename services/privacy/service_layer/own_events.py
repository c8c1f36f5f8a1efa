"""Privacy's own events applied to its store: the same code applies an event when privacy emits
it and when it is read back from the topic (another instance, or a rebuilt database)."""

from collections.abc import Sequence

from pydantic import ValidationError

from services.privacy.domain import events as e
from services.privacy.domain.holds import Hold
from services.privacy.domain.requests import PrivacyRequest, RequestKind, RequestStatus
from services.privacy.domain.retention import RecordKind
from services.privacy.service_layer import changes as c
from services.privacy.service_layer.messages import OwnEventsArrived
from services.privacy.service_layer.ports import PrivacyDependencies
from services.privacy.service_layer.receipts import complete_epoch
from shared.bus.errors import PermanentHandlingError
from shared.envelope import Envelope
from shared.validation import summarize


class UnknownVersionError(PermanentHandlingError):
    """A privacy event of a version this privacy does not read: dead-lettered, never skipped."""


class UnreadableEventError(PermanentHandlingError):
    """An event of a known type whose payload privacy cannot read: dead-lettered at once."""


async def own_events_arrived(message: OwnEventsArrived, deps: PrivacyDependencies) -> None:
    await apply_own_events(deps, message.envelopes)


async def apply_own_events(deps: PrivacyDependencies, envelopes: Sequence[Envelope]) -> None:
    """Privacy's own events, applied together in one unit of work (each once per id)."""
    found: list[tuple[str | None, list[c.Change]]] = []
    for envelope in envelopes:
        try:
            changes = [await _sealed(deps, change) for change in privacy_changes(envelope)]
            if envelope.type == e.KEYS_EPOCH_CLOSED.event_type:
                closed = e.EpochClosed.model_validate(envelope.payload)
                event_id = str(envelope.event_id)
                changes += await complete_epoch(
                    deps.store, deps.signer, deps.clock, event_id, closed
                )
        except ValidationError as error:
            raise UnreadableEventError(f"{envelope.type}: {summarize(error)}") from None
        found.append((str(envelope.event_id), changes))
    async with deps.unit_of_work() as uow:
        await uow.store.apply_each(found)
        await uow.commit()


async def _sealed(deps: PrivacyDependencies, change: c.Projected) -> c.Change:
    """A version 1 copy, read back in plaintext, is kept sealed like every other."""
    if not isinstance(change, c.CopyReceived):
        return change
    sealed = await deps.copies.seal(change.anonymized_copy, version=1)
    return c.CopyStored(change.case_id, sealed, change.closed_at, change.closure_reason)


def privacy_changes(envelope: Envelope) -> Sequence[c.Projected]:
    kind = e.READABLE.get((envelope.type, envelope.schema_version))
    if kind is None:
        raise UnknownVersionError(f"{envelope.type} v{envelope.schema_version} is not known")
    payload = kind.payload.model_validate(envelope.payload)
    match payload:
        case e.HoldPlaced():
            hold = Hold.model_validate(payload.model_dump(exclude={"case_ids"}))
            return [c.HoldSaved(hold)]
        case e.HoldReleaseRequested():
            return [
                c.HoldReleaseRequested(payload.hold_id, payload.requested_by, payload.requested_at)
            ]
        case e.HoldReleased():
            return [
                c.HoldEnded(
                    payload.hold_id, payload.released_by, payload.released_at, payload.release_note
                )
            ]
        case e.CaseAnonymized():
            return [c.CaseAnonymized(envelope.case_id, payload.anonymized_at)]
        case e.CaseAnonymizedV1():
            copy = c.CopyReceived(
                envelope.case_id, payload.anonymized_copy, payload.closed_at, payload.closure_reason
            )
            return [copy, c.CaseAnonymized(envelope.case_id, payload.anonymized_at)]
        case e.CopyWithdrawn():
            return [c.CopyRemoved(payload.copy_id)]
        case e.SubjectErased():
            return _erased(envelope.case_id, payload)
        case e.AccessExported():
            return [c.RequestSaved(_fulfilled_access(payload))]
        case e.RetentionSwept():
            return _swept(payload)
    return []


def _erased(case_id: str, payload: e.SubjectErased) -> list[c.Change]:
    found: list[c.Change] = []
    if payload.key_id is not None and payload.key_destroyed_at is not None:
        found += [
            c.CaseErased(case_id, payload.erased_at),
            c.KeyDestroyed(case_id, payload.key_destroyed_at),
        ]
    if payload.subject_index_forgotten:
        found += [
            c.SubjectErased(subject, payload.request_id, payload.erased_at)
            for subject in payload.subject_ids
        ]
    return found


def _fulfilled_access(payload: e.AccessExported) -> PrivacyRequest:
    return PrivacyRequest(
        request_id=payload.request_id,
        kind=RequestKind.ACCESS,
        regime=payload.regime,
        subject_ids=payload.subject_ids,
        received_at=payload.received_at,
        due_at=payload.due_at,
        status=RequestStatus.FULFILLED,
        fulfilled_at=payload.exported_at,
        registered_by=payload.exported_by,
    )


def _swept(payload: e.RetentionSwept) -> list[c.Change]:
    recordings = [i.case_id for i in payload.done if i.kind is RecordKind.CALL_RECORDING]
    copies = [i.copy_id for i in payload.done if i.kind is RecordKind.ANONYMIZED_COPY and i.copy_id]
    found: list[c.Change] = []
    if recordings:
        found.append(c.RecordingsExpired(recordings, payload.as_of))
    if copies:
        found.append(c.CopiesExpired(copies))
    return found
