"""What policy's handlers are handed (intake events to decide; privacy's erasures and key
epoch closes to act on; the API's evaluations and replays) and what they answer."""

from collections.abc import Sequence
from dataclasses import dataclass

from services.policy.domain.decision import Decision
from services.policy.domain.facts import ClosureFacts, ConsultationFacts, SubjectHistory
from shared.envelope import Envelope


@dataclass(frozen=True, slots=True)
class DecideIntakeEvents:
    """Intake events as polled (each partition's in order), of types policy reads (checked
    against the contracts on arrival): decide each exactly once, in one go. Their payloads are
    opened by the handler, after it has made sure which were not handled before (an erased
    case's content no longer opens). One event alone is a batch of one."""

    envelopes: Sequence[Envelope]


@dataclass(frozen=True, slots=True)
class ForgetErasedCases:
    """What one `subject.erased` asks policy to forget; every id is random, none personal."""

    subject_ids: tuple[str, ...]
    case_ids: tuple[str, ...]
    # No case of the subjects is held: the subjects go, not only these cases.
    complete: bool
    event_id: str = ""  # of the `subject.erased`, for the log


@dataclass(frozen=True, slots=True)
class EmptyKeyCache:
    """A key epoch closed (`keys.epoch_closed`): no unwrapped data key may stay in memory."""


@dataclass(frozen=True, slots=True)
class EvaluateConsultation:
    """What the policy would say on a consultation's facts: nothing published, nothing kept."""

    consultation: ConsultationFacts
    history: SubjectHistory
    policy_version: str | None = None  # None: the policy in force


@dataclass(frozen=True, slots=True)
class EvaluateClosure:
    """What the policy would say on a request to close a case: nothing published, nothing kept."""

    closure: ClosureFacts
    history: SubjectHistory
    policy_version: str | None = None  # None: the policy in force


@dataclass(frozen=True, slots=True)
class ReplayCase:
    """A case's recorded events decided again under `policy_version`, from an empty history."""

    envelopes: Sequence[Envelope]
    policy_version: str


@dataclass(frozen=True, slots=True)
class Replayed:
    """One decision a replay yields: the event it is on, and what type it would be sent as."""

    event_id: str
    event_type: str
    decision_type: str
    decision: Decision
