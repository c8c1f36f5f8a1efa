"""Zendesk: the webhook's signature check, ticket.created / ticket.comment_added mapped, and
the requester filled in from the Users API (ticket events carry only its id)."""

import base64
import copy
import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import httpx

from services.intake.adapters.platforms import models
from services.intake.adapters.platforms.errors import (
    PlatformPayloadError,
    UnsupportedPlatformEvent,
    WebhookAuthenticationError,
    WebhookError,
)
from services.intake.adapters.platforms.fields import UNCONFIGURED, PlatformFields
from services.intake.adapters.platforms.payload import (
    flag,
    header,
    optional_text,
    require_fresh,
    secret_key,
    text,
    timestamp,
    value_at,
)
from services.intake.domain.consultation import Channel, Consultation
from services.intake.domain.contacts import (
    ClosureRequest,
    ContactKind,
    PlatformClosure,
    PlatformFollowUp,
)

PLATFORM = "zendesk"
SIGNATURE_HEADER = "X-Zendesk-Webhook-Signature"
TIMESTAMP_HEADER = "X-Zendesk-Webhook-Signature-Timestamp"
MAX_AGE = timedelta(minutes=5)
TICKET_CREATED = "zen:event-type:ticket.created"
COMMENT_ADDED = "zen:event-type:ticket.comment_added"
STATUS_CHANGED = "zen:event-type:ticket.status_changed"
SUPPORTED = (TICKET_CREATED, COMMENT_ADDED, STATUS_CHANGED)
# A ticket the agent solved (or Zendesk closed) asks caselog to close the case; one solved
# again opened is the matter coming back, a follow-up on the case.
FINISHED = frozenset({"solved", "closed"})

# Zendesk's "Via types reference": a channel is a via type name or, equally valid, its via id.
_VIA_IDS = {
    0: "web_form", 4: "mail", 5: "web_service", 17: "dropbox", 26: "twitter_dm", 29: "chat",
    30: "twitter", 33: "voicemail", 34: "phone_call_inbound", 35: "phone_call_outbound",
    37: "text_message", 38: "facebook_post", 41: "facebook_message",
}  # fmt: skip
_CHANNELS = {
    **dict.fromkeys(("web_form", "web", "dropbox", "help_center", "web_widget"), Channel.WEB_FORM),
    **dict.fromkeys(("mail", "email"), Channel.EMAIL),
    **dict.fromkeys(("chat", "native_messaging", "messaging"), Channel.CHAT),
    **dict.fromkeys(
        ("voice", "voicemail", "phone_call_inbound", "phone_call_outbound"), Channel.PHONE
    ),
    **dict.fromkeys(
        ("twitter", "twitter_dm", "twitter_favorite", "facebook", "facebook_post"), Channel.SNS
    ),
    **dict.fromkeys(("facebook_message", "instagram_dm", "whatsapp", "line"), Channel.SNS),
}

_CONSULTATION_PATHS = {
    "source.external_id": "detail.id",
    "received_at": "detail.created_at",
    "customer.name": "detail.requester.name",
    "customer.email": "detail.requester.email",
    "customer.phone": "detail.requester.phone",
    "subject": "detail.subject",
    "body": "detail.description",
}
_FOLLOW_UP_PATHS = {
    "ticket_id": "detail.id",
    "contact.source.external_id": "event.comment.id",
    "contact.occurred_at": "time",
    "contact.body": "event.comment.body",
}


def verify(headers: Mapping[str, str], body: bytes, secret: str, now: datetime) -> None:
    """base64(HMAC-SHA256(secret, timestamp + body)), and a timestamp within five minutes."""
    key = secret_key(secret)
    signature = header(headers, SIGNATURE_HEADER)
    sent = header(headers, TIMESTAMP_HEADER)
    expected = base64.b64encode(hmac.new(key, sent.encode() + body, hashlib.sha256).digest())
    if not hmac.compare_digest(expected, signature.encode()):
        raise WebhookAuthenticationError("bad signature")
    require_fresh(_sent_at(sent), now, MAX_AGE)


