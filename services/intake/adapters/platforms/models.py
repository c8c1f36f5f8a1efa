"""Building intake's models from mapped platform fields, their text made fit for intake (HTML to
plain text, a subject when there is none); a rejected value is named by its path."""

from collections.abc import Mapping
from datetime import datetime
from html.parser import HTMLParser
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from services.intake.adapters.platforms.errors import PlatformPayloadError
from services.intake.adapters.platforms.payload import Path, dotted, text
from services.intake.domain.consultation import MAX_BODY_BYTES, Channel, Consultation
from services.intake.domain.contacts import ContactKind, PlatformFollowUp

M = TypeVar("M", bound=BaseModel)

# Messages of custom validators are written elsewhere and could one day quote the input.
_OPAQUE_ERRORS = frozenset({"value_error", "assertion_error"})


def consultation(
    *,
    paths: Mapping[str, str],
    platform: str,
    external_id: str,
    channel: Channel,
    received_at: datetime,
    customer: Mapping[str, Any],
    subject: str | None,
    body: str,
) -> Consultation:
    """A Consultation; `paths` maps model fields (`customer.email`) to the payload's paths."""
    if len(body.encode()) > MAX_BODY_BYTES:
        # The model refuses this too, but in a model-wide validator that cannot name the field.
        reason = f"longer than {MAX_BODY_BYTES} bytes of UTF-8"
        raise PlatformPayloadError(paths.get("body", "body"), reason)
    data = {
        "source": {"platform": platform, "external_id": external_id},
        "channel": channel,
        "received_at": received_at,
        "customer": {name: value for name, value in customer.items() if value is not None},
        "subject": subject_from(subject, body),
        "body": body,
    }
    return validated(Consultation, data, paths)


def follow_up(
    *,
    paths: Mapping[str, str],
    platform: str,
    ticket_id: str,
    contact_id: str,
    kind: ContactKind,
    channel: Channel,
    occurred_at: datetime,
    body: str,
) -> PlatformFollowUp:
    """A PlatformFollowUp; Contact.source is the platform's comment id, so a retry is a repeat."""
    contact = {
        "kind": kind,
        "channel": channel,
        "occurred_at": occurred_at,
        "body": body,
        "source": {"platform": platform, "external_id": contact_id},
    }
    data = {"platform": platform, "ticket_id": ticket_id, "contact": contact}
    return validated(PlatformFollowUp, data, paths)


def validated(model: type[M], data: Mapping[str, Any], paths: Mapping[str, str]) -> M:
    """`model` built from `data`, or a PlatformPayloadError naming the first rejected field."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problem = error.errors(include_url=False, include_input=False, include_context=False)[0]
    # Raised outside the handler so the ValidationError, which quotes inputs, is not chained.
    location = ".".join(str(part) for part in problem["loc"]) or f"({model.__name__})"
    opaque = problem["type"] in _OPAQUE_ERRORS
    reason = "rejected by caselog's validation" if opaque else problem["msg"]
    raise PlatformPayloadError(paths.get(location, location), reason)


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
