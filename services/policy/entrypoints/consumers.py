"""Policy's bus consumers, entry points like its routes: each decodes what arrives into a
message for the handler table and dispatches it; the handlers do the work."""

from services.policy.adapters.read_models import privacy_message
from services.policy.service_layer.handlers import HANDLERS, PolicyDependencies
from services.policy.service_layer.messages import DecideIntakeEvent
from shared.bus.messages import ConsumedMessage, OutgoingMessage
from shared.envelope import decode_envelope


async def decide(message: ConsumedMessage, deps: PolicyDependencies) -> list[OutgoingMessage]:
    """The decision consumer, a bus transform on intake's topic: the decision it returns and
    the input's offset commit in one Kafka transaction (see `decide_intake_event`)."""
    envelope = decode_envelope(message.value)
    return await HANDLERS.handle(DecideIntakeEvent(envelope), deps)


async def act_on_privacy(message: ConsumedMessage, deps: PolicyDependencies) -> None:
    """The erasure consumer on privacy's topic: `subject.erased` forgets the erased cases,
    `keys.epoch_closed` empties the key cache; declared ignores pass, anything unknown is
    dead-lettered with the reason (`POLICY_READS_PRIVACY`)."""
    policy_message = privacy_message(decode_envelope(message.value))
    if policy_message is not None:
        await HANDLERS.handle(policy_message, deps)
