"""The messages records handles, each typed with what its handler answers.

Commands are orders from records' entry points: the consumer's "record this event", a route's
"replay this timeline", "export this bundle", "sign a checkpoint now". Events are what privacy
announced that records acts on beyond storing it (a case key destroyed, a key epoch closed).
Queries that change nothing (the case view, proofs) are read-side functions in `reads.py`.
"""

from dataclasses import dataclass
from typing import Generic, TypeVar

from services.records.domain.access import Reveal
from services.records.domain.checkpoints import StoredCheckpoint
from services.records.domain.events import Appended, ReceivedEvent
from services.records.domain.timeline import TimelineEntry, Window
from shared.bundle.format import Bundle

AnswerT = TypeVar("AnswerT", covariant=True)


class Message(Generic[AnswerT]):
    """A message whose handler answers an `AnswerT` (so `Records.handle` is typed by it)."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class RecordEvent(Message[Appended]):
    """Append one event (from the bus, or records' own) to the log, once per event id.

    Concurrent ones are appended together (see `group_commit.py`)."""

    event: ReceivedEvent


@dataclass(frozen=True, slots=True)
class AppendBatch(Message[tuple[Appended, ...]]):
    """Append these events in one transaction, sign a checkpoint if due, acknowledge each case."""

    events: tuple[ReceivedEvent, ...]


@dataclass(frozen=True, slots=True)
class Timeline:
    """A case's events in a window, as stored or revealed; the access event of a reveal."""

    case_id: str
    window: Window
    entries: tuple[TimelineEntry, ...]
    key_destroyed: bool
    access_event_id: str | None = None
    admitted: int = 0  # events the window admits; more than `entries` when limited


@dataclass(frozen=True, slots=True)
class ReplayTimeline(Message[Timeline]):
    """A case's timeline in `window`; with `reveal`, in plaintext and recorded as an access.
    `latest`: only the last so many of those events (a page of a long case)."""

    case_id: str
    window: Window
    reveal: Reveal | None
    correlation_id: str
    latest: int | None = None


@dataclass(frozen=True, slots=True)
class ExportBundle(Message[Bundle]):
    """A case's litigation bundle, proven against a checkpoint signed for it; `since_size` adds
    a consistency proof from a checkpoint the recipient holds; `reveal` adds plaintext."""

    case_id: str
    since_size: int | None
    reveal: Reveal | None
    correlation_id: str


@dataclass(frozen=True, slots=True)
class IssueCheckpoint(Message[StoredCheckpoint]):
    """Sign the log at its current size now (the one kept, if that size was signed before)."""


@dataclass(frozen=True, slots=True)
class CaseKeyDestroyed(Message[None]):
    """Privacy destroyed a case's key (anonymized or erased): no plaintext from cache after."""

    case_id: str


@dataclass(frozen=True, slots=True)
class KeyEpochClosed(Message[None]):
    """Privacy closed a key epoch: nothing unwrapped before the close stays in memory."""
