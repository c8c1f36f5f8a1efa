"""The fixed vocabulary of decisions: rule ids in catalogue order, outcomes and their
precedence, and the actions a decision can ask of people and of other services."""

from enum import StrEnum


class RuleId(StrEnum):
    """The rule catalogue (its rules as data, with their articles: deploy/policy/guideline.toml;
    README, "What works today", Policy); reasons are listed in this order."""

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