def normalize(
    payload: Mapping[str, Any], fields: PlatformFields = UNCONFIGURED
) -> Consultation | PlatformFollowUp | PlatformClosure:
    event_type = text(payload, ("type",))
    if event_type == TICKET_CREATED:
        return _consultation(payload, fields)
    if event_type == COMMENT_ADDED:
        return _follow_up(payload)
    if event_type == STATUS_CHANGED:
        return _status_changed(payload, fields)
    raise UnsupportedPlatformEvent("type", f"supported: {', '.join(SUPPORTED)}")


def custom_field(payload: Mapping[str, Any], field_id: str | None) -> tuple[object, str]:
    """The value of the ticket's custom field `field_id` (`detail.custom_fields`, the Tickets
    API's list of `{id, value}`) and its path; None when unconfigured or absent."""
    path = f"detail.custom_fields[id={field_id}]"
    listed = value_at(payload, ("detail", "custom_fields"))
    if field_id is None or not isinstance(listed, list):
        return None, path
    for entry in listed:
        if isinstance(entry, Mapping) and str(entry.get("id")) == field_id:
            return entry.get("value"), path
    return None, path


def _consultation(payload: Mapping[str, Any], fields: PlatformFields) -> Consultation:
    # Zendesk sends only detail.requester_id; the entry point merges the requester's user
    # record into detail.requester before normalizing (see docs/webhooks.md).
    requester = ("detail", "requester")
    return models.consultation(
        paths=_CONSULTATION_PATHS,
        platform=PLATFORM,
        external_id=text(payload, ("detail", "id")),
        channel=_channel(payload),
        received_at=timestamp(payload, ("detail", "created_at")),
        customer={
            "name": text(payload, (*requester, "name")),
            "email": optional_text(payload, (*requester, "email")),
            "phone": optional_text(payload, (*requester, "phone")),
            "relationship": fields.relationship.of(
                *custom_field(payload, fields.relationship_field)
            ),
        },
        subject=optional_text(payload, ("detail", "subject")),
        body=text(payload, ("detail", "description")),
    )


def _follow_up(payload: Mapping[str, Any]) -> PlatformFollowUp:
    comment = ("event", "comment")
    if not flag(payload, (*comment, "is_public")):
        raise UnsupportedPlatformEvent("event.comment.is_public", "internal notes are not contacts")
    is_staff = flag(payload, (*comment, "author", "is_staff"))
    return models.follow_up(
        paths=_FOLLOW_UP_PATHS,
        platform=PLATFORM,
        ticket_id=text(payload, ("detail", "id")),
        contact_id=text(payload, (*comment, "id")),
        kind=ContactKind.AGENT_RESPONSE if is_staff else ContactKind.CUSTOMER_CONTACT,
        channel=_channel(payload),
        occurred_at=timestamp(payload, ("time",)),
        body=text(payload, (*comment, "body")),
    )


def _status_changed(
    payload: Mapping[str, Any], fields: PlatformFields
) -> PlatformFollowUp | PlatformClosure:
    current = text(payload, ("event", "current")).lower()
    previous = (optional_text(payload, ("event", "previous")) or "").lower()
    ticket_id, event_id = text(payload, ("detail", "id")), text(payload, ("id",))
    if current in FINISHED:
        reason = fields.closure_reason.of(*custom_field(payload, fields.closure_reason_field))
        request = ClosureRequest(reason=reason, requested_at=timestamp(payload, ("time",)))
        return PlatformClosure(
            platform=PLATFORM, ticket_id=ticket_id, event_id=event_id, request=request
        )
    if previous in FINISHED:
        return models.follow_up(
            paths={"ticket_id": "detail.id", "contact.source.external_id": "id"},
            platform=PLATFORM,
            ticket_id=ticket_id,
            contact_id=event_id,
            kind=ContactKind.CUSTOMER_CONTACT,
            channel=_channel(payload),
            occurred_at=timestamp(payload, ("time",)),
            body=f"Reopened on Zendesk (status {previous} -> {current}).",
        )
    raise UnsupportedPlatformEvent("event.current", "only solving, closing or reopening counts")


