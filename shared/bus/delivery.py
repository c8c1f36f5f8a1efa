"""Bounded retries and dead-lettering, shared by every bus implementation."""

import asyncio
from collections.abc import Awaitable, Callable, Sequence

import structlog
from pydantic import ValidationError
from tenacity import (
    AsyncRetrying,
    retry_if_exception_type,
    retry_if_not_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from shared.bus.errors import PermanentHandlingError
from shared.bus.messages import ConsumedMessage, OutgoingMessage
from shared.bus.policy import DeliveryPolicy, dlq_topic
from shared.errors import CaselogError

log = structlog.get_logger(__name__)

DLQ_HEADER_TOPIC = "caselog.dlq.origin.topic"
DLQ_HEADER_PARTITION = "caselog.dlq.origin.partition"
DLQ_HEADER_OFFSET = "caselog.dlq.origin.offset"
DLQ_HEADER_GROUP = "caselog.dlq.group"
DLQ_HEADER_ERROR = "caselog.dlq.error"
DLQ_HEADER_ERROR_TYPE = "caselog.dlq.error.type"
MAX_ERROR_CHARS = 1000


def describe_error(error: BaseException) -> str:
    """A reason that is safe to put in a header or a log: never the offending input itself.

    Validation errors keep their field paths and messages but drop the input values,
    which may be personal data. Foreign exceptions are reduced to their type, because
    their text is not ours to vouch for.
    """
    if isinstance(error, ValidationError):
        parts = [
            f"{'.'.join(str(p) for p in item['loc']) or '<root>'}: {item['msg']}"
            for item in error.errors(include_input=False, include_url=False)
        ]
        text = f"{error.title} is invalid: " + "; ".join(parts)
    elif isinstance(error, CaselogError):
        text = str(error)
        if error.__cause__ is not None and not str(error):
            text = describe_error(error.__cause__)
    else:
        text = type(error).__name__
    return text[:MAX_ERROR_CHARS]


def dead_letter(message: ConsumedMessage, error: BaseException, group: str) -> OutgoingMessage:
    """The message to publish on the DLQ: original key, value and headers, plus its origin."""
    origin = (
        (DLQ_HEADER_TOPIC, message.topic.encode()),
        (DLQ_HEADER_PARTITION, str(message.partition).encode()),
        (DLQ_HEADER_OFFSET, str(message.offset).encode()),
        (DLQ_HEADER_GROUP, group.encode()),
        (DLQ_HEADER_ERROR_TYPE, type(error).__name__.encode()),
        (DLQ_HEADER_ERROR, describe_error(error).encode()),
    )
    return OutgoingMessage(
        topic=dlq_topic(message.topic),
        value=message.value,
        key=message.key,
        headers=(*message.headers, *origin),
    )


async def attempt(
    message: ConsumedMessage,
    action: Callable[[], Awaitable[None]],
    policy: DeliveryPolicy,
    group: str,
) -> OutgoingMessage | None:
    """Run `action` with bounded retries; None on success, else the dead letter to publish.

    PermanentHandlingError skips the retries. BaseExceptions that are not Exceptions
    (cancellation, a crash) propagate untouched: the message is not handled.

    The first try runs bare: nearly every message succeeds there, and building tenacity's
    retrier for each one cost more than a 1 KiB event's whole trip through Kafka (issue #9,
    B1). Only a failed first try enters tenacity for the remaining attempts.

    With `policy.seal_dead_letter`, the dead letter returned is the sealed one.
    """
    dead = await _attempted(message, action, policy, group)
    if dead is None or policy.seal_dead_letter is None:
        return dead
    return await policy.seal_dead_letter(dead)


async def _attempted(
    message: ConsumedMessage,
    action: Callable[[], Awaitable[None]],
    policy: DeliveryPolicy,
    group: str,
) -> OutgoingMessage | None:
    try:
        await action()
        return None
    except PermanentHandlingError as error:
        return _dead_letter_logged(message, error, group)
    except Exception as first_failure:  # noqa: BLE001 - retried below, else dead-lettered
        if policy.max_attempts <= 1:
            return _dead_letter_logged(message, first_failure, group)
    await asyncio.sleep(_clamped(1.0, policy))
    try:
        await _retrying(policy)(_awaited(action))
    except Exception as error:  # noqa: BLE001 - every handler failure ends in the DLQ
        return _dead_letter_logged(message, error, group)
    return None


def _retrying(policy: DeliveryPolicy) -> AsyncRetrying:
    """The attempts after a failed first one, with the waits they had when tenacity also ran
    the first: after the n-th failure overall, 2**(n-1) s within the policy's bounds."""
    return AsyncRetrying(
        stop=stop_after_attempt(policy.max_attempts - 1),
        wait=wait_exponential(multiplier=2, min=policy.initial_backoff_s, max=policy.max_backoff_s),
        # Only ordinary failures are retried: a crash or a cancellation must propagate at once.
        retry=retry_if_exception_type(Exception)
        & retry_if_not_exception_type(PermanentHandlingError),
        reraise=True,
    )


def _clamped(seconds: float, policy: DeliveryPolicy) -> float:
    return max(policy.initial_backoff_s, min(seconds, policy.max_backoff_s))


def _awaited(action: Callable[[], Awaitable[None]]) -> Callable[[], Awaitable[None]]:
    # tenacity tells sync from async callables by inspection, which misses partials
    # and callable objects; a plain coroutine function is always awaited.
    async def run_action() -> None:
        await action()

    return run_action


def _dead_letter_logged(message: ConsumedMessage, error: Exception, group: str) -> OutgoingMessage:
    log.warning(
        "message dead-lettered",
        topic=message.topic,
        partition=message.partition,
        offset=message.offset,
        group=group,
        error=describe_error(error),
    )
    return dead_letter(message, error, group)


async def attempt_transform(
    message: ConsumedMessage,
    transform: Callable[[ConsumedMessage], Awaitable[Sequence[OutgoingMessage]]],
    policy: DeliveryPolicy,
    group: str,
) -> Sequence[OutgoingMessage]:
    """The transform's outputs for `message`, or, once retries are spent, its dead letter."""
    produced: list[Sequence[OutgoingMessage]] = []

    async def run_transform() -> None:
        produced.append(await transform(message))

    dead = await attempt(message, run_transform, policy, group)
    return [dead] if dead is not None else produced[-1]
