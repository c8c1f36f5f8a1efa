"""Evidence points at what the customer wrote: offsets into the original text of the right
field, whatever the width, script or spacing of the fragment."""

import pytest

from services.policy.domain import Policy, SubjectHistory, TextEvidence, decide
from services.policy.domain.text_folding import fold_english, fold_japanese

from .sample_facts import consultation, demand

FRAGMENTS = [
    ("まず、ＳＮＳ に 晒 す からな", "ＳＮＳ に 晒 す"),  # noqa: RUF001 - full width on purpose
    ("お前を　こ・ろ・す", "こ・ろ・す"),
    ("ﾊﾞｶ", "ﾊﾞｶ"),
    ("ｺﾛｽ、ほんとに", "ｺﾛｽ"),
    ("Listen. I WILL\n post   this ONLINE!", "post   this ONLINE"),
    ("I'll expose you,\non Twitter", "expose you"),
    ("返金しないと殺すぞ", "殺すぞ"),
]


@pytest.mark.parametrize(("body", "fragment"), FRAGMENTS)
def test_offsets_point_at_the_original_fragment(policy: Policy, body: str, fragment: str) -> None:
    decision = decide(consultation(body), SubjectHistory(), policy)

    conduct = [e for r in decision.reasons if r.rule == "conduct" for e in r.evidence]
    assert [(e.field, body[e.start : e.end]) for e in conduct if isinstance(e, TextEvidence)] == [
        ("body", fragment)
    ]


def test_each_field_is_named_and_offsets_are_its_own(policy: Policy) -> None:
    facts = consultation(
        "丁寧にお願いします。バカ",
        subject="件名: 殺すぞ",
        demand=demand("other", details="土下座しろ"),
    )

    decision = decide(facts, SubjectHistory(), policy)

    texts = {"subject": facts.subject, "body": facts.body, "details": "土下座しろ"}
    found = {
        (e.field, e.category, texts[e.field][e.start : e.end])
        for r in decision.reasons
        if r.rule == "conduct"
        for e in r.evidence
        if isinstance(e, TextEvidence)
    }
    assert found == {
        ("subject", "threat", "殺すぞ"),
        ("body", "insult", "バカ"),
        ("details", "kneeling", "土下座"),
    }


def test_japanese_folding_drops_spacing_and_maps_back() -> None:
    folded = fold_japanese("Ａ　ｺﾞﾐ・ガラス")  # noqa: RUF001 - full width on purpose

    assert folded.chars == "aごみがらす"
    assert folded.original_span(1, 3) == (2, 5)  # ｺﾞﾐ: three half-width characters


def test_english_folding_collapses_separators() -> None:
    folded = fold_english("Kill --- YOU")

    assert folded.chars == "kill you"
    assert folded.original_span(0, 8) == (0, 12)


def test_legitimate_complaint_evidence_covers_its_phrases(policy: Policy) -> None:
    body = "返金してください。納得できなければ消費者センターに相談します"

    decision = decide(consultation(body), SubjectHistory(), policy)

    (guard,) = decision.reasons
    assert [
        (e.category, body[e.start : e.end]) for e in guard.evidence if isinstance(e, TextEvidence)
    ] == [
        ("refund_exchange", "返金"),
        ("firm_complaint", "納得できなければ"),
        ("legal_step", "消費者センター"),
    ]
