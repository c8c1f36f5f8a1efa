"""Every intake handler through `bootstrap`, on SQLite and the in-memory bus: what it records,
what it publishes, what it refuses, and that a repeat records nothing."""

import asyncio
import json
from datetime import timedelta
from typing import Any, cast

import pytest
from sqlalchemy import select

from services.intake.domain.consultation import Consultation
from services.intake.domain.contacts import (
    ClosureRequest,
    Contact,
    PlatformFollowUp,
    RecordingReference,
)
from services.intake.domain.errors import (
    CaseNotFoundError,
    IdempotencyKeyReusedError,
    InvalidRequestError,
    TicketNotFoundError,
)
from services.intake.service_layer.messages import (
    Accepted,
    AttachRecording,
    CaseKeyDestroyed,
    KeyEpochClosed,
    LogContact,
    LogPlatformFollowUp,
    RecordConsultation,
    RequestClosure,
    SubjectErased,
)
from shared.bus.messages import OutgoingMessage
from shared.crypto.errors import KeyDestroyedError
from shared.crypto.tables import crypto_tables
from shared.envelope import Envelope
from tests.integration.intake.conftest import consultation
from tests.unit.intake.conftest import NOW, Running


def received(external_id: str = "T-1", **changes: Any) -> RecordConsultation:
    return RecordConsultation(
        Consultation.model_validate(consultation(external_id, **changes)), "rest"
    )


def contact(**changes: Any) -> Contact:
    document = {
        "kind": "agent_response",
        "channel": "phone",
        "occurred_at": NOW.isoformat(),
        "body": "交換品を本日発送しました。",
        **changes,
    }
    return Contact.model_validate(document)


async def opened(running: Running, external_id: str = "T-1") -> Accepted:
    return await running.intake.handle(received(external_id))


async def test_a_consultation_opens_a_case_and_publishes_its_event_sealed(
    running: Running,
) -> None:
    accepted = await opened(running)

    assert not accepted.duplicate
    [event] = running.published()
    assert (event.type, str(event.event_id), event.case_id) == (
        "consultation.received",
        accepted.event_id,
        accepted.case_id,
    )
    assert event.subject_id is not None
    assert _payload(event)["customer"]["name"]["enc"] == "v2", "personal fields leave encrypted"
    raw = running.bus.broker.published()[0].value.decode()
    assert "山田" not in raw
    assert "hanako" not in raw
    [status] = await running.intake.case_status(accepted.case_id)
    assert status.event_type == "consultation.received"


async def test_a_repeated_ticket_answers_the_first_time_and_records_nothing(
    running: Running,
) -> None:
    first = await opened(running)
    again = await running.intake.handle(received(customer={"name": "別人", "email": "x@y.jp"}))

    assert again == Accepted(first.case_id, first.event_id, duplicate=True)
    assert running.published_types() == ["consultation.received"]
    assert len(await running.intake.case_status(first.case_id)) == 1


async def test_racing_repeats_of_one_ticket_leave_one_case_and_one_key(running: Running) -> None:
    answers = await asyncio.gather(*(opened(running) for _ in range(8)))

    assert len({answer.case_id for answer in answers}) == 1
    assert sum(not answer.duplicate for answer in answers) == 1
    async with running.intake.personal.engine.connect() as connection:
        keyed = (await connection.scalars(select(crypto_tables().data_keys.c.case_id))).all()
    assert keyed == [answers[0].case_id]


async def test_a_body_may_not_claim_another_platform(running: Running) -> None:
    command = received(source={"platform": "zendesk", "external_id": "T-1"})

    with pytest.raises(InvalidRequestError) as refused:
        await running.intake.handle(command)
    assert refused.value.field == "source.platform"
    assert running.published() == []


async def test_the_servers_clock_bounds_a_consultations_time(running: Running) -> None:
    running.clock.advance(timedelta(days=-1))  # received_at now lies a day ahead

    with pytest.raises(InvalidRequestError) as refused:
        await opened(running)
    assert refused.value.field == "received_at"


