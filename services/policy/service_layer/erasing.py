"""The erasure consumer: `subject.erased` from privacy in, policy's state of what was erased out."""

import structlog
from pydantic import BaseModel, ConfigDict, ValidationError

from services.policy.service_layer.errors import UnreadableErasureError
from services.policy.service_layer.ports import Erasure, ErasureStore
from shared.bus.messages import ConsumedMessage
from shared.envelope import Envelope, decode_envelope
from shared.validation import summarize

log = structlog.get_logger(__name__)
SUBJECT_ERASED = "subject.erased"
READ_VERSION = 1


class _ErasedRead(BaseModel):
    """`subject.erased` v1 as policy reads it (privacy's models are not ours to import)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    subject_ids: tuple[str, ...] = ()
    erased_case_ids: tuple[str, ...]
    held_case_ids: tuple[str, ...] = ()


class ErasureConsumer:
    """A bus handler (`Bus.subscribe`) for `caselog.privacy`; other event types pass.

    What goes: the state of every erased case (a case's own row, and the case inside its
    subject's state, with the conduct found in it); when no case of the subject is held, the
    subject's whole state row; and the decision messages kept for re-sending that were made
    on the erased cases (they cite offsets into the erased text and the terms found there).
    What stays: a row per processed input (event id, subject key, when), all random ids, so
    a redelivered input of an erased case is still known as processed and not decided
    again; it is answered with nothing. Inputs of cases not erased keep their message and
    re-send it byte for byte. Erased subject ids and case keys are remembered (random ids
    too): a late intake event for them is decided, so no decision is lost, but builds no
    state (see `DecisionConsumer`). The decisions already published stay where they went:
    on `caselog.policy` and in records' append-only log, which policy does not own.

    Idempotent, as at-least-once delivery needs: a second erasure finds nothing to drop.
    A decision racing the erasure loses on the state's version and is retried, then sees
    the marker.
    """

    def __init__(self, store: ErasureStore) -> None:
        self._store = store

    async def handle(self, message: ConsumedMessage) -> None:
        envelope = decode_envelope(message.value)
        if envelope.type != SUBJECT_ERASED:
            return
        erasure = _erasure(envelope)
        await self._store.forget(erasure)
        log.info(
            "erased state forgotten",
            event_id=str(envelope.event_id),
            case_id=envelope.case_id,
            cases=len(erasure.case_ids),
            complete=erasure.complete,
        )


def _erasure(envelope: Envelope) -> Erasure:
    what = f"{envelope.type} v{envelope.schema_version}"
    if envelope.schema_version != READ_VERSION:
        raise UnreadableErasureError(f"{what}: unknown schema version (policy reads v1)")
    try:
        read = _ErasedRead.model_validate(envelope.payload)
    except ValidationError as error:
        raise UnreadableErasureError(f"{what} cannot be read: {summarize(error)}") from None
    subjects = (*read.subject_ids, *([envelope.subject_id] if envelope.subject_id else []))
    return Erasure(
        subject_ids=tuple(dict.fromkeys(subjects)),
        case_ids=read.erased_case_ids,
        complete=not read.held_case_ids,
    )
