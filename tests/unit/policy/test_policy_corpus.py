"""Issue 16: the labelled corpus (tests/policy_corpus, at least 300 consultations in Japanese
and English across every MHLW customer-harassment category and every guideline article)
meets the targets under the shipped policy: recall >= 0.95 on every abuse category, and
>= 0.98 of legitimate complaints (near-misses included) accepted. `make policy-report`
prints the full report with every miss."""

from collections import Counter

from services.policy.domain import Policy
from tests.policy_corpus.report import (
    ABUSE,
    ACCEPT_TARGET,
    RECALL_TARGET,
    Report,
    evaluate,
    load,
    render,
)

ARTICLES = {"art. 2", "art. 3", "art. 4", "art. 5", "art. 6", "art. 7", "art. 9", "art. 10"}


def report(policy: Policy) -> Report:
    return evaluate(policy, load())


def test_the_corpus_covers_both_languages_every_category_and_every_article() -> None:
    cases = load()

    assert len(cases) >= 300
    assert len({case.id for case in cases}) == len(cases)
    languages = Counter((case.category, case.lang) for case in cases)
    for category in (*ABUSE, "legitimate"):
        assert languages[(category, "ja")] >= 4, category
        assert languages[(category, "en")] >= 4, category
    assert {case.article for case in cases} == ARTICLES


def test_recall_on_every_abuse_category_meets_the_target(policy: Policy) -> None:
    result = report(policy)

    low = {c: result.recall(c) for c in ABUSE if result.recall(c) < RECALL_TARGET}
    assert not low, render(result)


def test_legitimate_complaints_are_accepted_at_the_target_rate(policy: Policy) -> None:
    result = report(policy)

    assert result.accept_rate() >= ACCEPT_TARGET, render(result)


def test_every_fact_based_case_gets_its_rule_and_outcome(policy: Policy) -> None:
    result = report(policy)

    misses = [r.case.id for r in result.misses() if r.case.category not in (*ABUSE, "legitimate")]
    assert misses == [], render(result)
