"""The records consumer: every event of every caselog topic into the log, once, if a contract
declares its type and version; privacy's key destructions also drop the cached keys at once.

Decoded through the contracts (`RECORDS_READS`): records reads every declared type, most as
they are (`StoredAsIs`), those it reads meaning from by its read models (vocabulary.py). A type
or a version no contract declares is dead-lettered with the reason, never stored: the log
would keep it for good under a shape nobody declared, and the case view would fold it with
the wrong one (docs/decisions/0018-event-contracts.md). A known older version is stored as it
was sent; its readers lift it through the registry's upcasters."""

from collections.abc import Awaitable, Callable, Sequence

from services.records.domain.errors import InvalidEventError, RecordsError
from services.records.domain.events import Origin, ReceivedEvent
from services.records.domain.vocabulary import (
    CASE_ANONYMIZED,
    KEYS_EPOCH_CLOSED,
    READ_MODELS,
    SUBJECT_ERASED,
    StoredAsIs,
)
from services.records.service_layer.messages import (
    AppendBatch,
    CaseKeyDestroyed,
    KeyEpochClosed,
    Message,
)
from shared.bus.errors import PermanentHandlingError
from shared.bus.messages import ConsumedMessage
from shared.bus.policy import DeliveryPolicy
from shared.contracts.reading import ConsumerReads
from shared.contracts.registry import CONTRACTS
from shared.envelope import Envelope, decode_envelope

KEY_DESTROYING_EVENTS = frozenset({CASE_ANONYMIZED, SUBJECT_ERASED})
PATIENT_DELIVERY = DeliveryPolicy(
    max_attempts=12, initial_backoff_s=0.1, max_backoff_s=10.0, batch_size=500
)
"""Batches of up to 500 events, one transaction each (with what else is pending). About a
minute of retries before the dead-letter topic: a database restart must not send
the system of record's input there (what does land there replays safely: appends are
idempotent). Refused events skip the retries."""

RECORDS_READS = ConsumerReads(
    "records",
    reads={event_type: READ_MODELS.get(event_type, StoredAsIs) for event_type in CONTRACTS.types()},
)
"""Every declared type, none ignored: the log keeps them all."""

Dispatch = Callable[[Message[object]], Awaitable[object]]


class UnrecordableMessageError(RecordsError, PermanentHandlingError):
    """Retrying cannot help (the same event id with other bytes): dead-lettered with the reason."""


def record_handler(dispatch: Dispatch) -> Callable[[Sequence[ConsumedMessage]], Awaitable[None]]:
    """The bus's batch handler: the batch appended in one go (with whatever else is pending).
    Bytes that are not an envelope raise InvalidEnvelopeError, and an undeclared type or
    version UnknownEventError, permanent errors; so does an event the log refuses. Any of them
    fails the batch, which the bus then hands over one message at a time: the offending one
    reaches the DLQ at once, with the reason, and the rest are appended (appends are
    idempotent, so what the failed batch did append is found stored). Outages propagate and
    are retried; redelivery changes nothing.

    When privacy reports a case's key destroyed, the cached key goes first, whatever the rest
    of the event (even one dead-lettered), so a reveal cannot show plaintext until the cache
    would have expired; when a key epoch closes, the whole cache goes."""

    async def handle(batch: Sequence[ConsumedMessage]) -> None:
        events = []
        for message in batch:
            envelope = decode_envelope(message.value)
            await _forget_destroyed_keys(envelope, dispatch)
            if RECORDS_READS.model_for(envelope) is not StoredAsIs:
                RECORDS_READS.decode(envelope)  # the fields the case view reads fit, or the DLQ
            origin = Origin(message.topic, message.partition, message.offset)
            events.append(ReceivedEvent(envelope, origin))
        try:
            await dispatch(AppendBatch(tuple(events)))
        except InvalidEventError as error:
            raise UnrecordableMessageError(str(error)) from None

    return handle


async def _forget_destroyed_keys(envelope: Envelope, dispatch: Dispatch) -> None:
    if envelope.type in KEY_DESTROYING_EVENTS:
        await dispatch(CaseKeyDestroyed(envelope.case_id))
    elif envelope.type == KEYS_EPOCH_CLOSED:
        await dispatch(KeyEpochClosed())
