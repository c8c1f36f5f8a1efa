"""How hard a consumer tries before it dead-letters a message."""

from dataclasses import dataclass

DLQ_SUFFIX = ".dlq"


@dataclass(frozen=True, slots=True)
class DeliveryPolicy:
    """Bounded retries with exponential back-off, then the dead-letter topic."""

    max_attempts: int = 3
    initial_backoff_s: float = 0.05
    max_backoff_s: float = 2.0
    batch_size: int = 100


def dlq_topic(topic: str) -> str:
    """The dead-letter topic of `topic`."""
    return topic + DLQ_SUFFIX
