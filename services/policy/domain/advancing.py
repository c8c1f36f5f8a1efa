"""One step of deciding, pure: an intake event and the subject's state in; the decision (if a
rule applies) and the next state out; and a batch's steps in turn. The decision handler and
replay both run it, so they agree."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.policy.domain import decide, decide_closure
from services.policy.domain.catalogue import RuleId
from services.policy.domain.decision import Decision, decision_of
from services.policy.domain.facts import (
    CallFacts,
    ClosureFacts,
    ConsultationFacts,
    PriorContact,
    SubjectHistory,
)
from services.policy.domain.policy import Policy
from services.policy.domain.state import (
    AgentResponse,
    CaseEvent,
    CaseLinkSeen,
    CaseRecord,
    ClosureSeen,
    ConsultationSeen,
    CustomerContact,
    FactChecked,
    SubjectState,
)

POLICY_DECIDED = "policy.decided"
CLOSURE_DECIDED = "closure.decided"
DECISION_SCHEMA_VERSION = 1
# Who the customer is and how they relate to us was decided when the case opened; a
# follow-up is judged on what it brings: its channel, its words and its timing.
CONTACT_RULES = frozenset(RuleId) - {RuleId.SCOPE_IDENTITY, RuleId.SCOPE_RELATIONSHIP}


@dataclass(frozen=True, slots=True)
class Step:
    state: SubjectState
    decision: Decision | None = None
    event_type: str | None = None  # of the decision event, when there is a decision


def advance(case_id: str, event: CaseEvent, state: SubjectState, policy: Policy) -> Step:
    if isinstance(event, ConsultationSeen):
        return _consultation(case_id, event, state, policy)
    if isinstance(event, CustomerContact):
        return _customer_contact(case_id, event, state, policy)
    if isinstance(event, AgentResponse):
        return Step(_agent_response(case_id, event, state))
    if isinstance(event, CaseLinkSeen):
        return Step(state.with_link(case_id, event.linked_case_id))
    if isinstance(event, FactChecked):
        return _fact_check(case_id, event, state, policy)
    return _closure(case_id, event, state, policy)


@dataclass(frozen=True, slots=True)
class Turn:
    """One event of a batch, on the state of its subject key. It `keeps` the state it leaves
    (the key's next event advances on that) unless its subject or case was erased: then it is
    decided on the state as it was, and nothing of it is kept."""

    subject_key: str
    case_id: str
    event: CaseEvent
    keeps: bool = True


def advance_in_turn(
    turns: Sequence[Turn], states: Mapping[str, SubjectState], policy: Policy
) -> list[Step]:
    """The step of each turn, in order, each on the state the key's previous kept turn left
    (`states`, as stored, before the first): what deciding them one at a time, each writing
    its state before the next is read, gives."""
    current = dict(states)
    steps = []
    for turn in turns:
        step = advance(
            turn.case_id, turn.event, current.get(turn.subject_key, SubjectState()), policy
        )
        if turn.keeps:
            current[turn.subject_key] = step.state
        steps.append(step)
    return steps


def _consultation(
    case_id: str, seen: ConsultationSeen, state: SubjectState, policy: Policy
) -> Step:
    facts = seen.facts
    state = _joined(case_id, seen, state, policy)
    decision = decide(facts, state.history(case_id), policy)
    answered = facts.call.final_answer_given_at if facts.call else None
    case = state.case(case_id)
    sealed = seen.sealed or case.consultation
    opened = case.model_copy(
        update={
            "relationship": facts.relationship,
            "has_email_or_phone": facts.has_email_or_phone,
            "record": case.record.model_copy(
                update={
                    "has_content": bool(facts.subject or facts.body),
                    "has_times": True,
                    "has_customer": facts.has_name,
                    "has_channel": True,
                    "has_handler": case.record.has_handler or answered is not None,
                }
            ),
            "contacts": (*case.contacts, PriorContact(at=facts.received_at, channel=facts.channel)),
            "final_answers": (*case.final_answers, *([answered] if answered else [])),
            "consultation": sealed,
        }
    )
    ended = _ended(facts.received_at, facts.call.duration_seconds if facts.call else None)
    next_state = _counted(state.with_case(case_id, opened), case_id, facts.received_at)
    if answered is not None:
        next_state = next_state.with_repeats(case_id, 0)
    return Step(next_state.with_decision(case_id, ended, decision), decision, POLICY_DECIDED)


def _joined(
    case_id: str, seen: ConsultationSeen, state: SubjectState, policy: Policy
) -> SubjectState:
    """The state with the new case in it: in the matter it continues (when the policy says
    which cases are one matter), with its product, so a follow-up's demand can be judged."""
    matter = policy.rules.repeat.matter
    continued = None
    if matter is not None and case_id not in state.cases:
        at = seen.facts.received_at
        continued = state.continued_matter(seen.product_key, at, matter.same_product_within_days)
    update = {"matter": continued, "product_key": seen.product_key, "product": seen.facts.product}
    return state.with_case(case_id, state.case(case_id).model_copy(update=update))


def _counted(state: SubjectState, case_id: str, at: datetime) -> SubjectState:
    """One more repeat on the matter if a final answer had been given by `at` (a contact
    delivered late, written before the answer, is no repeat)."""
    if not state.answered_by(case_id, at):
        return state
    return state.with_repeats(case_id, state.history(case_id).repeats_since_final_answer(at) + 1)


def _customer_contact(
    case_id: str, contact: CustomerContact, state: SubjectState, policy: Policy
) -> Step:
    """Every customer contact is decided: one no rule applies to is accepted, so that
    "accepted" and "not decided yet" differ."""
    case = state.case(case_id)
    duration = contact.duration_seconds
    facts = ConsultationFacts(
        channel=contact.channel,
        received_at=contact.at,
        relationship=case.relationship,
        has_name=case.record.has_customer,
        has_email_or_phone=case.has_email_or_phone,
        body=contact.body,
        product=case.product,
        demand=contact.demand,
        call=CallFacts(duration_seconds=duration) if duration is not None else None,
    )
    full = decide(facts, state.history(case_id), policy)
    reasons = [reason for reason in full.reasons if reason.rule in CONTACT_RULES]
    followed_up = case.model_copy(
        update={"contacts": (*case.contacts, PriorContact(at=contact.at, channel=contact.channel))}
    )
    next_state = _counted(state.with_case(case_id, followed_up), case_id, contact.at)
    decision = decision_of(reasons, policy)
    next_state = next_state.with_decision(case_id, _ended(contact.at, duration), decision)
    return Step(next_state, decision, POLICY_DECIDED)


def _agent_response(case_id: str, response: AgentResponse, state: SubjectState) -> SubjectState:
    """An agent's answer is our own contact, not the customer's: nothing to decide on it."""
    case = state.case(case_id)
    record = case.record.model_copy(update={"has_handler": True})
    if not response.final_answer:
        return state.with_case(case_id, case.model_copy(update={"record": record}))
    answers = (*case.final_answers, response.at)
    update = {"record": record, "final_answers": answers}
    return state.with_case(case_id, case.model_copy(update=update)).with_repeats(case_id, 0)


def _closure(case_id: str, closure: ClosureSeen, state: SubjectState, policy: Policy) -> Step:
    record: CaseRecord = state.case(case_id).record
    facts = ClosureFacts(
        reason=closure.reason,
        requested_at=closure.requested_at,
        supervisor_approved=closure.supervisor_approved,
        **record.model_dump(),
    )
    decision = decide_closure(facts, state.history(case_id), policy)
    next_state = state.with_decision(case_id, closure.requested_at, decision)
    return Step(next_state, decision, CLOSURE_DECIDED)


def _fact_check(case_id: str, check: FactChecked, state: SubjectState, policy: Policy) -> Step:
    """Keeps what the agent established (a finding left out keeps the earlier one) and, when
    the case's consultation could be opened again, re-decides it on the facts now known: a
    legitimate complaint about a confirmed defect and loss reaches liability review (art. 10)."""
    case = state.case(case_id)
    known = {
        "defect_confirmed": _newer(check.defect_confirmed, case.defect_confirmed),
        "loss_confirmed": _newer(check.loss_confirmed, case.loss_confirmed),
    }
    checked = state.with_case(case_id, case.model_copy(update=known))
    if check.consultation is None:
        return Step(checked)
    facts = check.consultation.model_copy(update=known)
    decision = decide(facts, _as_first_decided(state, case_id), policy)
    return Step(checked.with_decision(case_id, check.at, decision), decision, POLICY_DECIDED)


def _newer(found: bool | None, earlier: bool | None) -> bool | None:
    return earlier if found is None else found


def _as_first_decided(state: SubjectState, case_id: str) -> SubjectHistory:
    """The history without the case's own decisions: re-deciding a case must not count the
    conduct found in it as an earlier offence of the same person."""
    history = state.history(case_id)
    own = set(state.case(case_id).decisions)
    earlier = tuple(d for d in history.prior_decisions if d not in own)
    return history.model_copy(update={"prior_decisions": earlier})


def _ended(started: datetime, duration_seconds: int | None) -> datetime:
    """When a contact's facts were complete: a call's end, since a time-restraint finding
    dates from then (termination asks whether one came after the final answer)."""
    return started + timedelta(seconds=duration_seconds or 0)
