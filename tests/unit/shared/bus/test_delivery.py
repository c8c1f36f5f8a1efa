"""Retries and dead letters: what is retried, and what a dead letter carries (and never does)."""

import asyncio

import pytest
from pydantic import BaseModel, ValidationError

from shared.bus.delivery import (
    DLQ_HEADER_ERROR,
    DLQ_HEADER_OFFSET,
    attempt,
    dead_letter,
    describe_error,
)
from shared.bus.errors import PermanentHandlingError
from shared.bus.messages import ConsumedMessage
from shared.bus.policy import DeliveryPolicy

POLICY = DeliveryPolicy(max_attempts=4, initial_backoff_s=0.001, max_backoff_s=0.002)
MESSAGE = ConsumedMessage("caselog.intake", 2, 41, b"k", b"v", (("trace", b"t"),))


class Customer(BaseModel):
    email: str
    age: int


def test_a_validation_error_is_described_without_the_input_values() -> None:
    with pytest.raises(ValidationError) as caught:
        Customer.model_validate({"email": ["taro@example.jp"], "age": "０九〇-1234-5678"})
    text = describe_error(caught.value)
    assert "email" in text
    assert "age" in text
    assert "taro@example.jp" not in text
    assert "1234" not in text


def test_a_foreign_exception_is_reduced_to_its_type() -> None:
    assert describe_error(KeyError("hanako@example.jp")) == "KeyError"


def test_a_dead_letter_keeps_the_message_and_names_its_origin() -> None:
    letter = dead_letter(MESSAGE, PermanentHandlingError("payload.body: missing"), "records")
    headers = dict(letter.headers)
    assert letter.topic == "caselog.intake.dlq"
    assert (letter.key, letter.value) == (b"k", b"v")
    assert headers["trace"] == b"t"
    assert headers[DLQ_HEADER_OFFSET] == b"41"
    assert headers[DLQ_HEADER_ERROR] == b"payload.body: missing"


async def test_ordinary_failures_are_retried_up_to_the_limit() -> None:
    calls = []

    async def failing() -> None:
        calls.append(1)
        raise RuntimeError

    letter = await attempt(MESSAGE, failing, POLICY, "g")
    assert letter is not None
    assert len(calls) == POLICY.max_attempts


async def test_a_permanent_failure_is_not_retried() -> None:
    calls = []

    async def invalid() -> None:
        calls.append(1)
        raise PermanentHandlingError("not an envelope")

    assert await attempt(MESSAGE, invalid, POLICY, "g") is not None
    assert len(calls) == 1


async def test_a_crash_propagates_at_once() -> None:
    class Crash(BaseException):
        pass

    calls = []

    async def crashing() -> None:
        calls.append(1)
        raise Crash

    with pytest.raises(Crash):
        await attempt(MESSAGE, crashing, POLICY, "g")
    assert len(calls) == 1


async def test_success_after_a_retry_needs_no_dead_letter() -> None:
    calls = []

    async def flaky() -> None:
        calls.append(1)
        if len(calls) < 2:
            raise ConnectionError

    assert await attempt(MESSAGE, flaky, POLICY, "g") is None
    assert len(calls) == 2


async def test_waits_double_from_one_second_within_the_policy_bounds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    waits: list[float] = []

    async def no_wait(seconds: float) -> None:
        waits.append(seconds)

    async def failing() -> None:
        raise RuntimeError

    monkeypatch.setattr(asyncio, "sleep", no_wait)
    patient = DeliveryPolicy(max_attempts=7, initial_backoff_s=0.1, max_backoff_s=10.0)
    assert await attempt(MESSAGE, failing, patient, "g") is not None
    assert waits == [1, 2, 4, 8, 10, 10]
    waits.clear()
    floor = DeliveryPolicy(max_attempts=3, initial_backoff_s=3.0, max_backoff_s=5.0)
    assert await attempt(MESSAGE, failing, floor, "g") is not None
    assert waits == [3, 3]


async def test_a_failure_then_a_success_is_handled_without_a_dead_letter() -> None:
    calls = []

    async def flaky() -> None:
        calls.append(1)
        if len(calls) < 3:
            raise RuntimeError

    assert await attempt(MESSAGE, flaky, POLICY, "g") is None
    assert len(calls) == 3
