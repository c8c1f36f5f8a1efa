"""Rules on contact after a final answer: repeating the same demand, and keeping staff on
the phone long after the answer was given."""

from datetime import timedelta

from services.policy.domain.catalogue import RuleId
from services.policy.domain.decision import Bilingual, Reason, fact, reason
from services.policy.domain.facts import ConsultationFacts, SubjectHistory
from services.policy.domain.policy import Policy


def repeat(
    consultation: ConsultationFacts, history: SubjectHistory, policy: Policy
) -> list[Reason]:
    """This consultation is repeat number n+1 when n repeats followed the last final answer
    given before it (a final answer dated after it is not one the customer was repeating)."""
    config = policy.rules.repeat
    answered = history.final_answer_by(consultation.received_at)
    if answered is None:
        return []
    number = history.repeats_since_final_answer(consultation.received_at) + 1
    evidence = [
        fact("history.last_final_answer_at", answered.isoformat()),
        fact("repeat_number", number),
    ]
    if number >= config.refuse_at:
        note = Bilingual(
            en=f"repeat {number} after the final answer: refuse, answer in writing only",
            ja=f"最終回答後 {number} 回目の繰り返し: お断りし、以後は書面でのみ回答",
        )
        return [reason(RuleId.REPEAT, config, config.refuse, note, evidence)]
    if number >= config.warn_at:
        note = Bilingual(
            en=f"repeat {number} after the final answer: warn the customer",
            ja=f"最終回答後 {number} 回目の繰り返し: お客様に注意を伝える",
        )
        return [reason(RuleId.REPEAT, config, config.warn, note, evidence)]
    return []


def time_restraint(
    consultation: ConsultationFacts, history: SubjectHistory, policy: Policy
) -> list[Reason]:
    """Minutes the call ran past the final answer (given in this call, or earlier, in which
    case the whole call counts)."""
    config = policy.rules.time_restraint
    call = consultation.call
    if call is None:
        return []
    started = consultation.received_at
    ended = started + timedelta(seconds=call.duration_seconds)
    answers = [*history.final_answers, call.final_answer_given_at]
    answered = max((at for at in answers if at is not None and at <= ended), default=None)
    if answered is None:
        return []
    past = ended - max(answered, started)
    limit = timedelta(minutes=config.minutes_after_final_answer)
    if past <= limit:
        return []
    minutes = int(past.total_seconds() // 60)
    limit_minutes = config.minutes_after_final_answer
    note = Bilingual(
        en=f"call ran {minutes} min after the final answer (limit {limit_minutes})",
        ja=f"最終回答後も通話が {minutes} 分続いた (上限 {limit_minutes} 分)",
    )
    evidence = [fact("call.minutes_after_final_answer", minutes)]
    return [reason(RuleId.TIME_RESTRAINT, config, config.effect, note, evidence)]
