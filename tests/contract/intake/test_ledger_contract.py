"""Intake's ledger and unit of work, on SQLite and PostgreSQL: at most once per idempotency
key or ticket, nothing kept without a commit, the outbox in order, erased cases forgotten."""

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from services.intake.adapters.ledger import outbox
from services.intake.domain.consultation import Customer
from services.intake.domain.errors import IdempotencyKeyReusedError, InvalidRequestError
from services.intake.service_layer.messages import Accepted
from services.intake.service_layer.ports import CaseRef
from services.intake.service_layer.unit_of_work import IntakeStores
from shared.bus.envelopes import HEADER_EVENT_TYPE
from shared.bus.messages import OutgoingMessage
from shared.crypto.runtime import PersonalData
from shared.crypto.tables import crypto_tables

RECEIVED = datetime(2026, 11, 2, 1, 15, tzinfo=UTC)


def case(case_id: str, ticket: str = "T-1") -> CaseRef:
    return CaseRef(case_id, f"subject-of-{case_id}", "rest", ticket, RECEIVED)


def message(event_type: str = "contact.logged", value: bytes = b"{}") -> OutgoingMessage:
    headers = ((HEADER_EVENT_TYPE, event_type.encode()), ("binary", bytes(range(256))))
    return OutgoingMessage("caselog.intake", value, b"subject", headers)


async def record(
    stores: IntakeStores,
    key: str,
    accepted: Accepted,
    new_case: CaseRef | None = None,
    digest: bytes | None = None,
    *,
    commit: bool = True,
) -> Accepted:
    async with stores.ledger_work() as uow:
        stored = await uow.ledger.record(key, accepted, message(), new_case, digest)
        if commit and not stored.duplicate:
            await uow.commit()
    return stored


async def test_a_key_records_once_and_answers_the_first_answer_after(stores: IntakeStores) -> None:
    first = await record(stores, "source:rest:T-1", Accepted("c1", "e1"), case("c1"))
    again = await record(stores, "source:rest:T-1", Accepted("c2", "e2"), case("c2"))

    assert first == Accepted("c1", "e1")
    assert again == Accepted("c1", "e1", duplicate=True)
    async with stores.ledger_work() as uow:
        assert await uow.ledger.find("source:rest:T-1") == again
        assert await uow.ledger.find("source:rest:T-2") is None
        assert await uow.ledger.case("c2") is None
        assert len(await uow.ledger.pending(10)) == 1


async def test_a_ticket_opened_under_another_key_is_refused_not_answered(
    stores: IntakeStores,
) -> None:
    await record(stores, "source:rest:T-1", Accepted("c1", "e1"), case("c1"))

    with pytest.raises(InvalidRequestError) as refused:
        await record(stores, "another-key", Accepted("c2", "e2"), case("c2"))
    assert refused.value.field == "source"


async def test_a_key_sent_again_with_another_body_is_refused(stores: IntakeStores) -> None:
    await record(stores, "source:rest:T-1", Accepted("c1", "e1"), case("c1"))
    await record(stores, "request:k", Accepted("c1", "e2"), digest=b"body one")

    assert await record(stores, "request:k", Accepted("c1", "e3"), digest=b"body one") == (
        Accepted("c1", "e2", duplicate=True)
    )
    with pytest.raises(IdempotencyKeyReusedError):
        await record(stores, "request:k", Accepted("c1", "e4"), digest=b"body two")


async def test_nothing_is_kept_without_a_commit(stores: IntakeStores) -> None:
    await record(stores, "source:rest:T-1", Accepted("c1", "e1"), case("c1"), commit=False)

    async with stores.ledger_work() as uow:
        assert await uow.ledger.case("c1") is None
        assert await uow.ledger.find("source:rest:T-1") is None
    assert await record(stores, "source:rest:T-1", Accepted("c2", "e2"), case("c2")) == (
        Accepted("c2", "e2")
    )


async def test_an_error_in_the_block_rolls_back_what_it_recorded(stores: IntakeStores) -> None:
    async def failing_handler() -> None:
        async with stores.ledger_work() as uow:
            await uow.ledger.record("k", Accepted("c1", "e1"), message(), case("c1"))
            raise RuntimeError("the handler failed after recording")

    with pytest.raises(RuntimeError):
        await failing_handler()

    async with stores.ledger_work() as uow:
        assert await uow.ledger.find("k") is None


