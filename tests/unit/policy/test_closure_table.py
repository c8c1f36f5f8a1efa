"""Close requests: the termination grounds (satisfied, withdrawn, persuasion difficult with
its conditions) and record completeness, each case with outcome, rules and articles."""

from dataclasses import dataclass, field

import pytest

from services.policy.domain import ClosureFacts, Outcome, Policy, SubjectHistory, decide_closure

from .sample_facts import ARTICLES, DAY, T0, after_final_answer, closure

A, F = Outcome.ACCEPT, Outcome.REFUSE


@dataclass(frozen=True)
class ClosureCase:
    name: str
    outcome: Outcome
    rules: str
    request: ClosureFacts
    history: SubjectHistory = field(default_factory=SubjectHistory)


def time_restraint_at(days_before: int) -> dict[str, object]:
    at = T0 - days_before * DAY
    return {"at": at, "outcome": "restrict", "rules": ("time-restraint",)}


PD = "persuasion_difficult"
CASES = [
    ClosureCase("satisfied", A, "termination", closure("satisfied")),
    ClosureCase("withdrawn", A, "termination", closure("withdrawn")),
    ClosureCase(
        "persuasion difficult, no final answer",
        F,
        "termination",
        closure(PD, supervisor_approved=True),
    ),
    ClosureCase(
        "persuasion difficult after two repeats",
        A,
        "termination",
        closure(PD),
        after_final_answer(2),
    ),
    ClosureCase(
        "persuasion difficult after one repeat",
        F,
        "termination",
        closure(PD),
        after_final_answer(1),
    ),
    ClosureCase(
        "persuasion difficult after time restraint",
        A,
        "termination",
        closure(PD),
        after_final_answer(0, prior_decisions=[time_restraint_at(1)]),
    ),
    ClosureCase(
        "time restraint before the final answer does not count",
        F,
        "termination",
        closure(PD),
        after_final_answer(0, prior_decisions=[time_restraint_at(3)]),
    ),
    ClosureCase(
        "persuasion difficult approved by supervisor",
        A,
        "termination",
        closure(PD, supervisor_approved=True),
        after_final_answer(0),
    ),
    ClosureCase(
        "satisfied but no handler",
        F,
        "termination record-completeness",
        closure("satisfied", has_handler=False),
    ),
    ClosureCase(
        "satisfied but no content or times",
        F,
        "termination record-completeness",
        closure("satisfied", has_content=False, has_times=False),
    ),
    ClosureCase(
        "withdrawn but no customer",
        F,
        "termination record-completeness",
        closure("withdrawn", has_customer=False),
    ),
    ClosureCase(
        "neither grounds nor channel",
        F,
        "termination record-completeness",
        closure(PD, has_channel=False),
        after_final_answer(0),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_closure(case: ClosureCase, policy: Policy) -> None:
    decision = decide_closure(case.request, case.history, policy)

    assert decision.outcome == case.outcome, [r.note for r in decision.reasons]
    assert [(r.rule.value, r.article) for r in decision.reasons] == [
        (rule, ARTICLES[rule]) for rule in case.rules.split()
    ]


def test_missing_record_items_are_named(policy: Policy) -> None:
    request = closure("satisfied", has_content=False, has_handler=False)

    decision = decide_closure(request, SubjectHistory(), policy)

    completeness = decision.reasons[-1]
    assert [(e.kind, getattr(e, "fact", "")) for e in completeness.evidence] == [
        ("fact", "record.content"),
        ("fact", "record.handler"),
    ]
    assert "complete_record" in decision.actions


def test_each_missing_record_item_is_named_in_words_a_caller_can_act_on(policy: Policy) -> None:
    request = closure("satisfied", has_customer=False, has_handler=False)

    decision = decide_closure(request, SubjectHistory(), policy)

    assert decision.reasons[-1].note == (
        "record incomplete, cannot close: the customer is not named (record the consultation"
        " with customer.name); no agent has recorded a response on this case"
        " (POST /v1/cases/{case_id}/contacts with kind agent_response and an agent token)"
    )
