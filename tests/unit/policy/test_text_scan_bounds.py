"""Issue 14, finding 5: a body of one repeated lexicon term took seconds to decide (every hit
compared with every other) and gave a decision of more than a megabyte, kept forever in the
log. The scan's work grows linearly with the text, and a decision cites a bounded number of
fragments, counting the rest."""

from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.intake.domain.consultation import MAX_BODY_BYTES
from services.policy.domain import (
    Decision,
    Policy,
    SubjectHistory,
    TextEvidence,
    decide,
    load_policy,
)

from .operation_count import operations
from .sample_facts import consultation, demand

# The limits a policy file without an [evidence] table is decided under.
PER_CATEGORY, PER_DECISION = 20, 100
DECISION_BYTES = 32 * 1024


def filling(term: str) -> str:
    """`term` repeated up to the largest body intake accepts."""
    return term * (MAX_BODY_BYTES // len(term.encode("utf-8")))


def cited(decision: Decision) -> list[TextEvidence]:
    return [e for r in decision.reasons for e in r.evidence if isinstance(e, TextEvidence)]


@pytest.mark.parametrize(
    ("term", "category", "fragment"),
    [
        ("バカ", "insult", "バカ"),
        ("kill you ", "threat", "kill you"),
        ("返金しないと殺すぞ", "threat", "殺すぞ"),  # a threat inside a refund demand
    ],
)
def test_a_body_of_one_repeated_term_gives_a_decision_of_bounded_size(
    policy: Policy, term: str, category: str, fragment: str
) -> None:
    body = filling(term)

    decision = decide(consultation(body), SubjectHistory(), policy)

    [conduct] = [r for r in decision.reasons if r.category == category]
    found = body.count(term)
    assert len(decision.model_dump_json().encode()) <= DECISION_BYTES
    assert len(cited(decision)) <= PER_DECISION
    for reason in decision.reasons:
        per_category = Counter(e.category for e in reason.evidence if isinstance(e, TextEvidence))
        assert max(per_category.values(), default=0) <= PER_CATEGORY, reason.rule
    # What was cut is counted: cited and omitted add up to what the scan found.
    assert len(conduct.evidence) + conduct.evidence_omitted[category] == found
    assert f"{found} fragment(s)" in conduct.note
    texts = [body[e.start : e.end] for e in conduct.evidence if isinstance(e, TextEvidence)]
    assert texts == [fragment] * PER_CATEGORY  # the first ones, by position


def test_a_decision_within_the_limits_has_no_count_of_omissions(policy: Policy) -> None:
    decision = decide(consultation("バカ、殺すぞ。返金して"), SubjectHistory(), policy)

    assert all(not r.evidence_omitted for r in decision.reasons)
    assert "evidence_omitted" not in decision.model_dump_json()


def test_the_limits_are_policy_and_the_shipped_file_keeps_its_version(
    policy: Policy, policy_text: str
) -> None:
    tight = load_policy(policy_text + "\n[evidence]\nper_category = 2\nper_decision = 3\n")

    decision = decide(consultation("バカ" * 5 + "殺すぞ" * 5), SubjectHistory(), tight)

    assert "evidence" not in policy.canonical_json()  # absent: the version it always had
    assert tight.version != policy.version
    assert [len(r.evidence) for r in decision.reasons if r.rule == "conduct"] == [2, 1]
    assert [r.evidence_omitted for r in decision.reasons if r.rule == "conduct"] == [
        {"insult": 3},
        {"threat": 4},
    ]


def terms(policy: Policy) -> list[str]:
    """Every term the scan looks for, shields included, so generated bodies are dense with hits
    that nest, overlap and shield one another."""
    rules = policy.rules
    lexicons = [
        *rules.conduct.lexicons.values(),
        rules.conduct.benign,
        *rules.legitimate_complaint.phrases.values(),
        rules.recording.publication,
        rules.confidentiality.markers,
    ]
    return sorted({term for lexicon in lexicons for term in (*lexicon.ja, *lexicon.en)})


FILLERS = ("", " ", "、", "。\n", "ｶﾞ", "a", "ば", "り", "x y")


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), copies=st.integers(min_value=12, max_value=24))
def test_work_grows_linearly_with_the_body_and_evidence_stays_bounded(
    policy: Policy, data: st.DataObject, copies: int
) -> None:
    piece = st.one_of(st.sampled_from(terms(policy)), st.sampled_from(FILLERS))
    unit = "".join(data.draw(st.lists(piece, min_size=1, max_size=3))) or "x"

    def work(times: int) -> int:
        facts = consultation(unit * times, demand=demand("refund", details=unit * times))
        return operations(lambda: decide(facts, SubjectHistory(), policy))

    work(1)  # folding caches each character once; warm them so every size pays the same
    single, double, quadruple = work(copies), work(2 * copies), work(4 * copies)

    # Linear work adds the same for each added copy: the second doubling costs twice the
    # first. Comparing every hit with every other (the old scan) makes it four times.
    assert quadruple - double <= 2.2 * (double - single) + 500, (single, double, quadruple)
    decision = decide(consultation(unit * 4 * copies), SubjectHistory(), policy)
    assert len(cited(decision)) <= PER_DECISION
    assert len(decision.model_dump_json().encode()) <= DECISION_BYTES
