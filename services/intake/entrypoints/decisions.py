"""caselog.policy as intake reads it: each decision on a case from a support platform is
written back to its ticket (services/intake/service_layer/writeback.py).

An unreadable decision, a platform that refuses the note or keeps failing through the
retries, is dead-lettered with the reason; while a platform's circuit is open the bus's own
retries apply, then the dead letter says the circuit was open.
"""

from collections.abc import Awaitable, Callable

from pydantic import ValidationError

from services.intake.service_layer.writeback import (
    DecisionReached,
    WriteBackDependencies,
    write_back,
)
from shared.bus.errors import PermanentHandlingError
from shared.bus.messages import ConsumedMessage
from shared.contracts.policy import DECISION_TYPES, Decision
from shared.envelope import decode_envelope


class UnreadableDecisionError(PermanentHandlingError):
    """A decision event whose payload is not a decision of the contract."""


def decision_handler(
    deps: WriteBackDependencies,
) -> Callable[[ConsumedMessage], Awaitable[None]]:
    """The bus handler: other event types on caselog.policy are not intake's to write back."""

    async def handle_message(message: ConsumedMessage) -> None:
        envelope = decode_envelope(message.value)
        if envelope.type not in DECISION_TYPES:
            return
        try:
            decision = Decision.model_validate(envelope.payload)
        except ValidationError:
            raise UnreadableDecisionError(f"{envelope.type}: not a decision") from None
        event = DecisionReached(
            str(envelope.event_id), envelope.case_id, decision, envelope.recorded_at
        )
        await write_back(event, deps)

    return handle_message
