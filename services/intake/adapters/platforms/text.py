"""Platforms' message text made fit for intake: HTML to plain text, a subject when there is none."""

from collections.abc import Mapping
from html.parser import HTMLParser
from typing import Any

from services.intake.adapters.platforms.errors import PlatformPayloadError
from services.intake.adapters.platforms.payload import Path, dotted, text

SUBJECT_LIMIT = 500  # Consultation.subject's max_length
EXCERPT_LIMIT = 80
_BREAKS = frozenset(
    {"br", "p", "div", "li", "tr", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6"}
)
_HIDDEN = frozenset({"script", "style", "head"})


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self._hidden += 1
        if tag in _BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN and self._hidden:
            self._hidden -= 1
        if tag in _BREAKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def plain_text(html: str) -> str:
    """The readable text of `html`: tags dropped, entities decoded, one line per block."""
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    lines = (line.strip() for line in "".join(collector.parts).splitlines())
    return "\n".join(line for line in lines if line)


def html_text(payload: Mapping[str, Any], path: Path) -> str:
    """The plain text of the HTML at `path`; an error when nothing readable is left."""
    readable = plain_text(text(payload, path))
    if not readable:
        raise PlatformPayloadError(dotted(path), "no text left once HTML is removed")
    return readable


def subject_from(subject: str | None, body: str) -> str:
    """The subject, or the body's first line when the platform has none (chats seldom do).

    Long values are cut rather than refused: a subject only helps people find the case.
    """
    first_line = next((line.strip() for line in body.splitlines() if line.strip()), "")
    chosen, limit = (subject, SUBJECT_LIMIT) if subject else (first_line, EXCERPT_LIMIT)
    return chosen if len(chosen) <= limit else chosen[: limit - 1] + "…"
