"""Rules on closing a case: the termination grounds of the guideline, and a record complete
enough to defend the case later."""

from services.policy.domain.catalogue import RuleId
from services.policy.domain.decision import Bilingual, FactEvidence, Reason, fact, reason
from services.policy.domain.facts import ClosureFacts, ClosureReason, SubjectHistory
from services.policy.domain.policy import Policy


def termination(closure: ClosureFacts, history: SubjectHistory, policy: Policy) -> list[Reason]:
    """Satisfied and withdrawn close at once; persuasion-difficult needs a final answer on
    record and one of the configured bases (the business does not promise to go on until
    the customer agrees, but it must show why it stopped)."""
    config = policy.rules.termination
    grounds = fact("closure.reason", closure.reason)
    if closure.reason is not ClosureReason.PERSUASION_DIFFICULT:
        note = Bilingual(en=f"closed: {closure.reason}", ja=f"終了: {closure.reason}")
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
        on = ", ".join(bases)
        note = Bilingual(
            en=f"closed as persuasion difficult on: {on}",
            ja=f"説得困難として終了。根拠: {on}",
        )
        return [reason(RuleId.TERMINATION, config, config.closed, note, evidence)]
    missing = [] if answered else ["a final answer on record"]
    if not bases:
        missing.append("one of: " + ", ".join(config.persuasion_difficult_bases))
    note = Bilingual(
        en="cannot close as persuasion difficult without " + " and ".join(missing),
        ja="次がないと説得困難として終了できない: " + "・".join(missing),
    )
    return [reason(RuleId.TERMINATION, config, config.refused, note, evidence)]


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
    note = Bilingual(
        en=f"record incomplete, cannot close: missing {', '.join(missing)}",
        ja=f"記録が不完全なため終了できない。不足: {', '.join(missing)}",
    )
    return [reason(RuleId.RECORD_COMPLETENESS, config, config.incomplete, note, evidence)]
