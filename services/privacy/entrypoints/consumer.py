"""Privacy's consumer: intake, policy, privacy's own topic and records' acknowledgements, each
message decoded into the message its topic carries and handed to privacy's handler table."""

from collections.abc import Sequence

from pydantic import ValidationError

from services.privacy.bootstrap import Privacy, Topics
from services.privacy.domain import events as privacy_events
from services.privacy.domain import views
from services.privacy.service_layer.messages import (
    Consumed,
    EventsConsumed,
    IntakeEventArrived,
    OwnEventsArrived,
    PolicyEventArrived,
    RecordsAcknowledged,
)
from services.privacy.service_layer.own_events import UnreadableEventError
from shared.bus.batches import BatchHandler
from shared.bus.messages import ConsumedMessage
from shared.bus.policy import DeliveryPolicy
from shared.contracts.reading import ConsumerReads
from shared.contracts.registry import CONTRACTS
from shared.envelope import Envelope, decode_envelope
from shared.validation import summarize


class _Acknowledgement(views.View):
    """`records.acknowledged`, read further by its handler."""


def _intake_reads() -> ConsumerReads:
    read = {kind: views.INTAKE_VIEWS[kind] for kind in views.ENCRYPTED_SCHEMAS}
    ignored = {kind for kind in CONTRACTS.produced_by("intake") if kind not in read}
    return ConsumerReads("privacy", reads=read, ignores=frozenset(ignored))


INTAKE_READS = _intake_reads()
"""Intake's events privacy keeps (each sealed field opened by its view); the others ignored."""
POLICY_READS = ConsumerReads(
    "privacy", reads=dict.fromkeys(CONTRACTS.produced_by("policy"), views.DecisionView)
)
RECORDS_READS = ConsumerReads(
    "privacy",
    reads={views.RECORDS_ACKNOWLEDGED: _Acknowledgement},
    ignores=frozenset({"access.recorded"}),
)
OWN_READS = ConsumerReads(
    "privacy", reads={kind.type: kind.payload for kind in privacy_events.ALL_EVENTS}
)
"""Privacy's own events, read by their producer's models (older versions upcast or read as
they are by `own_events`)."""


CONSUMER_DELIVERY = DeliveryPolicy(batch_size=200)
"""Up to 200 events per unit of work (issue 20): one read per table and a few writes for all
of them, whatever their number, so a backlog is taken in few. No linger: privacy is not on the
decision path, but a case must be known to it at once, or a hold placed on a case that has
just arrived is refused as unknown (a 200 ms linger made the console's hold test fail)."""


def consumed_topics(topics: Topics) -> list[str]:
    return [topics.intake, topics.policy, topics.privacy, topics.records]


def privacy_handler(privacy: Privacy) -> BatchHandler:
    """The bus's batch handler: the batch handled as one (service_layer.consumed_batches).
    Bytes that are not an envelope raise InvalidEnvelopeError, a permanent error: the DLQ at
    once, from every topic read. Records' topic too: only records writes there, so anything
    else on it is poison that an operator must be shown, not skipped. Any error fails the
    whole batch, which the bus then hands over one message at a time: the offending one alone
    reaches the DLQ, the others are applied (once: redelivery changes nothing)."""

    async def handle(batch: Sequence[ConsumedMessage]) -> None:
        await consume_all(
            privacy, [(message.topic, decode_envelope(message.value)) for message in batch]
        )

    return handle


async def consume(privacy: Privacy, topic: str, envelope: Envelope) -> None:
    """One envelope read from `topic`, handled as the message it carries (if privacy reads it)."""
    await consume_all(privacy, [(topic, envelope)])


async def consume_all(privacy: Privacy, read: Sequence[tuple[str, Envelope]]) -> None:
    """Envelopes read (topic, envelope), in that order, handled as one batch."""
    found = [_message(privacy.topics, topic, envelope) for topic, envelope in read]
    events = [message for message in found if message is not None]
    if not events:
        return
    try:
        await privacy.handle(EventsConsumed(events))
    except ValidationError as error:
        kinds = ", ".join(sorted({envelope.type for _, envelope in read}))
        raise UnreadableEventError(f"{kinds}: {summarize(error)}") from None


def _message(topics: Topics, topic: str, envelope: Envelope) -> Consumed | None:
    """The message for `envelope`, None for a declared ignore; UnknownEventError (the DLQ
    reason) for a type or version the topic's reads do not know."""
    if topic == topics.records and RECORDS_READS.model_for(envelope) is not None:
        return RecordsAcknowledged(envelope)
    if topic == topics.privacy and OWN_READS.model_for(envelope) is not None:
        return OwnEventsArrived([envelope])
    if topic == topics.intake and INTAKE_READS.model_for(envelope) is not None:
        return IntakeEventArrived(envelope)
    if topic == topics.policy and POLICY_READS.model_for(envelope) is not None:
        return PolicyEventArrived(envelope)
    return None
