"""What every webhook check shares: case-insensitive headers, failing closed, a freshness window."""

from collections.abc import Mapping
from datetime import datetime, timedelta

from services.intake.adapters.platforms.errors import WebhookAuthenticationError


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
