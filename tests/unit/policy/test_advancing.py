"""The pure step the consumer and replay share: what each intake event decides and remembers."""

from datetime import datetime, timedelta

import pytest

from services.policy.domain import ConsultationFacts, Decision, Outcome, Policy
from services.policy.domain.advancing import CLOSURE_DECIDED, POLICY_DECIDED, advance
from services.policy.domain.facts import ClosureReason, DemandFacts
from services.policy.domain.state import (
    AgentResponse,
    CaseEvent,
    CaseLinkSeen,
    ClosureSeen,
    ConsultationSeen,
    CustomerContact,
    SubjectState,
    product_key,
)
from tests.unit.policy.sample_facts import DAY, MINUTE, T0, consultation


def fold(
    policy: Policy, *events: tuple[str, CaseEvent]
) -> tuple[SubjectState, list[Decision | None]]:
    state, decisions = SubjectState(), list[Decision | None]()
    for case_id, event in events:
        step = advance(case_id, event, state, policy)
        state = step.state
        decisions.append(step.decision)
    return state, decisions


def rules(decision: Decision | None) -> list[str]:
    return [] if decision is None else [reason.rule.value for reason in decision.reasons]


def outcome(decision: Decision | None) -> Outcome | None:
    return None if decision is None else decision.outcome


def opened(facts: ConsultationFacts | None = None) -> ConsultationSeen:
    return ConsultationSeen(facts or consultation())


def test_a_consultation_is_always_decided_and_opens_the_case_record(policy: Policy) -> None:
    step = advance("case-1", opened(consultation("殺すぞ")), SubjectState(), policy)

    assert step.event_type == POLICY_DECIDED
    assert step.decision is not None
    assert step.decision.outcome is Outcome.ESCALATE
    case = step.state.case("case-1")
    assert len(case.contacts) == 1
    assert case.record.has_content
    assert case.record.has_customer
    assert not case.record.has_handler
    assert [finding.case_id for finding in step.state.conduct] == ["case-1"]


def test_repeats_after_the_final_answer_are_warned_then_refused(policy: Policy) -> None:
    state, decisions = fold(
        policy,
        ("case-1", opened()),
        ("case-1", AgentResponse(T0 + DAY, final_answer=True)),
        ("case-1", CustomerContact(T0 + 2 * DAY, "phone", "もう一度説明して")),
        ("case-1", CustomerContact(T0 + 3 * DAY, "phone", "同じ件です")),
    )

    assert decisions[1] is None
    warn, refuse = decisions[2], decisions[3]
    assert "repeat" in rules(warn)
    assert outcome(warn) is Outcome.RESTRICT
    assert "repeat" in rules(refuse)
    assert outcome(refuse) is Outcome.REFUSE
    assert state.case("case-1").repeats == 2
    assert len(state.case("case-1").contacts) == 3


def test_a_quiet_follow_up_is_accepted_not_left_undecided(policy: Policy) -> None:
    step = advance("case-1", opened(consultation(relationship="unknown")), SubjectState(), policy)
    quiet = advance(
        "case-1", CustomerContact(T0 + DAY, "email", "よろしくお願いします"), step.state, policy
    )
    state, decisions = quiet.state, [step.decision, quiet.decision]

    assert "scope-relationship" in rules(decisions[0])
    assert quiet.event_type == POLICY_DECIDED
    assert outcome(decisions[1]) is Outcome.ACCEPT
    assert rules(decisions[1]) == [], "scope was decided when the case opened"
    assert len(state.case("case-1").decisions) == 2
    assert state.case("case-1").repeats == 0
    assert len(state.case("case-1").contacts) == 2


def test_a_long_call_after_the_final_answer_allows_closing_as_persuasion_difficult(
    policy: Policy,
) -> None:
    answer_at = T0 + DAY
    _state, decisions = fold(
        policy,
        ("case-1", opened()),
        ("case-1", AgentResponse(answer_at - 5 * MINUTE, final_answer=True)),
        ("case-1", CustomerContact(answer_at - 10 * MINUTE, "phone", "納得できない", 50 * 60)),
        ("case-1", ClosureSeen(ClosureReason.PERSUASION_DIFFICULT, answer_at + timedelta(hours=1))),
    )

    assert "time-restraint" in rules(decisions[2])
    closing = decisions[3]
    assert rules(closing) == ["termination"]
    assert outcome(closing) is Outcome.ACCEPT


