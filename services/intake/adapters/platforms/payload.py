"""What every platform adapter reads: the request's headers (case-insensitive, failing closed,
a freshness window) and fields of its JSON by path; every failure names the header or the path,
never the value."""

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from services.intake.adapters.platforms.errors import (
    PlatformPayloadError,
    WebhookAuthenticationError,
)

Path = tuple[str | int, ...]

MISSING = "required but missing or empty"
# As shared/web/limits.py's MAX_JSON_DEPTH: deeper, recursive copies and parsers could fail.
MAX_DEPTH = 64


def json_object(body: bytes) -> dict[str, Any]:
    """The body as a JSON object nesting at most MAX_DEPTH levels; PlatformPayloadError else.

    A parser that gives up (too deep for it) is a refusal like bad syntax, never an error
    that escapes: signed payloads reach this after authentication, unsigned ones on Kafka.
    """
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise PlatformPayloadError("body", "not valid JSON") from None
    if not isinstance(document, dict):
        raise PlatformPayloadError("body", "a JSON object is expected")
    if _deeper_than(document, MAX_DEPTH):
        raise PlatformPayloadError("body", f"nests deeper than {MAX_DEPTH} levels")
    return document


def _deeper_than(document: object, limit: int) -> bool:
    # Iterative, so the check itself cannot run out of stack.
    pending: list[tuple[object, int]] = [(document, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict):
            value = list(value.values())
        if isinstance(value, list):
            if depth > limit:
                return True
            pending.extend((child, depth + 1) for child in value)
    return False


def dotted(path: Path) -> str:
    """`("data", "item", "parts", 0)` as `data.item.parts[0]`, the form errors and docs use."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text or "(payload)"


def value_at(payload: Mapping[str, Any], path: Path) -> Any:
    """The value at `path`, or None when a step is missing or null."""
    current: Any = payload
    for depth, part in enumerate(path):
        if current is None:
            return None
        if isinstance(part, int):
            if not isinstance(current, list):
                raise PlatformPayloadError(dotted(path[:depth]), "expected a list")
            current = current[part] if -len(current) <= part < len(current) else None
        else:
            if not isinstance(current, Mapping):
                raise PlatformPayloadError(dotted(path[:depth]), "expected an object")
            current = current.get(part)
    return current


def optional_text(payload: Mapping[str, Any], path: Path) -> str | None:
    """A string (or an integer id) with surrounding blanks removed; None when absent or blank."""
    value = value_at(payload, path)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise PlatformPayloadError(dotted(path), "expected a string")
    return str(value).strip() or None


def text(payload: Mapping[str, Any], path: Path) -> str:
    value = optional_text(payload, path)
    if value is None:
        raise PlatformPayloadError(dotted(path), MISSING)
    return value


def mapping(payload: Mapping[str, Any], path: Path) -> Mapping[str, Any]:
    value = value_at(payload, path)
    if value is None:
        raise PlatformPayloadError(dotted(path), MISSING)
    if not isinstance(value, Mapping):
        raise PlatformPayloadError(dotted(path), "expected an object")
    return value


def items(payload: Mapping[str, Any], path: Path) -> Sequence[Any]:
    value = value_at(payload, path)
    if not isinstance(value, list) or not value:
        raise PlatformPayloadError(dotted(path), "expected a non-empty list")
    return value


def flag(payload: Mapping[str, Any], path: Path) -> bool:
    value = value_at(payload, path)
    if not isinstance(value, bool):
        raise PlatformPayloadError(dotted(path), "required: true or false")
    return value


def timestamp(payload: Mapping[str, Any], path: Path, also: Sequence[str] = ()) -> datetime:
    """An ISO 8601 date-time with a UTC offset (`Z` allowed), or in one of the `also` formats."""
    raw = text(payload, path)
    parsed = _parsed(raw, also)
    if parsed is None:
        raise PlatformPayloadError(dotted(path), "expected an ISO 8601 date-time")
    if parsed.utcoffset() is None:
        raise PlatformPayloadError(dotted(path), "date-time has no UTC offset")
    return parsed


def epoch(payload: Mapping[str, Any], path: Path, unit: Literal["s", "ms"] = "s") -> datetime:
    """A UNIX time in seconds or milliseconds, as an aware UTC datetime."""
    value = value_at(payload, path)
    what = "seconds" if unit == "s" else "milliseconds"
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PlatformPayloadError(dotted(path), f"expected a UNIX time in {what}")
    seconds = value / 1000 if unit == "ms" else value
    if not 0 <= seconds < 253402300800:  # up to 9999-12-31, what datetime can hold
        raise PlatformPayloadError(dotted(path), f"UNIX time in {what} out of range")
    return datetime.fromtimestamp(seconds, tz=UTC)


def _parsed(raw: str, formats: Sequence[str]) -> datetime | None:
    # ValueError messages quote the input, so they are swallowed here and never chained.
    try:
        return datetime.fromisoformat(raw)
    except ValueError:
        pass
    for layout in formats:
        try:
            return datetime.strptime(raw, layout)
        except ValueError:
            continue
    return None


def header(headers: Mapping[str, str], name: str) -> str:
    """The value of header `name`, whatever its case; a missing or blank header fails."""
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted and value.strip():
            return value.strip()
    raise WebhookAuthenticationError(f"missing header {name}")


def secret_key(secret: str) -> bytes:
    """The configured secret as key bytes; an empty one lets anyone sign, so it fails closed."""
    if not secret:
        raise WebhookAuthenticationError("no webhook secret is configured")
    return secret.encode("utf-8")


def require_fresh(sent_at: datetime, now: datetime, window: timedelta) -> None:
    """Bounds replays: the signed time must be within `window` of `now`, either way."""
    if now - sent_at > window:
        raise WebhookAuthenticationError("stale timestamp")
    if sent_at - now > window:
        raise WebhookAuthenticationError("timestamp is in the future")
