"""How hard a consumer tries before it dead-letters a message."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from shared.bus.messages import OutgoingMessage

DLQ_SUFFIX = ".dlq"


Sealer = Callable[[OutgoingMessage], Awaitable[OutgoingMessage]]
"""Turns a dead letter into what may be kept on the DLQ (e.g. its value encrypted). If it
raises, the message is not committed and comes again: nothing unsealed is published."""


@dataclass(frozen=True, slots=True)
class DeliveryPolicy:
    """Bounded retries with exponential back-off, then the dead-letter topic."""

    max_attempts: int = 3
    initial_backoff_s: float = 0.05
    max_backoff_s: float = 2.0
    batch_size: int = 100
    # How long a member waits for a batch to fill up to `batch_size` once its first message is
    # there (0: take what is there). Latency traded for fewer, larger units of work.
    batch_linger_ms: int = 0
    # For topics whose messages carry plaintext (raw ingress): every dead letter passes it.
    seal_dead_letter: Sealer | None = None


def dlq_topic(topic: str) -> str:
    """The dead-letter topic of `topic`."""
    return topic + DLQ_SUFFIX