def test_closing_without_a_handler_on_record_is_refused(policy: Policy) -> None:
    _, decisions = fold(
        policy,
        ("case-1", opened()),
        ("case-1", ClosureSeen(ClosureReason.SATISFIED, T0 + DAY)),
    )

    assert rules(decisions[1]) == ["termination", "record-completeness"]
    assert outcome(decisions[1]) is Outcome.REFUSE
    # The refusal says what to do, not the rule's internal item name ("missing handler").
    assert decisions[1] is not None
    note = decisions[1].reasons[-1].note
    assert "no agent has recorded a response on this case" in note
    assert "POST /v1/cases/{case_id}/contacts with kind agent_response and an agent token" in note
    assert "missing handler" not in note


def test_an_agents_response_on_record_lets_the_case_close(policy: Policy) -> None:
    _, decisions = fold(
        policy,
        ("case-1", opened()),
        ("case-1", AgentResponse(T0 + MINUTE, final_answer=False)),
        ("case-1", ClosureSeen(ClosureReason.SATISFIED, T0 + DAY)),
    )

    assert rules(decisions[2]) == ["termination"]
    assert outcome(decisions[2]) is Outcome.ACCEPT


def test_closing_decisions_are_closure_decided_events(policy: Policy) -> None:
    state = fold(policy, ("case-1", opened()), ("case-1", AgentResponse(T0, False)))[0]
    step = advance("case-1", ClosureSeen(ClosureReason.SATISFIED, T0 + DAY), state, policy)

    assert step.event_type == CLOSURE_DECIDED
    assert step.decision is not None
    assert step.decision.outcome is Outcome.ACCEPT


def test_a_first_insult_is_a_warning_once_per_person_not_once_per_case(policy: Policy) -> None:
    _, decisions = fold(
        policy,
        ("case-1", opened(consultation("この役立たず"))),
        ("case-2", opened(consultation("この役立たず", received_at=T0 + DAY))),
    )

    assert outcome(decisions[0]) is Outcome.RESTRICT
    assert outcome(decisions[1]) is Outcome.REFUSE


def test_folding_is_deterministic(policy: Policy) -> None:
    events: list[tuple[str, CaseEvent]] = [
        ("case-1", opened(consultation("殺すぞ"))),
        ("case-1", AgentResponse(T0 + DAY, final_answer=True)),
        ("case-1", CustomerContact(T0 + 2 * DAY, "phone", "バカ")),
    ]

    assert fold(policy, *events) == fold(policy, *events)


@pytest.mark.parametrize(
    ("approved", "expected"), [(False, Outcome.REFUSE), (True, Outcome.ACCEPT)]
)
def test_supervisor_approval_carries_a_persuasion_difficult_closing(
    policy: Policy, approved: bool, expected: Outcome
) -> None:
    answer_at = T0 + DAY
    _state, decisions = fold(
        policy,
        ("case-1", opened()),
        ("case-1", AgentResponse(answer_at, final_answer=True)),
        (
            "case-1",
            ClosureSeen(ClosureReason.PERSUASION_DIFFICULT, answer_at + DAY, approved),
        ),
    )

    assert "termination" in rules(decisions[2])
    assert outcome(decisions[2]) is expected


def test_a_follow_up_dated_before_a_later_recorded_final_answer_is_no_repeat(
    policy: Policy,
) -> None:
    # The platform delivered the customer's mail after the agent's final answer, though it
    # was written a day before it: the customer had not heard the answer yet.
    state, decisions = fold(
        policy,
        ("case-1", opened()),
        ("case-1", AgentResponse(T0 + 2 * DAY, final_answer=True)),
        ("case-1", CustomerContact(T0 + DAY, "email", "まだ届いていません")),
    )

    assert "repeat" not in rules(decisions[2])
    assert state.case("case-1").repeats == 0


def ticket(
    received_at: datetime, body: str = "ケトルの件で", sku: str | None = "KT-1"
) -> ConsultationSeen:
    """A new ticket of the same subject, as platforms open one per contact."""
    facts = consultation(
        body, received_at=received_at, product={"price": {"amount": 4980, "currency": "JPY"}}
    )
    return ConsultationSeen(facts, product_key=product_key(sku, None))


# Case 1 on the kettle, answered finally a day later: where every matter test starts.
ANSWERED: tuple[tuple[str, CaseEvent], ...] = (
    ("case-1", ticket(T0)),
    ("case-1", AgentResponse(T0 + DAY, final_answer=True)),
)