async def test_identities_that_led_to_two_subjects_are_linked_and_announced(
    running: Running,
) -> None:
    phone_only = {"name": "山田 花子", "phone": "090-2345-6789"}
    email_only = {"name": "山田 花子", "email": "hanako.yamada@example.jp"}
    await running.intake.handle(received("T-1", customer=phone_only))
    await running.intake.handle(received("T-2", customer=email_only))
    await running.intake.handle(received("T-3"))

    events = running.published()
    assert [e.type for e in events] == [*["consultation.received"] * 3, "subject.linked"]
    phone_subject, email_subject = events[0].subject_id, events[1].subject_id
    assert phone_subject != email_subject
    # The e-mail's subject is kept (the first identity known); the phone's joins it.
    assert events[2].subject_id == email_subject
    assert events[3].payload["subject_id"] == email_subject
    assert events[3].payload["linked_subject_ids"] == [phone_subject]


async def test_a_contact_on_an_unknown_case_is_not_found(running: Running) -> None:
    with pytest.raises(CaseNotFoundError):
        await running.intake.handle(LogContact("no-such-case", contact(), "rest"))


async def test_a_contact_is_recorded_once_per_platform_contact_id(running: Running) -> None:
    case = await opened(running)
    command = LogContact(case.case_id, contact(source={"external_id": "c-9"}), "rest")

    first = await running.intake.handle(command)
    again = await running.intake.handle(command)

    assert again == Accepted(case.case_id, first.event_id, duplicate=True)
    assert running.published_types() == ["consultation.received", "contact.logged"]


async def test_an_idempotency_key_reused_with_another_body_is_refused(running: Running) -> None:
    case = await opened(running)
    first = LogContact(case.case_id, contact(), "rest", "agent-1", "key-1")
    changed = LogContact(case.case_id, contact(body="別の本文"), "rest", "agent-1", "key-1")

    recorded = await running.intake.handle(first)
    assert (await running.intake.handle(first)).event_id == recorded.event_id
    with pytest.raises(IdempotencyKeyReusedError):
        await running.intake.handle(changed)
    # The same key from another caller, or for another command, is another request.
    other_caller = LogContact(case.case_id, contact(body="別の本文"), "rest", "agent-2", "key-1")
    assert not (await running.intake.handle(other_caller)).duplicate


async def test_an_agents_response_records_the_token_subject_as_its_handler(
    running: Running,
) -> None:
    case = await opened(running)
    command = LogContact(case.case_id, contact(), "rest", "agent-7", handler="agent-7")

    await running.intake.handle(command)

    # A staff pseudonym, in the clear as fact.checked's checked_by and records' actor are.
    assert _payload(running.published()[-1])["handled_by"] == "agent-7"


@pytest.mark.parametrize(
    ("handler", "kind"),
    [(None, "agent_response"), ("agent-7", "customer_contact")],
    ids=["a platform relays an agent response", "an agent logs the customer's contact"],
)
async def test_no_handler_is_recorded_without_an_agents_response(
    running: Running, handler: str | None, kind: str
) -> None:
    case = await opened(running)
    command = LogContact(case.case_id, contact(kind=kind), "rest", "caller-1", handler=handler)

    await running.intake.handle(command)

    assert _payload(running.published()[-1]).get("handled_by") is None


async def test_a_body_may_not_name_another_handler(running: Running) -> None:
    case = await opened(running)
    claimed = contact(handled_by="agent-2")

    with pytest.raises(InvalidRequestError) as refused:
        await running.intake.handle(LogContact(case.case_id, claimed, "rest", handler="agent-7"))
    assert refused.value.field == "handled_by"
    assert "agent-2" not in str(refused.value)
    # A platform (no agent token) names no handler at all; repeating one's own is no claim.
    with pytest.raises(InvalidRequestError):
        await running.intake.handle(LogContact(case.case_id, claimed, "rest"))
    repeated = LogContact(case.case_id, claimed, "rest", handler="agent-2")
    assert not (await running.intake.handle(repeated)).duplicate
    assert running.published_types() == ["consultation.received", "contact.logged"]


async def test_a_contact_may_not_lie_before_its_case_was_opened(running: Running) -> None:
    case = await opened(running)
    early = contact(occurred_at=(NOW - timedelta(hours=5)).isoformat())

    with pytest.raises(InvalidRequestError) as refused:
        await running.intake.handle(LogContact(case.case_id, early, "rest"))
    assert refused.value.field == "occurred_at"


