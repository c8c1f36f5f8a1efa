"""The guideline's articles and the agent's instructions in Japanese and English: the policy
file states them (or does not load), every reason carries its articles' titles and a note in
both languages, every action its instruction; a version stated before them decides as it did."""

import json
import re
import tomllib
from typing import Any

import pytest

from services.policy.domain import Policy, RuleId, SubjectHistory, decide, decide_closure
from services.policy.domain.errors import PolicyFileError
from services.policy.domain.policy_file import load_policy
from shared.contracts.policy import ArticleTitle, Decision, Reason

from . import table_contacts, table_demands, table_scope_conduct, test_closure_table
from .intake_envelopes import THREAT
from .sample_facts import consultation

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")

# The shipped file as it was before it stated articles, and a decision recorded under it then
# (main at 7ad1e67): a version stated without articles must keep deciding these bytes.
VERSION_WITHOUT_ARTICLES = "b6b3db6bdeb931e14e2defa408961a6a0d25855e4e4ccc18ddc8682f058b77c4"
THREAT_DECIDED_THEN = (
    '{"outcome":"escalate","reasons":[{"rule":"conduct","article":"art. 4","outcome":"restrict",'
    '"actions":["warn_customer"],"category":"insult","evidence":[{"kind":"text","field":"body",'
    '"category":"insult","term":"ふざけるな","start":0,"end":5}],'
    '"note":"insult (first offence): 1 fragment(s)"},{"rule":"conduct","article":"art. 4",'
    '"outcome":"escalate","actions":["legal_hold_recommended","notify_supervisor",'
    '"second_handler"],"category":"threat","evidence":[{"kind":"text","field":"body",'
    '"category":"threat","term":"殺すぞ","start":6,"end":9}],'
    '"note":"threat (conduct): 1 fragment(s)"}],"actions":["warn_customer","second_handler",'
    '"notify_supervisor","legal_hold_recommended"],'
    f'"policy_version":"{VERSION_WITHOUT_ARTICLES}"}}'
)


def every_table_decision(policy: Policy) -> list[Decision]:
    consultations = table_scope_conduct.CASES + table_demands.CASES + table_contacts.CASES
    closures = test_closure_table.CASES
    return [decide(case.facts, case.history, policy) for case in consultations] + [
        decide_closure(case.request, case.history, policy) for case in closures
    ]


def without_articles(policy_text: str) -> Policy:
    """The shipped file as older versions were stated: no articles, no instructions."""
    data: dict[str, Any] = tomllib.loads(policy_text)
    del data["articles"], data["instructions"]
    return Policy.model_validate(data)


def test_every_rule_s_notes_are_in_japanese_and_english(policy: Policy) -> None:
    reasons: dict[RuleId, list[Reason]] = {rule: [] for rule in RuleId}
    for decision in every_table_decision(policy):
        for reason in decision.reasons:
            reasons[reason.rule].append(reason)

    for rule in RuleId:
        assert reasons[rule], f"{rule} gives no reason in the tables"
        for reason in reasons[rule]:
            assert reason.note, rule
            assert not JAPANESE.search(reason.note), (rule, reason.note)
            assert JAPANESE.search(reason.note_ja), (rule, reason.note_ja)


def test_every_reason_carries_the_titles_of_the_articles_it_cites(policy: Policy) -> None:
    assert policy.articles is not None
    for decision in every_table_decision(policy):
        for reason in decision.reasons:
            cited = [part.strip() for part in reason.article.split(",")]
            assert [title.article for title in reason.article_titles] == cited
            for title in reason.article_titles:
                assert (title.en, title.ja) == (
                    policy.articles[title.article].title.en,
                    policy.articles[title.article].title.ja,
                )


def test_a_decision_cites_titles_and_instructs_every_action_in_both_languages(
    policy: Policy,
) -> None:
    decision = decide(consultation(THREAT), SubjectHistory(), policy)
    guarded = decide(
        consultation("返金を要求します。訴訟も考えています。"), SubjectHistory(), policy
    )

    assert decision.reasons[0].article_titles == (
        ArticleTitle(article="art. 4", en="Consultations refused", ja="お断りするご相談"),
    )
    assert [i.action for i in decision.instructions] == list(decision.actions)
    assert all(JAPANESE.search(i.ja) and i.en for i in decision.instructions)
    complaint = [r for r in guarded.reasons if r.rule == RuleId.LEGITIMATE_COMPLAINT]
    assert [t.article for t in complaint[0].article_titles] == ["art. 4", "art. 5"]


def test_a_policy_file_missing_a_japanese_summary_does_not_load(policy_text: str) -> None:
    summary = 'summary = { en = "Liability is accepted'
    start = policy_text.index(summary)
    end = policy_text.index("\n", start)
    english_only = policy_text[start : policy_text.index(', ja = "', start, end)] + " }"
    broken = policy_text[:start] + english_only + policy_text[end:]

    with pytest.raises(PolicyFileError) as raised:
        load_policy(broken)

    assert [(p.path, p.message) for p in raised.value.problems] == [
        ("articles.art. 10.summary.ja", "Field required")
    ]


def test_a_policy_file_must_state_every_cited_article_and_every_instruction(
    policy_text: str,
) -> None:
    no_art_9 = re.sub(r'\[articles\."art\. 9"\]\n(.+\n){2}', "", policy_text)
    no_fact_check = re.sub(r"(?m)^fact_check = .*\n", "", policy_text)
    stated_before = re.sub(r"(?ms)^\[articles\..*?^complete_record = .*?\n", "", policy_text)

    problems = {}
    for name, text in {"no_art_9": no_art_9, "no_fact_check": no_fact_check}.items():
        with pytest.raises(PolicyFileError) as raised:
            load_policy(text)
        problems[name] = [(p.path, p.message) for p in raised.value.problems]
    with pytest.raises(PolicyFileError) as raised:
        load_policy(stated_before)

    assert problems["no_art_9"] == [
        ("articles", "no title and summary for art. 9, which rules cite")
    ]
    assert problems["no_fact_check"] == [("instructions", "no instruction for fact_check")]
    assert [p.path for p in raised.value.problems] == ["articles", "instructions"]


def test_a_version_stated_without_articles_keeps_its_hash_and_its_decisions(
    policy_text: str, policy: Policy
) -> None:
    older = without_articles(policy_text)
    again = Policy.model_validate(json.loads(older.canonical_json()))  # as replay loads it

    decided = decide(consultation(THREAT), SubjectHistory(), again)

    assert older.version == again.version == VERSION_WITHOUT_ARTICLES != policy.version
    assert decided.model_dump_json() == THREAT_DECIDED_THEN