def test_a_second_ticket_on_the_same_product_after_a_final_answer_is_a_repeat(
    policy: Policy,
) -> None:
    state, decisions = fold(
        policy,
        *ANSWERED,
        ("case-2", ticket(T0 + 2 * DAY)),
        ("case-3", ticket(T0 + 3 * DAY)),
    )

    assert "repeat" not in rules(decisions[0])
    assert "repeat" in rules(decisions[2])
    assert outcome(decisions[2]) is Outcome.RESTRICT
    assert outcome(decisions[3]) is Outcome.REFUSE
    assert state.case("case-2").matter == "case-1"
    assert state.case("case-1").repeats == 2


def test_tickets_on_other_products_or_out_of_the_window_are_matters_of_their_own(
    policy: Policy,
) -> None:
    window = policy.rules.repeat.matter
    assert window is not None
    late = T0 + DAY + timedelta(days=window.same_product_within_days + 1)
    _, decisions = fold(
        policy,
        *ANSWERED,
        ("case-2", ticket(T0 + 2 * DAY, sku="OTHER")),
        ("case-3", ticket(T0 + 2 * DAY, sku=None)),
        ("case-4", ticket(late)),
    )

    assert [rules(d) for d in decisions[2:]] == [[], [], []]


def test_without_a_matter_setting_each_case_is_its_own_matter(policy: Policy) -> None:
    """Policy versions written before matters decide as they did: replay reproduces them."""
    repeat = policy.rules.repeat.model_copy(update={"matter": None})
    rules_ = policy.rules.model_copy(update={"repeat": repeat})
    older = policy.model_copy(update={"rules": rules_})
    _, decisions = fold(
        older,
        *ANSWERED,
        ("case-2", ticket(T0 + 2 * DAY)),
    )

    assert "repeat" not in rules(decisions[2])


def test_closing_a_later_ticket_as_persuasion_difficult_counts_the_matters_repeats(
    policy: Policy,
) -> None:
    _, decisions = fold(
        policy,
        *ANSWERED,
        ("case-2", ticket(T0 + 2 * DAY)),
        ("case-2", CustomerContact(T0 + 3 * DAY, "phone", "まだ納得していない")),
        ("case-2", AgentResponse(T0 + 3 * DAY, final_answer=False)),
        ("case-2", ClosureSeen(ClosureReason.PERSUASION_DIFFICULT, T0 + 4 * DAY)),
    )

    assert outcome(decisions[3]) is Outcome.REFUSE
    closing = decisions[5]
    assert rules(closing) == ["termination"]
    assert outcome(closing) is Outcome.ACCEPT


def test_a_follow_up_with_a_new_demand_is_judged_on_the_cases_product(policy: Policy) -> None:
    excessive = DemandFacts(type="compensation", amount={"amount": 500000, "currency": "JPY"})
    _, decisions = fold(
        policy,
        ("case-1", ticket(T0)),
        ("case-1", CustomerContact(T0 + DAY, "email", "補償してください", demand=excessive)),
    )

    assert "demand-proportionality" in rules(decisions[1])
    assert outcome(decisions[1]) is Outcome.RESTRICT


def test_a_case_an_agent_links_to_an_earlier_one_shares_its_final_answer_and_repeats(
    policy: Policy,
) -> None:
    state, decisions = fold(
        policy,
        *ANSWERED,
        ("case-1", CustomerContact(T0 + 2 * DAY, "phone", "納得できない")),
        ("case-2", ticket(T0 + 3 * DAY, sku="OTHER")),
        ("case-2", CaseLinkSeen("case-1")),
        ("case-2", CustomerContact(T0 + 4 * DAY, "phone", "同じ件です")),
    )

    assert "repeat" not in rules(decisions[3]), "another product: not known to be one matter"
    assert decisions[4] is None, "a link is recorded, not decided"
    assert state.case("case-2").matter == "case-1"
    # The contact on case 1 and case 2's opening followed the final answer: this is the third.
    assert outcome(decisions[5]) is Outcome.REFUSE
    assert state.case("case-1").repeats == 3


def test_a_link_to_a_case_the_state_does_not_hold_changes_nothing(policy: Policy) -> None:
    state, _ = fold(policy, ("case-2", ticket(T0)))

    assert advance("case-2", CaseLinkSeen("erased"), state, policy).state == state
