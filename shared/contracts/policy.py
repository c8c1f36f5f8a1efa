"""Policy's events: a decision (on a consultation, a contact or a close request) and its reasons.

Each reason names the rule, the guideline article and the evidence (offsets into the text, or
a non-identity fact), so a decision can be re-checked; the vocabulary (rule ids, outcomes,
actions) is part of the contract, since every consumer reads it.
"""

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field

from shared.contracts.declaring import EventContract
from shared.frozen import FrozenModel

PRODUCER = "policy"


class RuleId(StrEnum):
    """The rule catalogue (docs: /work/shared/ARCHITECTURE.md's table); reasons in this order."""

    CHANNEL = "channel"
    SCOPE_IDENTITY = "scope-identity"
    SCOPE_RELATIONSHIP = "scope-relationship"
    CONDUCT = "conduct"
    LEGITIMATE_COMPLAINT = "legitimate-complaint"
    DEMAND_VALIDITY = "demand-validity"
    DEMAND_PROPORTIONALITY = "demand-proportionality"
    REPEAT = "repeat"
    TIME_RESTRAINT = "time-restraint"
    TERMINATION = "termination"
    RECORD_COMPLETENESS = "record-completeness"
    RECORDING = "recording"
    CONFIDENTIALITY = "confidentiality"
    DAMAGES = "damages"


class Outcome(StrEnum):
    """What happens to the consultation. When rules disagree the highest precedence wins:
    escalate > refuse > restrict > accept. Escalation wins over refusal because a refusal
    would end the case without the legal review that a threat or a liability calls for."""

    ACCEPT = "accept"
    RESTRICT = "restrict"
    REFUSE = "refuse"
    ESCALATE = "escalate"

    @property
    def precedence(self) -> int:
        return _PRECEDENCE.index(self)


_PRECEDENCE = (Outcome.ACCEPT, Outcome.RESTRICT, Outcome.REFUSE, Outcome.ESCALATE)


class Action(StrEnum):
    """Follow-ups a decision asks for; a decision lists them in this order, each once."""

    WARN_CUSTOMER = "warn_customer"
    ROUTE_WRITTEN_ONLY = "route_written_only"
    SECOND_HANDLER = "second_handler"
    NOTIFY_SUPERVISOR = "notify_supervisor"
    END_CALL_ALLOWED = "end_call_allowed"
    LEGAL_HOLD_RECOMMENDED = "legal_hold_recommended"
    LEGAL_ACTION_CANDIDATE = "legal_action_candidate"
    LIABILITY_REVIEW = "liability_review"
    FACT_CHECK = "fact_check"
    RESTRICT_CONFIDENTIAL = "restrict_confidential"
    RETAIN_RECORDING_DIGEST = "retain_recording_digest"
    COMPLETE_RECORD = "complete_record"


class TextEvidence(FrozenModel):
    """A fragment of a free-text field: `text[start:end]` of the original, unfolded string."""

    kind: Literal["text"] = "text"
    field: Literal["subject", "body", "details"]
    category: str
    term: str  # the lexicon entry that matched: policy data, not the customer's words
    start: int
    end: int


class FactEvidence(FrozenModel):
    """A fact the rule relied on, e.g. `channel = sns`; identity facts never appear."""

    kind: Literal["fact"] = "fact"
    fact: str
    value: str


Evidence = Annotated[TextEvidence | FactEvidence, Field(discriminator="kind")]


class ArticleTitle(FrozenModel):
    """The title of a guideline article a reason cites, as the policy version states it."""

    article: str
    en: str
    ja: str


class Instruction(FrozenModel):
    """What an action asks of the agent, as the policy version states it."""

    action: Action
    en: str
    ja: str


def _empty(value: object) -> bool:
    return not value


class Reason(FrozenModel):
    rule: RuleId
    article: str
    outcome: Outcome
    actions: tuple[Action, ...] = ()
    category: str | None = None
    evidence: tuple[Evidence, ...] = ()
    note: str = Field("", description="Why, in English")
    # The fields below are left out of the JSON when empty: decisions of policy versions
    # stated before articles and Japanese notes existed keep their bytes (and replay so).
    note_ja: str = Field("", exclude_if=_empty, description="Why, in Japanese")
    article_titles: tuple[ArticleTitle, ...] = Field(
        (), exclude_if=_empty, description="Each article cited, with its title (ja, en)"
    )
    # Left out of the JSON when empty, so decisions within the limits keep the bytes they
    # had before limits existed (and replay identically under their policy version).
    evidence_omitted: dict[str, int] = Field(
        default_factory=dict,
        exclude_if=_empty,
        description="Text fragments found but not cited (evidence limits), by category",
    )


class Decision(FrozenModel):
    outcome: Outcome
    reasons: tuple[Reason, ...]
    actions: tuple[Action, ...]
    policy_version: str
    instructions: tuple[Instruction, ...] = Field(
        (), exclude_if=_empty, description="What each action asks of the agent (ja, en)"
    )


POLICY_DECIDED = EventContract(
    "policy.decided",
    1,
    PRODUCER,
    Decision,
    "policy's decision on a consultation or a contact (caused by it)",
)
CLOSURE_DECIDED = EventContract(
    "closure.decided",
    1,
    PRODUCER,
    Decision,
    "policy's decision on a close request (caused by it); accepted, it closes the case",
)

CONTRACTS = (POLICY_DECIDED, CLOSURE_DECIDED)
DECISION_TYPES = frozenset(contract.type for contract in CONTRACTS)
"""Every type whose payload is a `Decision`."""
