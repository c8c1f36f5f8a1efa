"""Policy's domain: the rule catalogue and the deterministic decision over a case's history."""

from services.policy.domain.catalogue import Action, Outcome, RuleId
from services.policy.domain.decision import Decision, FactEvidence, Reason, TextEvidence
from services.policy.domain.engine import decide, decide_closure
from services.policy.domain.errors import PolicyError, PolicyFileError, PolicyProblem
from services.policy.domain.facts import ClosureFacts, ConsultationFacts, SubjectHistory
from services.policy.domain.policy import Policy
from services.policy.domain.policy_file import load_policy

__all__ = [
    "Action",
    "ClosureFacts",
    "ConsultationFacts",
    "Decision",
    "FactEvidence",
    "Outcome",
    "Policy",
    "PolicyError",
    "PolicyFileError",
    "PolicyProblem",
    "Reason",
    "RuleId",
    "SubjectHistory",
    "TextEvidence",
    "decide",
    "decide_closure",
    "load_policy",
]
