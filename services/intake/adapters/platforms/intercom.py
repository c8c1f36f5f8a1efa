"""Intercom conversation notifications: the X-Hub-Signature check, new conversations and replies."""

import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from services.intake.adapters.platforms import models
from services.intake.adapters.platforms.errors import (
    PlatformPayloadError,
    UnsupportedPlatformEvent,
    WebhookAuthenticationError,
)
from services.intake.adapters.platforms.fields import UNCONFIGURED, PlatformFields
from services.intake.adapters.platforms.models import html_text, plain_text
from services.intake.adapters.platforms.payload import (
    dotted,
    epoch,
    header,
    items,
    optional_text,
    secret_key,
    text,
    value_at,
)
from services.intake.domain.consultation import Channel, Consultation
from services.intake.domain.contacts import (
    ClosureRequest,
    ContactKind,
    PlatformClosure,
    PlatformFollowUp,
)

PLATFORM = "intercom"
SIGNATURE_HEADER = "X-Hub-Signature"
USER_CREATED = "conversation.user.created"
# An admin closing the conversation asks caselog to close the case; reopening it is a follow-up.
CLOSED = "conversation.admin.closed"
REOPENED = "conversation.admin.opened"
REPLIES = {
    "conversation.user.replied": ContactKind.CUSTOMER_CONTACT,
    "conversation.admin.replied": ContactKind.AGENT_RESPONSE,
}
ITEM = ("data", "item")
PARTS = (*ITEM, "conversation_parts", "conversation_parts")

# Intercom's conversation source types; a conversation started in the Messenger is a chat.
_CHANNELS = {
    "conversation": Channel.CHAT,
    "email": Channel.EMAIL,
    **dict.fromkeys(("phone_call", "phone_switch"), Channel.PHONE),
    **dict.fromkeys(("facebook", "instagram", "twitter", "whatsapp"), Channel.SNS),
}

_CONSULTATION_PATHS = {
    "source.external_id": "data.item.id",
    "received_at": "data.item.created_at",
    "customer.name": "data.item.source.author.name",
    "customer.email": "data.item.source.author.email",
    "subject": "data.item.source.subject",
    "body": "data.item.source.body",
}


def verify(headers: Mapping[str, str], body: bytes, secret: str, now: datetime) -> None:
    """`sha1=` + hex HMAC-SHA1(client secret, body)."""
    del now  # Intercom signs no timestamp; Source ids make a replayed notification a repeat
    key = secret_key(secret)
    algorithm, _, digest = header(headers, SIGNATURE_HEADER).partition("=")
    expected = hmac.new(key, body, hashlib.sha1).hexdigest().encode()
    if algorithm.lower() != "sha1" or not hmac.compare_digest(expected, digest.lower().encode()):
        raise WebhookAuthenticationError("bad signature")


def normalize(
    payload: Mapping[str, Any], fields: PlatformFields = UNCONFIGURED
) -> Consultation | PlatformFollowUp | PlatformClosure:
    if text(payload, ("type",)) != "notification_event":
        raise PlatformPayloadError("type", "expected notification_event")
    topic = text(payload, ("topic",))
    if topic == USER_CREATED:
        return _consultation(payload, fields)
    if topic in REPLIES:
        return _follow_up(payload, REPLIES[topic])
    if topic == CLOSED:
        return _closure(payload, fields)
    if topic == REOPENED:
        return _reopened(payload)
    supported = ", ".join((USER_CREATED, *REPLIES, CLOSED, REOPENED))
    raise UnsupportedPlatformEvent("topic", f"supported: {supported}")


def conversation_attribute(payload: Mapping[str, Any], name: str | None) -> tuple[object, str]:
    """The conversation's custom attribute `name` (`data.item.custom_attributes`) and its path;
    None when unconfigured or absent."""
    path = dotted((*ITEM, "custom_attributes", name or ""))
    return (None if name is None else value_at(payload, (*ITEM, "custom_attributes", name))), path


def _consultation(payload: Mapping[str, Any], fields: PlatformFields) -> Consultation:
    source = (*ITEM, "source")
    subject = optional_text(payload, (*source, "subject"))
    return models.consultation(
        paths=_CONSULTATION_PATHS,
        platform=PLATFORM,
        external_id=text(payload, (*ITEM, "id")),
        channel=_channel(payload),
        received_at=epoch(payload, (*ITEM, "created_at")),
        customer={
            "name": text(payload, (*source, "author", "name")),
            "email": optional_text(payload, (*source, "author", "email")),
            "relationship": fields.relationship.of(
                *conversation_attribute(payload, fields.relationship_field)
            ),
        },
        subject=plain_text(subject) if subject else None,
        body=html_text(payload, (*source, "body")),
    )


def _follow_up(payload: Mapping[str, Any], kind: ContactKind) -> PlatformFollowUp:
    # A notification carries the part that caused it; should there be more, the newest is last.
    part = (*PARTS, len(items(payload, PARTS)) - 1)
    return models.follow_up(
        paths={
            "ticket_id": "data.item.id",
            "contact.source.external_id": dotted((*part, "id")),
            "contact.occurred_at": dotted((*part, "created_at")),
            "contact.body": dotted((*part, "body")),
        },
        platform=PLATFORM,
        ticket_id=text(payload, (*ITEM, "id")),
        contact_id=text(payload, (*part, "id")),
        kind=kind,
        channel=_channel(payload),
        occurred_at=epoch(payload, (*part, "created_at")),
        body=html_text(payload, (*part, "body")),
    )


def _closure(payload: Mapping[str, Any], fields: PlatformFields) -> PlatformClosure:
    # The notification's id is the closing's own: Intercom's retries of it are repeats.
    reason = fields.closure_reason.of(*conversation_attribute(payload, fields.closure_reason_field))
    return PlatformClosure(
        platform=PLATFORM,
        ticket_id=text(payload, (*ITEM, "id")),
        event_id=text(payload, ("id",)),
        request=ClosureRequest(reason=reason, requested_at=epoch(payload, ("created_at",))),
    )


def _reopened(payload: Mapping[str, Any]) -> PlatformFollowUp:
    return models.follow_up(
        paths={"ticket_id": "data.item.id", "contact.source.external_id": "id"},
        platform=PLATFORM,
        ticket_id=text(payload, (*ITEM, "id")),
        contact_id=text(payload, ("id",)),
        kind=ContactKind.CUSTOMER_CONTACT,
        channel=_channel(payload),
        occurred_at=epoch(payload, ("created_at",)),
        body="Reopened on Intercom.",
    )


def _channel(payload: Mapping[str, Any]) -> Channel:
    source_type = value_at(payload, (*ITEM, "source", "type"))
    return _CHANNELS.get(str(source_type).strip().lower(), Channel.OTHER)
