"""Policy's bus consumers, entry points like its routes: each decodes what arrives into a
message for the handler table and dispatches it; the handlers do the work."""

from services.policy.adapters.read_models import KEYS_EPOCH_CLOSED, SUBJECT_ERASED, erasure_of
from services.policy.service_layer.handlers import HANDLERS, PolicyDependencies
from services.policy.service_layer.messages import DecideIntakeEvent, EmptyKeyCache
from shared.bus.messages import ConsumedMessage, OutgoingMessage
from shared.envelope import decode_envelope


async def decide(message: ConsumedMessage, deps: PolicyDependencies) -> list[OutgoingMessage]:
    """The decision consumer, a bus transform on intake's topic: the decision it returns and
    the input's offset commit in one Kafka transaction (see `decide_intake_event`)."""
    envelope = decode_envelope(message.value)
    return await HANDLERS.handle(DecideIntakeEvent(envelope), deps)


async def act_on_privacy(message: ConsumedMessage, deps: PolicyDependencies) -> None:
    """The erasure consumer on privacy's topic: `subject.erased` forgets the erased cases,
    `keys.epoch_closed` empties the key cache; other types pass."""
    envelope = decode_envelope(message.value)
    if envelope.type == KEYS_EPOCH_CLOSED:
        await HANDLERS.handle(EmptyKeyCache(), deps)
    elif envelope.type == SUBJECT_ERASED:
        await HANDLERS.handle(erasure_of(envelope), deps)
