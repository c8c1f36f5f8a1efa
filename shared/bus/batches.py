"""What a consumer-group member does with a polled batch, shared by every bus implementation.

A member reads up to `DeliveryPolicy.batch_size` messages (waiting up to `batch_linger_ms` for
more) and hands them to one step. Per-message handlers and transforms get them one by one, each
with its bounded retries; batch handlers and batch transforms get the whole batch in one call,
so a service can do the batch's work in one unit of work (issue #20: a database round trip per
message was most of the pipeline's cost).

A batch that fails is not dead-lettered as a whole: its messages are then handled one by one
(each a batch of one, with the usual retries), so a poison message reaches the DLQ alone and the
rest of its batch commits. Handlers must be idempotent anyway (delivery is at-least-once), so
handling a message of a failed batch again is safe. A crash (a BaseException that is not an
Exception) propagates at once: nothing of the batch is committed, and all of it comes again.
"""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import structlog

from shared.bus.delivery import attempt, attempt_transform, describe_error
from shared.bus.messages import ConsumedMessage, OutgoingMessage
from shared.bus.policy import DeliveryPolicy

log = structlog.get_logger(__name__)

Handler = Callable[[ConsumedMessage], Awaitable[None]]
"""Handles one message; must be idempotent, since delivery is at-least-once."""

BatchHandler = Callable[[Sequence[ConsumedMessage]], Awaitable[None]]
"""Handles a batch (messages of one partition in their order) in one go; idempotent per message."""

Transform = Callable[[ConsumedMessage], Awaitable[Sequence[OutgoingMessage]]]
"""Turns one input message into the messages to publish, atomically with the input's commit."""

BatchTransform = Callable[[Sequence[ConsumedMessage]], Awaitable[Sequence[OutgoingMessage]]]
"""Turns a batch of input messages into the messages to publish, atomically with its commit."""

Stopping = Callable[[], bool]
"""True once the member was asked to stop: a one-by-one step finishes the current message only."""


@dataclass(frozen=True, slots=True)
class Handled:
    """What a step did with a batch: the messages handled (a prefix of the batch, in order;
    the rest is read again) and what to publish with their commit (outputs, dead letters)."""

    messages: Sequence[ConsumedMessage]
    to_publish: Sequence[OutgoingMessage]

    def next_offsets(self) -> dict[tuple[str, int], int]:
        """The offset to commit on each partition the handled messages came from."""
        return {(m.topic, m.partition): m.offset + 1 for m in self.messages}


Step = Callable[[Sequence[ConsumedMessage], Stopping], Awaitable[Handled]]
"""A member's work on one polled batch."""


def handling_each(handler: Handler, policy: DeliveryPolicy, group: str) -> Step:
    """Each message to `handler` with bounded retries; what fails them all is dead-lettered."""

    async def step(batch: Sequence[ConsumedMessage], stopping: Stopping) -> Handled:
        dead: list[OutgoingMessage] = []
        count = 0
        for message in batch:
            letter = await attempt(message, _bound(handler, message), policy, group)
            if letter is not None:
                dead.append(letter)
            count += 1
            if stopping():
                break
        return Handled(batch[:count], dead)

    return step


def handling_batches(handler: BatchHandler, policy: DeliveryPolicy, group: str) -> Step:
    """The whole batch to `handler` at once; if it fails, each message alone (see the module)."""

    async def one(message: ConsumedMessage) -> None:
        await handler([message])

    each = handling_each(one, policy, group)

    async def step(batch: Sequence[ConsumedMessage], stopping: Stopping) -> Handled:
        if len(batch) > 1:
            try:
                await handler(batch)
                return Handled(batch, ())
            except Exception as error:  # noqa: BLE001 - each message is tried alone below
                _log_split(batch, error, group)
        return await each(batch, stopping)

    return step


def transforming_each(transform: Transform, policy: DeliveryPolicy, group: str) -> Step:
    """Each message through `transform` with bounded retries; the outputs of all, in order."""

    async def step(batch: Sequence[ConsumedMessage], stopping: Stopping) -> Handled:
        outputs: list[OutgoingMessage] = []
        count = 0
        for message in batch:
            outputs.extend(await attempt_transform(message, transform, policy, group))
            count += 1
            if stopping():
                break
        return Handled(batch[:count], outputs)

    return step


def transforming_batches(transform: BatchTransform, policy: DeliveryPolicy, group: str) -> Step:
    """The whole batch through `transform` at once; if it fails, each message alone."""

    async def one(message: ConsumedMessage) -> Sequence[OutgoingMessage]:
        return await transform([message])

    each = transforming_each(one, policy, group)

    async def step(batch: Sequence[ConsumedMessage], stopping: Stopping) -> Handled:
        if len(batch) > 1:
            try:
                return Handled(batch, list(await transform(batch)))
            except Exception as error:  # noqa: BLE001 - each message is tried alone below
                _log_split(batch, error, group)
        return await each(batch, stopping)

    return step


def _bound(handler: Handler, message: ConsumedMessage) -> Callable[[], Awaitable[None]]:
    async def call() -> None:
        await handler(message)

    return call


def _log_split(batch: Sequence[ConsumedMessage], error: Exception, group: str) -> None:
    log.warning(
        "batch failed; handling its messages one by one",
        group=group,
        size=len(batch),
        error=describe_error(error),
    )
