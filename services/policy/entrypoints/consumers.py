"""Policy's bus consumers, entry points like its routes: each decodes what arrives into a
message for the handler table and dispatches it; the handlers do the work."""

from collections.abc import Sequence

from services.policy.adapters.read_models import privacy_message
from services.policy.service_layer.handlers import HANDLERS, PolicyDependencies
from services.policy.service_layer.messages import DecideIntakeEvents
from shared.bus.messages import ConsumedMessage, OutgoingMessage
from shared.envelope import decode_envelope


async def decide(
    messages: Sequence[ConsumedMessage], deps: PolicyDependencies
) -> list[OutgoingMessage]:
    """The decision consumer, a bus batch transform on intake's topic: the decisions it returns
    and the inputs' offsets commit in one Kafka transaction (see `decide_intake_events`). An
    envelope that does not decode fails the batch; the bus then dead-letters it alone."""
    envelopes = [decode_envelope(message.value) for message in messages]
    return await HANDLERS.handle(DecideIntakeEvents(envelopes), deps)


async def act_on_privacy(message: ConsumedMessage, deps: PolicyDependencies) -> None:
    """The erasure consumer on privacy's topic: `subject.erased` forgets the erased cases,
    `keys.epoch_closed` empties the key cache; declared ignores pass, anything unknown is
    dead-lettered with the reason (`POLICY_READS_PRIVACY`)."""
    policy_message = privacy_message(decode_envelope(message.value))
    if policy_message is not None:
        await HANDLERS.handle(policy_message, deps)
