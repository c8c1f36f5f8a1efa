"""Rules on closing a case: the termination grounds of the guideline, and a record complete
enough to defend the case later."""

from services.policy.domain.catalogue import RuleId
from services.policy.domain.decision import FactEvidence, Reason, fact, reason
from services.policy.domain.facts import ClosureFacts, ClosureReason, SubjectHistory
from services.policy.domain.policy import Policy
from services.policy.domain.rule_config import RecordItem


def termination(closure: ClosureFacts, history: SubjectHistory, policy: Policy) -> list[Reason]:
    """Satisfied and withdrawn close at once; persuasion-difficult needs a final answer on
    record and one of the configured bases (the business does not promise to go on until
    the customer agrees, but it must show why it stopped)."""
    config = policy.rules.termination
    grounds = fact("closure.reason", closure.reason)
    if closure.reason is not ClosureReason.PERSUASION_DIFFICULT:
        note = f"closed: {closure.reason}"
        return [reason(RuleId.TERMINATION, config, config.closed, note, [grounds])]
    reached = {
        "repeat": history.repeats_since_final_answer(closure.requested_at)
        >= policy.rules.repeat.refuse_at,
        "time-restraint": history.decided_since_final_answer(RuleId.TIME_RESTRAINT),
        "supervisor_approval": closure.supervisor_approved,
    }
    bases = [basis for basis in config.persuasion_difficult_bases if reached[basis]]
    answered = bool(history.final_answers) or not config.persuasion_difficult_needs_final_answer
    evidence = [grounds, fact("final_answer_recorded", bool(history.final_answers))]
    evidence += [fact("basis", basis) for basis in bases]
    if answered and bases:
        note = f"closed as persuasion difficult on: {', '.join(bases)}"
        return [reason(RuleId.TERMINATION, config, config.closed, note, evidence)]
    missing = [] if answered else ["a final answer on record"]
    if not bases:
        missing.append("one of: " + ", ".join(config.persuasion_difficult_bases))
    note = "cannot close as persuasion difficult without " + " and ".join(missing)
    return [reason(RuleId.TERMINATION, config, config.refused, note, evidence)]


# What each missing record item asks of the caller, in words they can act on: the one place
# for these texts (the English of the reason's note; other languages are added beside it).
MISSING_RECORD_ITEMS: dict[RecordItem, str] = {
    "content": "the consultation carries no subject or body",
    "times": "no consultation with its time is on record for this case",
    "customer": "the customer is not named (record the consultation with customer.name)",
    "channel": "no consultation with its channel is on record for this case",
    "handler": "no agent has recorded a response on this case"
    " (POST /v1/cases/{case_id}/contacts with kind agent_response and an agent token)",
}


def record_completeness(closure: ClosureFacts, policy: Policy) -> list[Reason]:
    config = policy.rules.record_completeness
    present = {
        "content": closure.has_content,
        "times": closure.has_times,
        "customer": closure.has_customer,
        "channel": closure.has_channel,
        "handler": closure.has_handler,
    }
    missing = [item for item in config.required if not present[item]]
    if not missing:
        return []
    evidence: list[FactEvidence] = [fact(f"record.{item}", "missing") for item in missing]
    note = "record incomplete, cannot close: " + "; ".join(MISSING_RECORD_ITEMS[m] for m in missing)
    return [reason(RuleId.RECORD_COMPLETENESS, config, config.incomplete, note, evidence)]