async def test_the_outbox_gives_pending_messages_oldest_first_until_marked(
    stores: IntakeStores,
) -> None:
    await record(stores, "source:rest:T-1", Accepted("c1", "e1"), case("c1"))
    for n in range(2, 5):
        await record(stores, f"event:e{n}", Accepted("c1", f"e{n}"))

    async with stores.ledger_work() as uow:
        pending = await uow.ledger.pending(3)
    assert [item.key for item in pending] == ["source:rest:T-1", "event:e2", "event:e3"]
    assert pending[0].message == message(), "topic, value, key and binary headers kept"

    async with stores.ledger_work() as uow:
        await uow.ledger.mark_published(["source:rest:T-1", "event:e3"])
        await uow.commit()
    async with stores.ledger_work() as uow:
        assert [item.key for item in await uow.ledger.pending(10)] == ["event:e2", "event:e4"]
        events = await uow.ledger.case_events("c1")
    assert [(e.event_id, e.event_type) for e in events] == [
        (f"e{n}", "contact.logged") for n in range(1, 5)
    ]
    assert [e.published_at is not None for e in events] == [True, False, True, False]


async def test_a_follow_up_finds_its_case_by_id_and_by_ticket(stores: IntakeStores) -> None:
    await record(stores, "source:rest:T-1", Accepted("c1", "e1"), case("c1"))

    async with stores.ledger_work() as uow:
        assert await uow.ledger.case("c1") == case("c1")
        assert await uow.ledger.case_for_ticket("rest", "T-1") == case("c1")
        assert await uow.ledger.case_for_ticket("zendesk", "T-1") is None


async def test_an_erased_case_is_forgotten_and_its_published_bytes_emptied(
    stores: IntakeStores,
) -> None:
    await record(stores, "source:rest:T-1", Accepted("c1", "e1"), case("c1"))
    await record(stores, "request:k", Accepted("c1", "e2"), digest=b"digest")
    await record(stores, "source:rest:T-2", Accepted("c2", "e3"), case("c2", "T-2"))
    async with stores.ledger_work() as uow:
        await uow.ledger.mark_published(["source:rest:T-1"])
        await uow.commit()

    async with stores.ledger_work() as uow:
        assert await uow.ledger.forget_cases(["c1", "never-opened"]) == 1
        await uow.commit()
    async with stores.ledger_work() as uow:
        assert await uow.ledger.forget_cases(["c1"]) == 0, "idempotent"
        assert await uow.ledger.forget_cases([]) == 0
        assert await uow.ledger.case_for_ticket("rest", "T-1") is None
        assert await uow.ledger.find("source:rest:T-1") is None
        assert await uow.ledger.find("request:k") is None
        assert await uow.ledger.case_for_ticket("rest", "T-2") == case("c2", "T-2")
        pending = {item.key: item.message.value for item in await uow.ledger.pending(10)}
    # The unpublished event still reaches the bus (its payload is ciphertext of a dead key).
    assert pending == {"erased:e2": b"{}", "source:rest:T-2": b"{}"}
    async with stores.ledger_engine.connect() as connection:
        published = select(outbox.c.value).where(outbox.c.event_id == "e1")
        assert await connection.scalar(published) == b""


async def test_racing_openings_of_one_ticket_keep_one_case_and_one_key(
    stores: IntakeStores, personal: PersonalData
) -> None:
    customer = Customer(name="山田 花子", email="hanako@example.jp")

    async def open_case(n: int) -> Accepted:
        async with stores.case_opening() as uow:
            opened = await uow.cases.open(f"c{n}", customer)
            ref = CaseRef(f"c{n}", opened.subject_id, "rest", "T-1", RECEIVED)
            stored = await uow.ledger.record(
                "source:rest:T-1", Accepted(f"c{n}", "e"), message(), ref
            )
            if stored.duplicate:
                return stored
            await uow.commit()
        return stored

    answers = await asyncio.gather(*(open_case(n) for n in range(6)))

    [winner] = [answer for answer in answers if not answer.duplicate]
    assert {answer.case_id for answer in answers} == {winner.case_id}
    async with personal.engine.connect() as connection:
        keyed = (await connection.scalars(select(crypto_tables().data_keys.c.case_id))).all()
    assert keyed == [winner.case_id], "no data key left for a case that was never recorded"
