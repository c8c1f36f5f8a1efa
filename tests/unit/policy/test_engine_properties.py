"""Properties of the engine as a whole: determinism, the policy version in every decision,
outcome precedence, the guard's shield, and identity kept out of its input."""

import pydantic
import pytest

from services.policy.domain import (
    Outcome,
    Policy,
    SubjectHistory,
    TextEvidence,
    decide,
    decide_closure,
    load_policy,
)

from .sample_facts import after_final_answer, closure, consultation, demand, priced
from .table_contacts import call

HEAVY = consultation(
    "担当の山田さん、バカ野郎、返金しないとSNSに晒すぞ。内密に。",
    channel="phone",
    relationship="unknown",
    demand=demand("compensation", 90000, details="誠意を見せろ"),
    product=priced(10000),
    call=call(75, 10, recorded=True),
)


def test_same_input_gives_the_same_decision(policy: Policy, policy_text: str) -> None:
    history = after_final_answer(1)

    first = decide(HEAVY, history, policy)
    again = decide(HEAVY.model_copy(), history.model_copy(), load_policy(policy_text))

    assert first.model_dump() == again.model_dump()
    assert first.model_dump_json() == again.model_dump_json()
    assert decide_closure(closure("withdrawn"), history, policy) == decide_closure(
        closure("withdrawn"), history, policy
    )


def test_a_changed_threshold_changes_the_version_in_the_decision(
    policy: Policy, policy_text: str
) -> None:
    longer = load_policy(
        policy_text.replace("minutes_after_final_answer = 30", "minutes_after_final_answer = 45")
    )
    facts = consultation(channel="phone", call=call(60, 20))  # 40 minutes past the answer

    before = decide(facts, after_final_answer(), policy)
    after = decide(facts, after_final_answer(), longer)

    assert before.policy_version == policy.version != after.policy_version == longer.version
    assert "time-restraint" in [r.rule for r in before.reasons]
    assert "time-restraint" not in [r.rule for r in after.reasons]


def test_outcome_precedence_is_escalate_refuse_restrict_accept(policy: Policy) -> None:
    decision = decide(HEAVY, after_final_answer(1), policy)

    outcomes = {r.outcome for r in decision.reasons}
    assert outcomes == {Outcome.ACCEPT, Outcome.RESTRICT, Outcome.REFUSE, Outcome.ESCALATE}
    assert decision.outcome is Outcome.ESCALATE
    assert [o.precedence for o in (Outcome.ACCEPT, Outcome.RESTRICT, Outcome.REFUSE)] == [0, 1, 2]
    assert len(decision.actions) == len(set(decision.actions))


def test_the_guard_shields_conduct_inside_a_complaint_but_never_a_threat(policy_text: str) -> None:
    # A policy whose insult lexicon (shieldable) and threat lexicon (not) both hold "court".
    lexicons = policy_text.replace('"idiot", "idiots",', '"idiot", "idiots", "court",').replace(
        '"kill you", "i will kill",', '"kill you", "i will kill", "sue",'
    )
    body = "I will take you to court."

    shielded = decide(consultation(body), SubjectHistory(), load_policy(lexicons))
    threat = decide(consultation("I will sue."), SubjectHistory(), load_policy(lexicons))

    assert shielded.outcome is Outcome.ACCEPT
    (guard,) = shielded.reasons
    assert {e.category for e in guard.evidence if isinstance(e, TextEvidence)} == {
        "legal_step",
        "shielded:insult",
    }
    assert threat.outcome is Outcome.ESCALATE
    assert [(r.rule, r.category) for r in threat.reasons] == [
        ("conduct", "threat"),
        ("legitimate-complaint", None),
    ]


@pytest.mark.parametrize("field", ["name", "email", "phone", "address"])
def test_identity_cannot_be_passed_in(field: str) -> None:
    with pytest.raises(pydantic.ValidationError):
        consultation(**{field: "山田太郎"})


def test_decisions_quote_only_lexicon_terms_never_the_customer(policy: Policy) -> None:
    decision = decide(HEAVY, after_final_answer(1), policy)

    rules = policy.rules
    lexicons = [
        *rules.conduct.lexicons.values(),
        *rules.legitimate_complaint.phrases.values(),
        rules.recording.publication,
        rules.confidentiality.markers,
    ]
    quoted = {e.term for r in decision.reasons for e in r.evidence if isinstance(e, TextEvidence)}
    assert quoted
    assert quoted <= {term for lexicon in lexicons for term in (*lexicon.ja, *lexicon.en)}
    assert "山田" not in decision.model_dump_json()
