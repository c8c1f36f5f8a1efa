"""The records consumer: every event of every caselog topic into the log, once; privacy's key
destructions also drop the cached keys at once."""

from collections.abc import Awaitable, Callable

from services.records.domain.errors import InvalidEventError, RecordsError
from services.records.domain.events import Origin, ReceivedEvent
from services.records.domain.vocabulary import CASE_ANONYMIZED, KEYS_EPOCH_CLOSED, SUBJECT_ERASED
from services.records.service_layer.messages import (
    CaseKeyDestroyed,
    KeyEpochClosed,
    Message,
    RecordEvent,
)
from shared.bus.errors import PermanentHandlingError
from shared.bus.messages import ConsumedMessage
from shared.bus.policy import DeliveryPolicy
from shared.envelope import decode_envelope

KEY_DESTROYING_EVENTS = frozenset({CASE_ANONYMIZED, SUBJECT_ERASED})
PATIENT_DELIVERY = DeliveryPolicy(max_attempts=12, initial_backoff_s=0.1, max_backoff_s=10.0)
"""About a minute of retries before the dead-letter topic: a database restart must not send
the system of record's input there (what does land there replays safely: appends are
idempotent). Refused events skip the retries."""

Dispatch = Callable[[Message[object]], Awaitable[object]]


class UnrecordableMessageError(RecordsError, PermanentHandlingError):
    """Retrying cannot help (the same event id with other bytes): dead-lettered with the reason."""


def record_handler(dispatch: Dispatch) -> Callable[[ConsumedMessage], Awaitable[None]]:
    """The bus handler. Bytes that are not an envelope raise InvalidEnvelopeError, a permanent
    error: the DLQ at once. Outages propagate and are retried; redelivery changes nothing.
    When privacy reports a case's key destroyed, the cached key goes at once, so a reveal
    cannot show plaintext until the cache would have expired; when a key epoch closes, the
    whole cache goes (nothing unwrapped before the close stays in memory)."""

    async def handle(message: ConsumedMessage) -> None:
        envelope = decode_envelope(message.value)
        origin = Origin(message.topic, message.partition, message.offset)
        try:
            await dispatch(RecordEvent(ReceivedEvent(envelope, origin)))
        except InvalidEventError as error:
            raise UnrecordableMessageError(str(error)) from None
        if envelope.type in KEY_DESTROYING_EVENTS:
            await dispatch(CaseKeyDestroyed(envelope.case_id))
        elif envelope.type == KEYS_EPOCH_CLOSED:
            await dispatch(KeyEpochClosed())

    return handle
