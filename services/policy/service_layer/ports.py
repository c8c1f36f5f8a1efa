"""What policy's handlers need from the outside: the decision store on a transaction, the reader
of intake's events, the policy versions this service has run, and the data-key cache."""

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from services.policy.domain.facts import ConsultationFacts
from services.policy.domain.policy import Policy
from services.policy.domain.state import CaseEvent, SealedConsultation, SubjectState
from services.policy.service_layer.messages import ForgetErasedCases
from shared.bus.messages import OutgoingMessage
from shared.envelope import Envelope


class EventReader(Protocol):
    async def read(self, envelope: Envelope) -> CaseEvent | None:
        """The event policy decides on, content decrypted; None for a type policy ignores.
        Raises a PermanentHandlingError for one it should read but cannot."""

    async def consultation(self, case_id: str, sealed: SealedConsultation) -> ConsultationFacts:
        """A case's consultation, kept sealed in the state, opened again (same errors)."""


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


@dataclass(frozen=True, slots=True)
class DecidedInput:
    """What deciding one input yielded, to be recorded under its event id."""

    event_id: str
    subject_key: str
    output: OutgoingMessage | None


@dataclass(frozen=True, slots=True)
class NextState:
    """A subject's state to write over the one read as `loaded`."""

    subject_key: str
    loaded: StoredState
    state: SubjectState


class DecisionStore(Protocol):
    """Processed inputs, subject states and erasure markers, on one unit of work's transaction.

    Keyed writes only: an input's event id is a primary key, a state is replaced by
    compare-and-set on its version, so two instances racing on one input or one subject can
    never both win. Reads and writes take a batch's keys at once: one statement each."""

    async def processed(self, event_id: str) -> Processed | None:
        """The record of `event_id` if it was processed."""

    async def processed_among(self, event_ids: Collection[str]) -> dict[str, Processed]:
        """The records of those of `event_ids` that were processed, by event id."""

    async def state(self, subject_key: str, erasure_keys: Sequence[str] = ()) -> StoredState:
        """The subject's state to build on, `erased` if any of `erasure_keys` was erased."""

    async def states(self, subject_keys: Collection[str]) -> dict[str, StoredState]:
        """The state of each of `subject_keys` (an empty one, version 0, where none is stored),
        never `erased`: that is per event (`erased_among`)."""

    async def erased_among(self, erasure_keys: Collection[str]) -> frozenset[str]:
        """Those of `erasure_keys` that were erased."""

    async def record_all(self, outcomes: Sequence[DecidedInput]) -> None:
        """Mark each input processed with the message it yielded; StateConflictError, the
        transaction spoilt, if any was recorded first (by another instance, racing)."""

    async def replace_states(self, states: Sequence[NextState]) -> None:
        """Replace each state read as `loaded` by its next one; StateConflictError if any moved
        on (created or changed since it was read)."""

    async def forget(self, erasure: ForgetErasedCases) -> None:
        """Drop the erased cases' states (the subjects' whole states when `complete`) and the
        decision messages made on them (their processed rows stay, without a message), and
        remember what was erased, so late events build no state for it. Idempotent; raises
        StateConflictError if a state changed meanwhile."""


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


class PolicyVersions(Protocol):
    """Every policy version this service has run (the API shows them, replay decides by them)."""

    async def remember(self, loaded: LoadedPolicy) -> None:
        """Keep this version's text (the first text seen of a version is kept)."""

    async def stored(self, version: str) -> StoredPolicy | None: ...

    async def policy(self, version: str) -> Policy:
        """The policy of a version seen before; UnknownPolicyVersionError otherwise."""


class CachedKeys(Protocol):
    """This process's cache of unwrapped data keys (shared.crypto.key_store.KeyStore)."""

    def evict(self, case_id: str) -> None: ...

    def forget_cached_keys(self) -> None: ...

    async def prefetch(self, case_ids: Collection[str]) -> None: ...
