"""Privacy's handler table, through bootstrap: one handler for every message privacy declares,
and a handler that fails half-way leaves nothing behind (its unit of work rolls back)."""

import inspect
from datetime import UTC, datetime

import pytest

from services.privacy.bootstrap import Privacy
from services.privacy.domain.events import HOLD_PLACED, PRODUCER
from services.privacy.service_layer import messages
from services.privacy.service_layer.handlers import HANDLERS
from services.privacy.service_layer.messages import Message, OwnEventsArrived
from services.privacy.service_layer.own_events import UnreadableEventError
from shared.envelope import Envelope
from shared.handling import HandlerTableError

PLACED_AT = datetime(2026, 11, 6, tzinfo=UTC)


def declared_messages() -> set[type[object]]:
    return {
        value
        for _, value in inspect.getmembers(messages, inspect.isclass)
        if issubclass(value, Message)
        and value is not Message
        and not value.__name__.startswith("_")
    }


def hold_placed(hold_id: str, **payload: object) -> Envelope:
    document = {
        "hold_id": hold_id,
        "scope": "case",
        "case_id": "case-1",
        "matter": "M-1",
        "reason": "litigation",
        "placed_by": "legal-1",
        "placed_at": PLACED_AT.isoformat(),
        **payload,
    }
    return Envelope(
        type=HOLD_PLACED.event_type,
        schema_version=HOLD_PLACED.schema_version,
        case_id="case-1",
        subject_id=None,
        occurred_at=PLACED_AT,
        producer=PRODUCER,
        correlation_id="correlation-1",
        payload=document,
    )


def test_every_message_privacy_declares_has_exactly_one_handler() -> None:
    assert declared_messages() == set(HANDLERS.message_types)


async def test_a_message_no_handler_is_registered_for_is_refused_by_name(privacy: Privacy) -> None:
    class Undeclared(Message[None]):
        pass

    with pytest.raises(HandlerTableError, match="no handler for Undeclared"):
        await privacy.handle(Undeclared())


async def test_own_events_applied_together_leave_nothing_when_one_of_them_is_unreadable(
    privacy: Privacy,
) -> None:
    readable, unreadable = hold_placed("hold-1"), hold_placed("hold-2", placed_at="not a time")

    with pytest.raises(UnreadableEventError, match=r"hold\.placed"):
        await privacy.handle(OwnEventsArrived([readable, unreadable]))

    assert await privacy.store.hold("hold-1") is None
    await privacy.handle(OwnEventsArrived([readable]))  # not marked as seen by the failed batch
    assert await privacy.store.hold("hold-1") is not None
