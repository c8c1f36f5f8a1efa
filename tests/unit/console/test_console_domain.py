"""The console's pure parts: language choice, evidence highlighting, the case page's parts."""

from typing import Any

from services.console.domain.access_trail import access_trail
from services.console.domain.case_page import Segment, build_case_page, highlight
from services.console.domain.language import negotiate
from services.console.domain.messages import MESSAGES
from services.console.domain.session import roles_in_claims
from shared.auth.roles import Role


def test_the_switch_wins_over_accept_language() -> None:
    assert negotiate("en", "ja-JP,ja;q=0.9") == "en"


def test_accept_language_picks_the_best_weighted_known_language() -> None:
    assert negotiate(None, "fr-FR, en;q=0.4, ja;q=0.8") == "ja"
    assert negotiate(None, "ja;q=0.2, en-GB;q=0.9") == "en"


def test_unknown_or_missing_languages_fall_back_to_english() -> None:
    assert negotiate("xx", "fr, de;q=0.5") == "en"
    assert negotiate(None, None) == "en"
    assert negotiate(None, "ja;q=oops") == "en"


def test_every_text_exists_in_both_languages() -> None:
    assert [key for key, (en, ja) in MESSAGES.items() if not en.strip() or not ja.strip()] == []


def test_highlight_marks_spans_and_merges_overlaps() -> None:
    assert highlight("abcdef", [(1, 3), (2, 4)]) == (
        Segment("a"),
        Segment("bcd", evidence=True),
        Segment("ef"),
    )
    assert highlight("", []) == (Segment(""),)


def consultation(body: Any) -> dict[str, Any]:
    return {
        "event_id": "e1",
        "type": "consultation.received",
        "producer": "intake",
        "position": 0,
        "occurred_at": "2026-11-02T01:00:00Z",
        "recorded_at": "2026-11-02T01:00:01Z",
        "payload": {"subject": {"enc": "v1"}, "body": body, "channel": "phone"},
        "revealed_fields": [],
    }


def decided(start: int, end: int, term: str) -> dict[str, Any]:
    evidence = {"kind": "text", "field": "body", "start": start, "end": end, "term": term}
    return {
        "event_id": "e2",
        "type": "policy.decided",
        "producer": "policy",
        "position": 1,
        "occurred_at": "2026-11-02T01:00:02Z",
        "recorded_at": "2026-11-02T01:00:03Z",
        "payload": {
            "outcome": "escalate",
            "reasons": [{"rule": "conduct", "article": "art. 4", "evidence": [evidence]}],
        },
    }


def page_of(*events: dict[str, Any]) -> Any:
    timeline = {"events": list(events), "revealed": False, "access_event_id": None}
    return build_case_page({"case_id": "c"}, timeline, timeline)


def test_ciphertext_is_shown_as_encrypted_never_as_its_json() -> None:
    page = page_of(consultation({"enc": "v1", "ct": "xyz"}), decided(0, 3, "殺すぞ"))

    (entry,) = page.thread
    assert entry.body.hidden == "encrypted"
    assert entry.body.segments == ()
    assert entry.subject is not None
    assert entry.subject.hidden == "encrypted"
    (decision,) = page.decisions
    assert decision.outcome == "escalate"
    assert decision.reasons[0].article == "art. 4"


def test_evidence_is_highlighted_only_where_its_term_is() -> None:
    found = page_of(consultation("返金しないと殺すぞ。"), decided(6, 9, "殺すぞ"))
    moved = page_of(consultation("返金しないと殺すぞ。"), decided(0, 3, "殺すぞ"))

    assert [s.text for s in found.thread[0].body.segments if s.evidence] == ["殺すぞ"]
    assert [s for s in moved.thread[0].body.segments if s.evidence] == []


