"""Rules on closing a case: the termination grounds of the guideline, and a record complete
enough to defend the case later."""

from services.policy.domain.catalogue import RuleId
from services.policy.domain.decision import Bilingual, FactEvidence, Reason, fact, reason
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


# What each missing record item asks of the caller, in words they can act on: the one place
# for these texts (the English of the reason's note; other languages are added beside it).
MISSING_RECORD_ITEMS: dict[RecordItem, Bilingual] = {
    "content": Bilingual(
        en="the consultation carries no subject or body",
        ja="相談に件名も本文もない",
    ),
    "times": Bilingual(
        en="no consultation with its time is on record for this case",
        ja="この案件には日時の記録された相談がない",
    ),
    "customer": Bilingual(
        en="the customer is not named (record the consultation with customer.name)",
        ja="顧客の氏名がない (customer.name を付けて相談を記録する)",
    ),
    "channel": Bilingual(
        en="no consultation with its channel is on record for this case",
        ja="この案件には受付窓口の記録された相談がない",
    ),
    "handler": Bilingual(
        en="no agent has recorded a response on this case"
        " (POST /v1/cases/{case_id}/contacts with kind agent_response and an agent token)",
        ja="この案件に担当者の対応が記録されていない"
        " (担当者のトークンで POST /v1/cases/{case_id}/contacts に kind agent_response を送る)",
    ),
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
    note = Bilingual(
        en="record incomplete, cannot close: "
        + "; ".join(MISSING_RECORD_ITEMS[m].en for m in missing),
        ja="記録が不完全なため終了できない: "
        + "、".join(MISSING_RECORD_ITEMS[m].ja for m in missing),
    )
    return [reason(RuleId.RECORD_COMPLETENESS, config, config.incomplete, note, evidence)]
