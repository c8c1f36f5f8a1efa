"""The use case of the records consumer: append a batch from the bus, then checkpoint if due."""

from collections.abc import Sequence
from dataclasses import dataclass

from services.records.domain.checkpoints import StoredCheckpoint
from services.records.domain.events import Appended, ReceivedEvent
from services.records.service_layer.checkpoints import CheckpointIssuer
from services.records.service_layer.ports import EventStore


@dataclass(frozen=True)
class Recorded:
    """Where each event of the batch is, and the checkpoint issued after it, if one was due."""

    appended: tuple[Appended, ...]
    checkpoint: StoredCheckpoint | None


async def record_batch(
    events: Sequence[ReceivedEvent], store: EventStore, issuer: CheckpointIssuer
) -> Recorded:
    """Appends the batch in one transaction; the checkpoint, if due, follows in another.

    A crash between the two loses nothing: the next batch (or the timer) finds it due again.
    """
    appended = await store.append_batch(events)
    return Recorded(appended, await issuer.issue_if_due())
