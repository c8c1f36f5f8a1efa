"""The case page's parts from records' answers: the thread, the decisions, the timeline.

Pure: it reads the JSON of records' case and timeline routes (no personal data unless the
timeline was revealed) and never calls anything.
"""

from dataclasses import dataclass
from typing import Any

THREAD_TYPES = ("consultation.received", "contact.logged")
DECIDED_SUFFIX = ".decided"  # records' vocabulary: every "*.decided" is a decision


@dataclass(frozen=True)
class Segment:
    """A stretch of text; `evidence` marks what a rule fired on (highlighted)."""

    text: str
    evidence: bool = False


@dataclass(frozen=True)
class Text:
    """A personal field: its segments when readable, else why not (`encrypted`/`erased`)."""

    segments: tuple[Segment, ...] = ()
    hidden: str | None = None


@dataclass(frozen=True)
class ThreadEntry:
    event_id: str
    kind: str  # consultation.received, or the contact's kind (customer, agent_response, ...)
    channel: str | None
    occurred_at: str
    recorded_at: str
    subject: Text | None
    body: Text
    final_answer: bool


@dataclass(frozen=True)
class Worded:
    """A text of the policy version in both languages: an article's title, an action's
    instruction to the agent, a reason's note (`key`: the article or action it belongs to)."""

    key: str
    en: str
    ja: str

    def text(self, language: str) -> str:
        return self.ja if language == "ja" and self.ja else self.en


@dataclass(frozen=True)
class Reason:
    rule: str
    article: str | None
    outcome: str | None
    note: Worded | None
    evidence: tuple[str, ...]
    actions: tuple[str, ...]
    # Empty for decisions of policy versions stated before articles had titles.
    article_titles: tuple[Worded, ...] = ()


@dataclass(frozen=True)
class Decision:
    event_id: str
    type: str
    outcome: str
    occurred_at: str
    recorded_at: str
    policy_version: str | None
    reasons: tuple[Reason, ...]
    actions: tuple[str, ...]
    instructions: tuple[Worded, ...] = ()  # what each action asks of the agent


@dataclass(frozen=True)
class TimelineRow:
    event_id: str
    type: str
    producer: str
    position: int
    occurred_at: str
    recorded_at: str
    revealed_fields: tuple[str, ...]
    unreadable: bool


@dataclass(frozen=True)
class Moment:
    """A choice of the as-of control: the case as recorded just after this event."""

    recorded_at: str
    type: str


@dataclass(frozen=True)
class CasePage:
    case: dict[str, Any]
    thread: tuple[ThreadEntry, ...]
    decisions: tuple[Decision, ...]
    timeline: tuple[TimelineRow, ...]
    moments: tuple[Moment, ...]
    revealed: bool
    access_event_id: str | None
    total_events: int = 0  # in the window, when `timeline` holds only the latest of them

    @property
    def shows_latest_only(self) -> bool:
        return self.total_events > len(self.timeline)


def build_case_page(
    case: dict[str, Any], timeline: dict[str, Any], full_timeline: dict[str, Any]
) -> CasePage:
    """`timeline` is the case at the chosen moment; `full_timeline` gives the moments to
    choose from (every event recorded so far), so the control can also move forward."""
    events: list[dict[str, Any]] = timeline["events"]
    evidence = _evidence_by_event(events)
    return CasePage(
        case=case,
        thread=tuple(
            _thread_entry(event, evidence) for event in events if event["type"] in THREAD_TYPES
        ),
        decisions=tuple(_decision(event) for event in events if is_decision(event)),
        timeline=tuple(_row(event) for event in events),
        moments=tuple(
            Moment(recorded_at=event["recorded_at"], type=event["type"])
            for event in sorted(full_timeline["events"], key=lambda e: e["recorded_at"])
        ),
        revealed=bool(timeline.get("revealed")),
        access_event_id=timeline.get("access_event_id"),
        total_events=int(timeline.get("total_events", len(events))),
    )


def is_decision(event: dict[str, Any]) -> bool:
    """What the page shows as a decision, and what the pending-decision poll counts: the two
    must agree, or a page waiting for "one more" would wait for ever."""
    return str(event["type"]).endswith(DECIDED_SUFFIX)


