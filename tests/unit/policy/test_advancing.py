"""The pure step the consumer and replay share: what each intake event decides and remembers."""

from datetime import timedelta

import pytest

from services.policy.domain import ConsultationFacts, Decision, Outcome, Policy
from services.policy.domain.advancing import CLOSURE_DECIDED, POLICY_DECIDED, advance
from services.policy.domain.facts import ClosureReason
from services.policy.domain.state import (
    AgentResponse,
    CaseEvent,
    ClosureSeen,
    ConsultationSeen,
    CustomerContact,
    SubjectState,
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


def test_a_quiet_follow_up_changes_state_but_decides_nothing(policy: Policy) -> None:
    state, decisions = fold(
        policy,
        ("case-1", opened(consultation(relationship="unknown"))),
        ("case-1", CustomerContact(T0 + DAY, "email", "よろしくお願いします")),
    )

    assert "scope-relationship" in rules(decisions[0])
    assert decisions[1] is None, "scope was decided when the case opened"
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