def _channel(payload: Mapping[str, Any]) -> Channel:
    via = value_at(payload, ("detail", "via", "channel"))
    if via is None:
        via = value_at(payload, ("detail", "via_channel"))
    raw = "" if via is None else str(via).strip().lower()
    name = _VIA_IDS.get(int(raw), "") if raw.isdecimal() else raw
    return _CHANNELS.get(name, Channel.OTHER)


def _sent_at(sent: str) -> datetime:
    # The header is ISO 8601 (`2021-07-25T10:00:00Z`); the parser's message is not chained.
    try:
        sent_at = datetime.fromisoformat(sent)
    except ValueError:
        sent_at = None
    if sent_at is None or sent_at.utcoffset() is None:
        raise WebhookAuthenticationError("malformed timestamp")
    return sent_at


class PlatformUnavailableError(WebhookError):
    """The platform's API did not answer; the webhook is refused (503) so the platform retries."""


class ZendeskRequesters:
    """`GET /api/v2/users/{id}` with an API token (`email/token:secret` basic auth), and
    `GET /api/v2/tickets/{id}` for the custom fields a ticket event does not carry, when one
    of them is configured (the relationship, the closure reason)."""

    def __init__(
        self,
        base_url: str,
        email: str,
        api_token: str,
        timeout_s: float = 5.0,
        *,
        reads_custom_fields: bool = False,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._auth = httpx.BasicAuth(f"{email}/token", api_token)
        self._timeout = timeout_s
        self._reads_custom_fields = reads_custom_fields

    def __repr__(self) -> str:
        return f"ZendeskRequesters(base_url={self._base_url!r})"

    async def enrich(self, payload: Mapping[str, Any]) -> Mapping[str, Any]:
        """The payload with `detail.requester` added for a created ticket that lacks one, and
        `detail.custom_fields` for a created or status-changed ticket, if configured."""
        detail = payload.get("detail")
        if payload.get("type") not in (TICKET_CREATED, STATUS_CHANGED):
            return payload
        if not isinstance(detail, Mapping):
            return payload
        enriched = copy.deepcopy(dict(payload))
        if payload.get("type") == TICKET_CREATED and not isinstance(
            detail.get("requester"), Mapping
        ):
            requester_id = text(payload, ("detail", "requester_id"))
            user = await self._read(f"users/{requester_id}", "user", "detail.requester_id")
            enriched["detail"]["requester"] = {
                key: user.get(key) for key in ("id", "name", "email", "phone")
            }
        if self._reads_custom_fields and not isinstance(detail.get("custom_fields"), list):
            ticket_id = text(payload, ("detail", "id"))
            ticket = await self._read(f"tickets/{ticket_id}", "ticket", "detail.id")
            enriched["detail"]["custom_fields"] = ticket.get("custom_fields") or []
        return enriched

    async def _read(self, resource: str, name: str, field: str) -> Mapping[str, Any]:
        url = f"{self._base_url}/api/v2/{resource}.json"
        try:
            async with httpx.AsyncClient(auth=self._auth, timeout=self._timeout) as client:
                response = await client.get(url)
        except httpx.HTTPError as error:
            raise PlatformUnavailableError(f"Zendesk {name}s API: {type(error).__name__}") from None
        if response.status_code == 404:
            raise PlatformPayloadError(field, f"no such Zendesk {name}")
        if response.status_code != 200:
            raise PlatformUnavailableError(f"Zendesk {name}s API answered {response.status_code}")
        body = response.json()
        found = body.get(name) if isinstance(body, dict) else None
        if not isinstance(found, dict):
            raise PlatformUnavailableError(f"Zendesk {name}s API answered without a {name}")
        return found