async def test_a_close_request_is_recorded_as_requested(running: Running) -> None:
    case = await opened(running)
    request = ClosureRequest.model_validate({"reason": "satisfied", "requested_at": NOW})

    accepted = await running.intake.handle(
        RequestClosure(case.case_id, request, "agent-1", "key-1")
    )

    closure = running.published()[-1]
    assert (closure.type, str(closure.event_id)) == ("closure.requested", accepted.event_id)
    assert closure.occurred_at == NOW
    # The key it used is its own: the same key on a contact is another request.
    assert not (
        await running.intake.handle(LogContact(case.case_id, contact(), "rest", "agent-1", "key-1"))
    ).duplicate


async def test_a_recording_without_its_time_occurs_at_the_servers_time(running: Running) -> None:
    case = await opened(running)
    recording = RecordingReference.model_validate(
        {"uri": "https://recordings.example.jp/a.wav", "sha256": "a" * 64, "duration_seconds": 60}
    )

    await running.intake.handle(AttachRecording(case.case_id, recording))

    attached = running.published()[-1]
    assert attached.type == "recording.attached"
    assert attached.occurred_at == NOW
    assert _payload(attached)["uri"]["enc"] == "v2"


async def test_a_platform_follow_up_lands_on_its_tickets_case(running: Running) -> None:
    case = await opened(running)
    follow_up = PlatformFollowUp(
        platform="rest", ticket_id="T-1", contact=contact(source={"external_id": "c-1"})
    )

    accepted = await running.intake.handle(LogPlatformFollowUp(follow_up, "corr-1"))

    assert accepted.case_id == case.case_id
    logged = running.published()[-1]
    assert (logged.type, logged.correlation_id) == ("contact.logged", "corr-1")
    unknown = PlatformFollowUp(platform="rest", ticket_id="T-404", contact=contact())
    with pytest.raises(TicketNotFoundError):
        await running.intake.handle(LogPlatformFollowUp(unknown))


async def test_a_write_while_the_bus_is_down_is_kept_and_published_by_the_drain(
    running: Running,
) -> None:
    running.bus.broker.available = False
    accepted = await opened(running)
    assert running.published() == []

    running.bus.broker.available = True
    assert await running.intake.dependencies.relay.drain() == 1
    assert [str(e.event_id) for e in running.published()] == [accepted.event_id]


async def test_a_destroyed_case_key_and_a_closed_epoch_leave_the_key_cache(
    running: Running,
) -> None:
    first, second = await opened(running, "T-1"), await opened(running, "T-2")
    keys = running.intake.personal.keys
    for case in (first, second):
        await running.intake.handle(LogContact(case.case_id, contact(), "rest"))
        assert keys.holds_cached(case.case_id)

    await running.intake.handle(CaseKeyDestroyed(first.case_id))
    assert not keys.holds_cached(first.case_id)
    assert keys.holds_cached(second.case_id)

    await running.intake.handle(KeyEpochClosed())
    assert not keys.holds_cached(second.case_id)


async def test_an_erased_subjects_tickets_and_dead_letter_keys_are_forgotten(
    running: Running,
) -> None:
    case = await opened(running)
    [event] = running.published()
    assert event.subject_id is not None
    intake = running.intake
    # A poison ingress message naming the same person, sealed on its way to the DLQ.
    poison = json.dumps(consultation("T-9"), ensure_ascii=False).encode()
    sealed = await intake.quarantine.seal(OutgoingMessage("caselog.ingress.dlq", poison, None, ()))

    erased = SubjectErased("e-1", "req-1", (event.subject_id,), (case.case_id,))
    await intake.handle(erased)
    await intake.handle(erased)  # redelivered: nothing more to do, nothing fails

    with pytest.raises(CaseNotFoundError):
        await intake.case_status(case.case_id)
    follow_up = PlatformFollowUp(platform="rest", ticket_id="T-1", contact=contact())
    with pytest.raises(TicketNotFoundError):
        await intake.handle(LogPlatformFollowUp(follow_up))
    with pytest.raises(KeyDestroyedError):
        await intake.quarantine.open(sealed.value)


def _payload(event: Envelope) -> dict[str, Any]:
    """The envelope's payload as the nested dict the assertions index into."""
    return cast(dict[str, Any], event.payload)
