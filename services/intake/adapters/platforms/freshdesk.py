"""Freshdesk automation webhooks: shared secret or Basic credentials, and our JSON document."""

import base64
import binascii
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.intake.adapters.platforms import models
from services.intake.adapters.platforms.errors import (
    UnsupportedPlatformEvent,
    WebhookAuthenticationError,
)
from services.intake.adapters.platforms.fields import UNCONFIGURED, PlatformFields
from services.intake.adapters.platforms.models import html_text
from services.intake.adapters.platforms.payload import (
    header,
    optional_text,
    secret_key,
    text,
    timestamp,
    value_at,
)
from services.intake.domain.consultation import Channel, Consultation

PLATFORM = "freshdesk"
SECRET_HEADER = "X-Caselog-Webhook-Secret"  # noqa: S105 - a header name, not a secret
TICKET_CREATED = "ticket.created"
# Rails renders times this way when a placeholder is not ISO 8601: `2024-03-05 10:32:00 +0900`.
RAILS_TIME = "%Y-%m-%d %H:%M:%S %z"

# Freshdesk API v2 source codes, then the source names its placeholders and UI show.
_SOURCE_CODES = {
    1: "email", 2: "portal", 3: "phone", 7: "chat", 9: "feedback widget", 10: "outbound email"
}  # fmt: skip
_CHANNELS = {
    **dict.fromkeys(("email", "outbound email"), Channel.EMAIL),
    **dict.fromkeys(("portal", "feedback widget"), Channel.WEB_FORM),
    "phone": Channel.PHONE,
    "chat": Channel.CHAT,
    **dict.fromkeys(("twitter", "facebook", "instagram", "whatsapp", "line"), Channel.SNS),
}

_PATHS = {
    "source.external_id": "ticket.id",
    "received_at": "ticket.created_at",
    "customer.name": "contact.name",
    "customer.email": "contact.email",
    "customer.phone": "contact.phone",
    "subject": "ticket.subject",
    "body": "ticket.description",
}


@dataclass(frozen=True, slots=True)
class SharedSecretHeader:
    """CASELOG_FRESHDESK_WEBHOOK_SECRET, sent by the rule as a custom header."""

    secret: str = field(repr=False)
    header: str = SECRET_HEADER


@dataclass(frozen=True, slots=True)
class BasicAuth:
    """CASELOG_FRESHDESK_BASIC_AUTH (`username:password`), the rule's "Requires authentication"."""

    username: str
    password: str = field(repr=False)

    @classmethod
    def from_setting(cls, value: str) -> "BasicAuth":
        username, _, password = value.partition(":")
        return cls(username, password)


FreshdeskSecret = SharedSecretHeader | BasicAuth


def verify(headers: Mapping[str, str], body: bytes, secret: FreshdeskSecret, now: datetime) -> None:
    """The configured credential, compared in constant time; Freshdesk signs nothing else."""
    del body, now  # same signature as the signing platforms, so the entry point treats all alike
    if isinstance(secret, SharedSecretHeader):
        expected = secret_key(secret.secret)
        given = header(headers, secret.header).encode("utf-8")
    else:
        if not secret.username or not secret.password:
            raise WebhookAuthenticationError("no webhook secret is configured")
        expected = f"{secret.username}:{secret.password}".encode()
        given = _basic_credentials(header(headers, "Authorization"))
    if not hmac.compare_digest(expected, given):
        raise WebhookAuthenticationError("bad credentials")


def normalize(payload: Mapping[str, Any], fields: PlatformFields = UNCONFIGURED) -> Consultation:
    """The document of docs/webhooks.md, sent by a "Ticket creation" automation rule."""
    if text(payload, ("event",)) != TICKET_CREATED:
        raise UnsupportedPlatformEvent("event", f"supported: {TICKET_CREATED}")
    contact = ("contact",)
    # The rule's document puts the custom field beside the ticket's own (docs/webhooks.md).
    relationship_field = fields.relationship_field or "relationship"
    return models.consultation(
        paths=_PATHS,
        platform=PLATFORM,
        external_id=text(payload, ("ticket", "id")),
        channel=_channel(payload),
        received_at=timestamp(payload, ("ticket", "created_at"), also=(RAILS_TIME,)),
        customer={
            "name": text(payload, (*contact, "name")),
            "email": optional_text(payload, (*contact, "email")),
            "phone": optional_text(payload, (*contact, "phone"))
            or optional_text(payload, (*contact, "mobile")),
            "relationship": fields.relationship.of(
                value_at(payload, ("ticket", relationship_field)),
                f"ticket.{relationship_field}",
            ),
        },
        subject=optional_text(payload, ("ticket", "subject")),
        body=html_text(payload, ("ticket", "description")),
    )


def _channel(payload: Mapping[str, Any]) -> Channel:
    source = value_at(payload, ("ticket", "source"))
    raw = "" if source is None else " ".join(str(source).lower().split())
    name = _SOURCE_CODES.get(int(raw), "") if raw.isdecimal() else raw
    return _CHANNELS.get(name, Channel.OTHER)


def _basic_credentials(authorization: str) -> bytes:
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "basic":
        raise WebhookAuthenticationError("Authorization header is not Basic")
    # The decoder's message could echo the credentials: it is dropped, not chained.
    try:
        return base64.b64decode(token.strip(), validate=True)
    except binascii.Error:
        pass
    raise WebhookAuthenticationError("malformed Authorization header")
