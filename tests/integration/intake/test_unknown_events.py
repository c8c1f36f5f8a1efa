"""Intake's privacy consumer dead-letters an event of a type or a version it does not know,
with the reason, on Kafka and on the embedded bus (issue 15)."""

from services.intake.entrypoints.erasure import INTAKE_READS_PRIVACY, erasure_handler
from services.intake.service_layer.messages import PrivacyEvent
from tests.conformance.conftest import BusBackend
from tests.integration.consumer_dead_letters import (
    assert_unknown_events_dead_lettered,
    consumer_bus,
    subscriber,
)

__all__ = ["consumer_bus"]


async def test_unknown_privacy_events_reach_intakes_dlq_with_the_reason(
    consumer_bus: BusBackend,
) -> None:
    handled: list[PrivacyEvent] = []

    async def handle(event: PrivacyEvent) -> None:
        handled.append(event)

    handler = erasure_handler(handle)
    await assert_unknown_events_dead_lettered(
        consumer_bus, INTAKE_READS_PRIVACY.consumer, subscriber(handler), "keys.epoch_closed"
    )
    assert handled == []