def test_moments_come_from_the_full_timeline_in_recorded_order() -> None:
    full = {"events": [decided(0, 0, ""), consultation("x")]}
    at_first = {"events": [consultation("x")], "revealed": False}

    page = build_case_page({"case_id": "c"}, at_first, full)

    assert [m.type for m in page.moments] == ["consultation.received", "policy.decided"]
    assert page.decisions == ()


def test_a_local_as_of_is_read_with_the_browsers_offset() -> None:
    from datetime import UTC, datetime

    from services.console.entrypoints.pages import _moment

    # Tokyo: getTimezoneOffset() is -540, so 10:00 there is 01:00 UTC.
    assert _moment(None, "2026-11-02T10:00", "-540") == datetime(2026, 11, 2, 1, tzinfo=UTC)
    assert _moment(None, "2026-11-02T10:00:30", None) == datetime(
        2026, 11, 2, 10, 0, 30, tzinfo=UTC
    )
    assert _moment("2026-11-02T01:00:00Z", "2026-11-02T10:00", "-540") == datetime(
        2026, 11, 2, 1, tzinfo=UTC
    )


def test_roles_come_from_the_configured_claim_and_unknown_ones_are_ignored() -> None:
    claims = {
        "roles": ["legal", "no-such-role", {"nested": "x"}, "legal"],
        "realm_access": {"roles": ["agent"]},
        "group": "privacy_officer",
    }
    assert roles_in_claims(claims, "roles") == (Role.LEGAL,)
    assert roles_in_claims(claims, "realm_access.roles") == (Role.AGENT,)
    assert roles_in_claims(claims, "group") == (Role.PRIVACY_OFFICER,)
    assert roles_in_claims(claims, "missing.roles") == ()
    assert roles_in_claims({"roles": "no-such-role"}, "roles") == ()


def test_the_access_trail_lists_each_reveal_newest_first_with_fields_not_values() -> None:
    def access(event_id: str, recorded_at: str, **payload: Any) -> dict[str, Any]:
        return {
            "event_id": event_id,
            "type": "access.recorded",
            "recorded_at": recorded_at,
            "payload": payload,
        }

    events = [
        {
            "event_id": "e1",
            "type": "consultation.received",
            "recorded_at": "2026-11-02T01:00:00Z",
            "payload": {},
        },
        access(
            "a1",
            "2026-11-03T01:00:00Z",
            actor="legal-1",
            role="legal",
            purpose="LIT-7",
            view="timeline",
            revealed=[{"event_id": "e1", "fields": ["customer.name", "body"]}],
        ),
        access(
            "a2",
            "2026-11-04T01:00:00Z",
            actor="officer-2",
            role="privacy_officer",
            matter="DSAR-9",
            view="bundle",
            revealed=[],
        ),
    ]

    first, second = access_trail(events)

    assert (first.event_id, first.actor, first.matter, first.view) == (
        "a2",
        "officer-2",
        "DSAR-9",
        "bundle",
    )
    assert (second.purpose, second.fields, second.events_revealed) == (
        "LIT-7",
        ("body", "customer.name"),
        1,
    )
    assert access_trail(events[:1]) == ()


def test_a_subject_search_that_found_the_case_is_on_its_trail_without_the_identity() -> None:
    searched = {
        "event_id": "s1",
        "type": "subject.searched",
        "recorded_at": "2026-11-04T01:00:00Z",
        "payload": {
            "search_id": "search-1",
            "subject_ids": ["subject-9"],
            "actor": "legal-1",
            "roles": ["legal"],
            "purpose": "Matter 12",
            "matter": "2026-(wa)-1",
            "searched_at": "2026-11-04T01:00:00Z",
            "case_ids": ["case-1", "case-2"],
        },
    }

    [entry] = access_trail([searched])

    assert (entry.actor, entry.role, entry.purpose, entry.matter) == (
        "legal-1",
        "legal",
        "Matter 12",
        "2026-(wa)-1",
    )
    assert (entry.view, entry.cases_found, entry.fields) == ("subject_search", 2, ())
