"""The policy file: the shipped one loads, bad ones are rejected with the path of every
problem, and the version follows content, not layout."""

import re

import pytest

from services.policy.domain import Policy, PolicyFileError, load_policy


def test_shipped_policy_loads_with_a_sha256_version(policy: Policy) -> None:
    assert re.fullmatch(r"[0-9a-f]{64}", policy.version)
    assert policy.rules.channel.allowed == ("phone", "email")
    assert policy.rules.time_restraint.minutes_after_final_answer == 30


BAD = [
    pytest.param(
        ("", "[[["),
        {"(file)"},
        id="not TOML",
    ),
    pytest.param(
        ('ja = ["土下座", "どげざ",', 'ja = ["土下座", "kneel", "。 ", "どげざ",'),
        {"rules.conduct.lexicons.kneeling.ja[1]", "rules.conduct.lexicons.kneeling.ja[2]"},
        id="bad lexicon terms",
    ),
    pytest.param(
        ("require_name = true", "requir_name = true"),
        {"rules.scope-identity.requir_name"},
        id="misspelt key",
    ),
    pytest.param(
        (
            'allowed = ["phone", "email"]\neffect = { outcome = "refuse" }',
            'allowed = ["phone", "email"]\neffect = { outcome = "deny" }',
        ),
        {"rules.channel.effect.outcome"},
        id="unknown outcome",
    ),
    pytest.param(
        (
            'unverified = { outcome = "accept", actions = ["fact_check"] }',
            'unverified = { outcome = "accept", actions = ["check_facts"] }',
        ),
        {"rules.demand-validity.unverified.actions[0]"},
        id="unknown action",
    ),
    pytest.param(
        ("refuse_at = 2", "refuse_at = 1"),
        {"rules.repeat"},
        id="refusal before warning",
    ),
    pytest.param(
        ('[rules.channel]\narticle = "art. 2"\n', "[rules.channel]\n"),
        {"rules.channel.article"},
        id="article missing",
    ),
    pytest.param(
        ('cannot_shield = ["threat"]', 'cannot_shield = ["violence"]'),
        {"rules.legitimate-complaint"},
        id="unknown category named",
    ),
    pytest.param(
        ("refund = 1.0", "refund = -1"),
        {"rules.demand-proportionality.max_ratio_to_price.refund"},
        id="negative ratio",
    ),
    pytest.param(
        ("minutes_after_final_answer = 30", 'minutes_after_final_answer = "half an hour"'),
        {"rules.time-restraint.minutes_after_final_answer"},
        id="threshold not a number",
    ),
]


@pytest.mark.parametrize(("edit", "paths"), BAD)
def test_bad_policy_files_are_rejected_with_paths(
    policy_text: str, edit: tuple[str, str], paths: set[str]
) -> None:
    old, new = edit  # no `old`: append `new`
    text = policy_text.replace(old, new, 1) if old else policy_text + new
    assert text != policy_text

    with pytest.raises(PolicyFileError) as raised:
        load_policy(text)

    assert {problem.path for problem in raised.value.problems} == paths
    for path in paths:
        assert path in str(raised.value)


def test_every_problem_is_reported_at_once(policy_text: str) -> None:
    text = policy_text.replace("refund = 1.0", "refund = 0").replace(
        "require_name = true", "require_name = 3"
    )

    with pytest.raises(PolicyFileError) as raised:
        load_policy(text)

    assert [p.path for p in raised.value.problems] == [
        "rules.scope-identity.require_name",
        "rules.demand-proportionality.max_ratio_to_price.refund",
    ]


def test_comments_and_layout_do_not_change_the_version(policy: Policy, policy_text: str) -> None:
    reformatted = "# a new comment\n\n" + policy_text.replace(
        "warn_at = 1\nrefuse_at = 2", "refuse_at   =   2   # moved\n\n\nwarn_at = 1"
    ).replace("= [", "=  [")
    assert reformatted != policy_text

    assert load_policy(reformatted).version == policy.version


def test_any_value_changes_the_version(policy: Policy, policy_text: str) -> None:
    changed = [
        policy_text.replace("minutes_after_final_answer = 30", "minutes_after_final_answer = 31"),
        policy_text.replace('"殺すぞ", ', "", 1),
        policy_text.replace('article = "art. 2"', 'article = "art. 8"'),
        policy_text.replace('ja = "受付窓口"', 'ja = "受付の窓口"'),
    ]

    versions = {load_policy(text).version for text in changed}

    assert policy.version not in versions
    assert len(versions) == len(changed)
