"""Issue 16: conduct phrased in ways no word list anticipates is found by pattern rules (a
combination of parts within one sentence), amounts stated only in the text are weighed, and
a demand in another currency is compared through the policy's rates, while legitimate
complaints (a conditional announcing the consumer centre, a firm refund demand) stay
accepted. Evidence offsets point at exactly what the customer wrote."""

from typing import Any

import pytest

from services.policy.domain import (
    Outcome,
    Policy,
    RuleId,
    SubjectHistory,
    TextEvidence,
    decide,
    load_policy,
)

from .sample_facts import consultation, yen


def conduct_fragments(policy: Policy, body: str, **facts: Any) -> dict[str, list[str]]:
    decision = decide(consultation(body, **facts), SubjectHistory(), policy)
    return {
        r.category or "": [body[e.start : e.end] for e in r.evidence if isinstance(e, TextEvidence)]
        for r in decision.reasons
        if r.rule is RuleId.CONDUCT
    }


def listed_terms(policy: Policy) -> set[str]:
    lexicons = policy.rules.conduct.lexicons.values()
    return {term.casefold() for lexicon in lexicons for term in (*lexicon.ja, *lexicon.en)}


@pytest.mark.parametrize(
    ("body", "category", "fragments"),
    [
        ("Refund me today, or your staff will regret it.", "threat", ["or", "your staff"]),
        ("返金しないと、お前の店がどうなっても知らないぞ。", "threat", ["ないと", "どうなっても"]),
        ("The cashier will get hurt if I go there again", "threat", ["The cashier", "get hurt"]),
        ("５万円用意しろ。明日取りに行く", "extortion", ["５万円", "用意しろ"]),
        ("Pay me $500 or else.", "extortion", ["Pay me", "$500"]),
        ("電話の女性の声がかわいいので、今度二人で食事に行きませんか", "sexual", ["二人で"]),
        ("I want to talk to someone Japanese, not you.", "discrimination", ["someone Japanese"]),
    ],
)
def test_a_pattern_rule_finds_conduct_that_no_listed_term_names(
    policy: Policy, body: str, category: str, fragments: list[str]
) -> None:
    assert not any(term in body.casefold() for term in listed_terms(policy))

    found = conduct_fragments(policy, body)

    assert set(found) == {category}
    assert set(fragments) <= set(found[category])


@pytest.mark.parametrize(
    "body",
    [
        "If this is not fixed I will ask the consumer centre.",
        "直らないなら消費者センターに相談します。",
        "Refund the $500 or I will take you to small claims court.",
        "返金として5000円を払ってください。",
        "What happens if I don't update the firmware? The agent could not say.",
        "使わないとどうなるか教えてください。",
        "I'd like the manager to explain in writing why my order of $80 was cancelled.",
    ],
)
def test_a_legitimate_conditional_or_demand_stays_accepted(policy: Policy, body: str) -> None:
    decision = decide(consultation(body), SubjectHistory(), policy)

    assert conduct_fragments(policy, body) == {}
    assert decision.outcome is Outcome.ACCEPT


def test_pattern_evidence_names_the_combination_and_points_at_the_parts(policy: Policy) -> None:
    body = "いいか、金返さねえと後悔するぞ。担当の女の帰り道が心配だなあ😊"
    assert not any(term in body for term in listed_terms(policy))
    patterns = policy.rules.conduct.patterns
    assert patterns is not None

    decision = decide(consultation(body), SubjectHistory(), policy)

    [threat] = [r for r in decision.reasons if r.category == "threat"]
    cited = {}
    for evidence in threat.evidence:
        assert isinstance(evidence, TextEvidence)
        combination, _, term = evidence.term.partition(": ")
        assert combination in patterns.combinations
        cited[term] = body[evidence.start : evidence.end]
    assert cited == {
        "ねえと": "ねえと",
        "後悔する": "後悔する",
        "担当の": "担当の",
        "帰り道": "帰り道",
    }
    assert decision.outcome is Outcome.ESCALATE


def test_a_usd_demand_is_compared_with_a_jpy_price_through_the_policy_rates(
    policy: Policy,
) -> None:
    usd = {"amount": 500, "currency": "USD"}
    facts = consultation(
        "The kettle broke. I want compensation.",
        demand={"type": "compensation", "amount": usd},
        product={"price": yen(3000)},
    )

    decision = decide(facts, SubjectHistory(), policy)

    [reason] = [r for r in decision.reasons if r.rule is RuleId.DEMAND_PROPORTIONALITY]
    assert reason.outcome is Outcome.RESTRICT
    shown = {e.fact: e.value for e in reason.evidence if e.kind == "fact"}
    assert shown["demand.amount_in_price_currency"] == "75000 JPY"  # 500 x 150


def test_a_demand_above_the_ceiling_is_excessive_without_a_price(policy: Policy) -> None:
    facts = consultation(
        "賠償してください", demand={"type": "compensation", "amount": yen(5_000_000)}
    )

    decision = decide(facts, SubjectHistory(), policy)

    notes = [r.note for r in decision.reasons if r.rule is RuleId.DEMAND_PROPORTIONALITY]
    assert any("ceiling of 1000000 JPY" in note for note in notes)
    assert decision.outcome is Outcome.RESTRICT


@pytest.mark.parametrize(
    ("body", "stated"),
    [
        ("壊れていたので、補償として１０万円お願いします。", "１０万円"),
        ("I want compensation of 50000 dollars for this.", "50000 dollars"),
        ("返金と、慰謝料十万円を補償してほしい", "十万円"),
    ],
)
def test_an_amount_stated_only_in_the_text_is_weighed_against_the_price(
    policy: Policy, body: str, stated: str
) -> None:
    facts = consultation(body, product={"price": yen(3000)})

    decision = decide(facts, SubjectHistory(), policy)

    [reason] = [
        r
        for r in decision.reasons
        if r.rule is RuleId.DEMAND_PROPORTIONALITY and "x the price" in r.note
    ]
    [amount] = [e for e in reason.evidence if isinstance(e, TextEvidence)]
    assert body[amount.start : amount.end] == stated
    assert reason.outcome is Outcome.RESTRICT


def test_a_policy_file_without_patterns_rates_or_text_amounts_keeps_its_version(
    policy_text: str,
) -> None:
    """Files written before these settings existed hash as they did (replay finds them)."""
    old = policy_text
    for table in (
        "[rules.conduct.patterns.",
        "[rules.demand-proportionality.exchange_rates]",
        "[rules.demand-proportionality.ceilings]",
    ):
        while table in old:
            start = old.index(table)
            end = old.find("\n[", start + 1)
            old = old[:start] + old[end + 1 :]
    old = old.replace('text_demand_type = "compensation"\n', "")

    stripped = load_policy(old)

    assert stripped.rules.conduct.patterns is None
    assert "patterns" not in stripped.canonical_json()
    assert "exchange_rates" not in stripped.canonical_json()
    assert stripped.version != load_policy(policy_text).version