def highlight(text: str, spans: list[tuple[int, int]]) -> tuple[Segment, ...]:
    """`text` cut at the evidence spans (start, end offsets into it); overlapping spans merge."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted((max(0, s), min(e, len(text))) for s, e in spans):
        if start >= end:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    segments: list[Segment] = []
    cursor = 0
    for start, end in merged:
        if start > cursor:
            segments.append(Segment(text[cursor:start]))
        segments.append(Segment(text[start:end], evidence=True))
        cursor = end
    if cursor < len(text) or not segments:
        segments.append(Segment(text[cursor:]))
    return tuple(segments)


def _evidence_by_event(
    events: list[dict[str, Any]],
) -> dict[tuple[str, str], list[tuple[int, int]]]:
    """Text evidence spans per (field, term) — decisions cite offsets into the decided text,
    and every decision of a case decides its thread, so a span is checked against the text
    it is drawn on (the term must be there) before it is highlighted."""
    spans: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for event in events:
        if not is_decision(event):
            continue
        for reason in event["payload"].get("reasons") or []:
            for item in reason.get("evidence") or []:
                if item.get("kind") == "text" and isinstance(item.get("start"), int):
                    key = (str(item.get("field")), str(item.get("term")))
                    spans.setdefault(key, []).append((item["start"], item["end"]))
    return spans


def _text(
    value: Any, field: str, unreadable: bool, evidence: dict[tuple[str, str], list[tuple[int, int]]]
) -> Text:
    if unreadable:
        return Text(hidden="erased")
    if not isinstance(value, str):
        return Text(hidden="encrypted")  # a ciphertext object: not revealed
    spans = [
        (start, end)
        for (span_field, term), found in evidence.items()
        if span_field == field
        for start, end in found
        if value[start:end] == term
    ]
    return Text(segments=highlight(value, spans))


def _thread_entry(
    event: dict[str, Any], evidence: dict[tuple[str, str], list[tuple[int, int]]]
) -> ThreadEntry:
    payload = event["payload"]
    unreadable = bool(event.get("unreadable"))
    consultation = event["type"] == "consultation.received"
    return ThreadEntry(
        event_id=event["event_id"],
        kind=event["type"] if consultation else str(payload.get("kind") or "contact"),
        channel=payload.get("channel") if isinstance(payload.get("channel"), str) else None,
        occurred_at=event["occurred_at"],
        recorded_at=event["recorded_at"],
        subject=_text(payload.get("subject"), "subject", unreadable, evidence)
        if consultation
        else None,
        body=_text(payload.get("body"), "body", unreadable, evidence),
        final_answer=bool(payload.get("final_answer")),
    )


def _decision(event: dict[str, Any]) -> Decision:
    payload = event["payload"]
    return Decision(
        event_id=event["event_id"],
        type=event["type"],
        outcome=str(payload.get("outcome")),
        occurred_at=event["occurred_at"],
        recorded_at=event["recorded_at"],
        policy_version=payload.get("policy_version"),
        reasons=tuple(
            Reason(
                rule=str(reason.get("rule")),
                article=reason.get("article"),
                outcome=reason.get("outcome"),
                note=_note(reason),
                evidence=tuple(_evidence_text(item) for item in reason.get("evidence") or []),
                actions=tuple(reason.get("actions") or ()),
                article_titles=_worded(reason.get("article_titles"), "article"),
            )
            for reason in payload.get("reasons") or []
        ),
        actions=tuple(payload.get("actions") or ()),
        instructions=_worded(payload.get("instructions"), "action"),
    )


def _note(reason: dict[str, Any]) -> Worded | None:
    english = reason.get("note") or ""
    if not english:
        return None
    return Worded(str(reason.get("rule")), str(english), str(reason.get("note_ja") or ""))


def _worded(items: list[dict[str, Any]] | None, key: str) -> tuple[Worded, ...]:
    return tuple(
        Worded(str(item.get(key)), str(item.get("en", "")), str(item.get("ja", "")))
        for item in items or []
    )


def _evidence_text(item: dict[str, Any]) -> str:
    """Evidence as a decision states it: the fragment found, or a fact and its value. Both
    are content-class at most (policy never reads identity), shown only to reading roles."""
    if item.get("kind") == "fact":
        return f"{item.get('fact')} = {item.get('value')}"
    return f"「{item.get('term')}」 ({item.get('field')}, {item.get('category')})"


def _row(event: dict[str, Any]) -> TimelineRow:
    return TimelineRow(
        event_id=event["event_id"],
        type=event["type"],
        producer=event["producer"],
        position=int(event["position"]),
        occurred_at=event["occurred_at"],
        recorded_at=event["recorded_at"],
        revealed_fields=tuple(event.get("revealed_fields") or ()),
        unreadable=bool(event.get("unreadable")),
    )
