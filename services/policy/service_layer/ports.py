"""What policy's use cases need from the outside: reading intake events, remembering what was
decided, and keeping every policy version it has run."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from services.policy.domain.policy import Policy
from services.policy.service_layer.events import CaseEvent
from services.policy.service_layer.state import SubjectState
from shared.bus.messages import OutgoingMessage
from shared.envelope import Envelope


class EventReader(Protocol):
    async def read(self, envelope: Envelope) -> CaseEvent | None:
        """The event policy decides on, content decrypted; None for events policy does not
        read. Raises UnevaluableEventError for one it should read but cannot."""


@dataclass(frozen=True, slots=True)
class StoredState:
    state: SubjectState
    version: int = 0  # 0: nothing stored yet; the store's compare-and-set token otherwise
    erased: bool = False  # the event's subject or case was erased: decide, but build no state


@dataclass(frozen=True, slots=True)
class Processed:
    """An input already handled, and the decision message it yielded (if any), as sent."""

    output: OutgoingMessage | None

    def outputs(self) -> list[OutgoingMessage]:
        return [] if self.output is None else [self.output]


class DecisionStore(Protocol):
    async def recall(
        self, event_id: str, subject_key: str, erasure_keys: Sequence[str] = ()
    ) -> Processed | StoredState:
        """The record of `event_id` if it was processed, else the subject's state to build on
        (`erased` if any of `erasure_keys` was erased)."""

    async def save(
        self,
        event_id: str,
        subject_key: str,
        loaded: StoredState,
        state: SubjectState | None,
        output: OutgoingMessage | None,
        erasure_keys: Sequence[str] = (),
    ) -> Processed:
        """In one transaction: mark `event_id` processed with its output, and replace the state
        read as `loaded` by `state` (None: leave the state alone). If the event was recorded
        meanwhile, returns that record and changes nothing; if the state moved on, or one of
        `erasure_keys` was erased since `loaded` was read, raises StateConflictError."""


@dataclass(frozen=True, slots=True)
class Erasure:
    """What one `subject.erased` asks policy to forget; every id is random, none personal."""

    subject_ids: tuple[str, ...]
    case_ids: tuple[str, ...]
    # No case of the subjects is held: the subjects go, not only these cases.
    complete: bool


class ErasureStore(Protocol):
    async def forget(self, erasure: Erasure) -> None:
        """In one transaction: drop the erased cases' states (the subjects' whole states when
        `complete`) and the decision messages made on them (their processed rows stay, without
        a message), and remember what was erased, so late events build no state for it.
        Idempotent; raises StateConflictError if a state changed meanwhile."""


@dataclass(frozen=True, slots=True)
class LoadedPolicy:
    """A policy file as read at start-up: the validated policy and the text it came from."""

    policy: Policy
    text: str

    @property
    def version(self) -> str:
        return self.policy.version


@dataclass(frozen=True, slots=True)
class StoredPolicy:
    version: str
    file_text: str
    canonical_json: str
    first_seen_at: datetime


class CachedKeys(Protocol):
    """This process's cache of unwrapped data keys (shared.crypto.key_store.KeyStore)."""

    def evict(self, case_id: str) -> None: ...

    def forget_cached_keys(self) -> None: ...
