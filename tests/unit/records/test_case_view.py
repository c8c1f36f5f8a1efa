"""The case read model folded from events: status, decisions, contacts, holds, privacy state."""

from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import JsonValue

from services.records.domain.case_view import project_case
from shared.envelope import Envelope

T0 = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)


def event(event_type: str, minute: int, payload: dict[str, Any] | None = None) -> Envelope:
    body: dict[str, JsonValue] = payload or {}
    return Envelope(
        type=event_type,
        schema_version=1,
        case_id="case-1",
        subject_id="subject-1",
        occurred_at=T0 + timedelta(minutes=minute),
        producer="test",
        correlation_id="corr-1",
        payload=body,
    )


def decided(event_type: str, minute: int, outcome: str, *rules: str) -> Envelope:
    reasons: list[JsonValue] = [{"rule": rule, "article": "art. 4"} for rule in rules]
    return event(
        event_type, minute, {"outcome": outcome, "reasons": reasons, "policy_version": "v1"}
    )


def test_a_new_case_is_open_with_its_channel_and_subject() -> None:
    view = project_case("case-1", [event("consultation.received", 0, {"channel": "phone"})])

    assert (view.status, view.channel, view.subject_id) == ("open", "phone", "subject-1")
    assert (view.opened_at, view.events, view.contacts) == (T0, 1, 0)


def test_decisions_carry_outcome_and_rule_ids_and_decide_the_case() -> None:
    view = project_case(
        "case-1",
        [
            event("consultation.received", 0, {"channel": "email"}),
            decided("policy.decided", 1, "restrict", "demand-proportionality", "repeat"),
        ],
    )

    assert view.status == "decided"
    [decision] = view.decisions
    assert (decision.outcome, decision.rules) == ("restrict", ("demand-proportionality", "repeat"))
    assert (decision.event_type, decision.policy_version) == ("policy.decided", "v1")


def test_an_accepted_close_closes_and_a_refused_one_does_not() -> None:
    opened = [
        event("consultation.received", 0),
        event("closure.requested", 5, {"reason": "satisfied"}),
    ]
    refused = project_case(
        "case-1", [*opened, decided("closure.decided", 6, "refuse", "termination")]
    )
    accepted = project_case("case-1", [*opened, decided("closure.decided", 6, "accept")])

    assert (refused.status, refused.closure_requested) == ("decided", "satisfied")
    assert accepted.status == "closed"


def test_contacts_final_answers_and_recordings_are_counted() -> None:
    view = project_case(
        "case-1",
        [
            event("consultation.received", 0),
            event("contact.logged", 1, {"kind": "customer_contact"}),
            event("contact.logged", 2, {"kind": "agent_response", "final_answer": True}),
            event("recording.attached", 3, {"uri": {"enc": "v1"}}),
        ],
    )

    assert (view.contacts, view.recordings, view.final_answer_given) == (2, 1, True)


def test_holds_are_kept_until_released_and_privacy_state_is_shown() -> None:
    view = project_case(
        "case-1",
        [
            event("consultation.received", 0),
            event("hold.placed", 1, {"hold_id": "h-1", "matter": "M-2025-7"}),
            event("hold.placed", 2, {"hold_id": "h-2", "matter": "M-2025-8"}),
            event("hold.released", 3, {"hold_id": "h-1"}),
            event("case.anonymized", 4),
            event("subject.erased", 5),
            event("access.recorded", 6, {"actor": "legal-1"}),
        ],
    )

    assert list(view.holds) == ["h-2"]
    assert view.holds["h-2"].matter == "M-2025-8"
    assert (view.anonymized, view.erased, view.accesses) == (True, True, 1)


def test_malformed_payloads_of_known_types_do_not_break_the_view() -> None:
    view = project_case(
        "case-1",
        [
            event("consultation.received", 0, {"channel": 7, "call": "yes"}),
            event("policy.decided", 1, {"reasons": "none"}),
            event("hold.released", 2),
        ],
    )

    assert (view.channel, view.status) == (None, "decided")
    assert view.decisions[0].outcome == "unknown"
    assert view.decisions[0].rules == ()


def test_a_decision_of_a_version_no_contract_declares_is_counted_but_not_folded() -> None:
    future = decided("closure.decided", 1, "accept").model_copy(update={"schema_version": 99})

    view = project_case("case-1", [event("consultation.received", 0), future])

    assert (view.events, view.status, view.decisions) == (2, "open", [])


def test_an_older_declared_version_counts_and_one_no_contract_declares_adds_no_meaning() -> None:
    older = event("case.anonymized", 1)  # v1: declared (its payload is not read)
    future = event("subject.erased", 2).model_copy(update={"schema_version": 99})

    view = project_case("case-1", [event("consultation.received", 0), older, future])

    assert (view.events, view.anonymized, view.erased) == (3, True, False)
