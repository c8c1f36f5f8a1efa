"""The decision table: every catalogue rule fires and stays silent, in Japanese and English;
each case checks the outcome, the rules with the articles they cite, and key actions."""

import pytest

from services.policy.domain import Policy, RuleId, decide

from . import table_contacts, table_demands, table_scope_conduct
from .sample_facts import Case, consultation

CASES = table_scope_conduct.CASES + table_demands.CASES + table_contacts.CASES
DEFAULT_BODY = consultation().body


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_decision(case: Case, policy: Policy) -> None:
    decision = decide(case.facts, case.history, policy)

    found = [(r.rule.value, r.article, r.category) for r in decision.reasons]
    assert decision.outcome == case.outcome, found
    assert found == case.expected()
    assert case.actions <= {action.value for action in decision.actions}
    assert decision.policy_version == policy.version


def test_table_is_large_and_names_are_unique() -> None:
    assert len(CASES) >= 80
    assert len({case.name for case in CASES}) == len(CASES)


def test_every_consultation_rule_fires_and_stays_silent_somewhere() -> None:
    closure_only = {RuleId.TERMINATION, RuleId.RECORD_COMPLETENESS}
    fired = {spec.partition(":")[0] for case in CASES for spec in case.rules.split()}
    for rule in set(RuleId) - closure_only:
        assert rule.value in fired, f"{rule} never fires in the table"
        assert any(rule.value not in case.rules for case in CASES), f"{rule} always fires"


def test_japanese_and_english_cases_for_every_conduct_category(policy: Policy) -> None:
    for category in policy.rules.conduct.categories:
        bodies = [c.facts.body for c in CASES if f"conduct:{category}" in c.rules.split()]
        assert any(not body.isascii() and body != DEFAULT_BODY for body in bodies), category
        assert any(body.isascii() for body in bodies), category
