"""What caselog writes back to a platform ticket once policy decided: an internal note and tags.

The note carries only policy's own words (outcome, rule ids, article titles, what each action
asks) and a link to the case in the console, never anything from the ticket or the customer:
the platform already has the ticket, and a note is read by every agent who opens it.
"""

from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import quote

from shared.contracts.policy import Decision, Outcome


class NoteLanguage(StrEnum):
    EN = "en"
    JA = "ja"

    @classmethod
    def of_ticket(cls, language: str | None) -> "NoteLanguage":
        """Japanese for a ticket in `ja` (any region), English otherwise or when unknown."""
        return cls.JA if (language or "").lower().split("-")[0] == "ja" else cls.EN


_HEADINGS = {
    NoteLanguage.EN: ("caselog decision", "Reasons", "Actions", "Case"),
    NoteLanguage.JA: ("caselog の判定", "理由", "対応", "ケース"),
}
_OUTCOMES = {
    NoteLanguage.EN: {
        Outcome.ACCEPT: "accept",
        Outcome.RESTRICT: "restrict",
        Outcome.REFUSE: "refuse",
        Outcome.ESCALATE: "escalate",
    },
    NoteLanguage.JA: {
        Outcome.ACCEPT: "受付 (accept)",
        Outcome.RESTRICT: "制限 (restrict)",
        Outcome.REFUSE: "拒否 (refuse)",
        Outcome.ESCALATE: "エスカレーション (escalate)",
    },
}
TAG_PREFIX = "caselog_"


@dataclass(frozen=True, slots=True)
class WriteBackNote:
    """The note's plain text (platforms render it as the agent-only comment) and its tags."""

    body: str
    tags: tuple[str, ...]


def case_link(console_url: str, case_id: str) -> str:
    return f"{console_url.rstrip('/')}/cases/{quote(case_id, safe='')}"


def compose_note(
    decision: Decision, language: NoteLanguage, console_url: str, case_id: str
) -> WriteBackNote:
    """The note in `language`: outcome, each reason's rule and article titles, each action
    with what it asks (policy's instruction text when the version states one)."""
    title, reasons_heading, actions_heading, case_heading = _HEADINGS[language]
    lines = [f"{title}: {_OUTCOMES[language][decision.outcome]}", "", f"{reasons_heading}:"]
    for reason in decision.reasons:
        titles = [
            f"{item.article} {item.ja if language is NoteLanguage.JA else item.en}"
            for item in reason.article_titles
        ] or [reason.article]
        lines.append(f"- {reason.rule.value} ({reason.outcome.value}): {'; '.join(titles)}")
    instructions = {item.action: item for item in decision.instructions}
    if decision.actions:
        lines += ["", f"{actions_heading}:"]
    for action in decision.actions:
        instruction = instructions.get(action)
        said = (
            ""
            if instruction is None
            else (instruction.ja if language is NoteLanguage.JA else instruction.en)
        )
        lines.append(f"- {action.value}" + (f": {said}" if said else ""))
    lines += ["", f"{case_heading}: {case_link(console_url, case_id)}"]
    lines.append(f"policy {decision.policy_version}")
    return WriteBackNote("\n".join(lines), (f"{TAG_PREFIX}{decision.outcome.value}",))
