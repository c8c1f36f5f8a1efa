"""The decision engine: every catalogue rule applied to the facts, the outcome chosen by
precedence. Pure and deterministic: same facts, history and policy give the same decision."""

from services.policy.domain import (
    closure_rules,
    conduct_rules,
    contact_rules,
    demand_rules,
    scope_rules,
)
from services.policy.domain.decision import Decision, decision_of
from services.policy.domain.facts import ClosureFacts, ConsultationFacts, SubjectHistory
from services.policy.domain.policy import Policy
from services.policy.domain.text_scan import scan


def decide(consultation: ConsultationFacts, history: SubjectHistory, policy: Policy) -> Decision:
    """Decide a consultation (or a follow-up contact) against `policy`."""
    findings = scan(consultation, policy)
    complaint = conduct_rules.legitimate_complaint(consultation, findings, policy)
    reasons = [
        *scope_rules.channel(consultation, policy),
        *scope_rules.scope_identity(consultation, policy),
        *scope_rules.scope_relationship(consultation, policy),
        *conduct_rules.conduct(findings, history, policy),
        *complaint,
        *demand_rules.demand_validity(consultation, policy),
        *demand_rules.demand_proportionality(consultation, findings, policy),
        *contact_rules.repeat(consultation, history, policy),
        *contact_rules.time_restraint(consultation, history, policy),
        *scope_rules.recording_retention(consultation, policy),
        *conduct_rules.recording_publication(findings, policy),
        *scope_rules.confidentiality(consultation, findings, policy),
        *demand_rules.damages(consultation, findings, bool(complaint), policy),
    ]
    return decision_of(reasons, policy)


def decide_closure(closure: ClosureFacts, history: SubjectHistory, policy: Policy) -> Decision:
    """Decide a request to close a case: accept closes it, refuse says what is missing."""
    reasons = [
        *closure_rules.termination(closure, history, policy),
        *closure_rules.record_completeness(closure, policy),
    ]
    return decision_of(reasons, policy)
