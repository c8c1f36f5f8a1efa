"""Zendesk: signature and freshness checks, and ticket events mapped to consultations, contacts."""

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.intake.adapters.platforms import zendesk
from services.intake.adapters.platforms.errors import (
    PlatformPayloadError,
    UnsupportedPlatformEvent,
    WebhookAuthenticationError,
)
from services.intake.domain.consultation import Channel, Consultation, Relationship
from services.intake.domain.contacts import ContactKind, PlatformFollowUp
from tests.unit.intake.platforms.leaks import assert_mentions_none

SECRET = "zendesk-signing-secret-for-tests"
SENT = "2024-04-17T17:18:10Z"
NOW = datetime(2024, 4, 17, 17, 19, 0, tzinfo=UTC)
NAME, EMAIL, PHONE = "山田 太郎", "taro.yamada@example.jp", "+81 90-1234-5678"
PERSONAL = (NAME, EMAIL, PHONE, "taro.yamada")


def ticket_created(**detail: Any) -> dict[str, Any]:
    """Modelled on the ticket.created example of developer.zendesk.com's "Ticket events" page.

    `detail.requester` is not Zendesk's: the entry point adds it from the Users API.
    """
    return {
        "type": "zen:event-type:ticket.created",
        "account_id": 22129848,
        "id": "cbe4028c-7239-495d-b020-f22348516046",
        "time": "2024-04-17T17:18:10.672717030Z",
        "zendesk_event_version": "2022-11-06",
        "subject": "zen:ticket:35436",
        "detail": {
            "id": "35436",
            "created_at": "2024-04-17T17:18:10Z",
            "subject": "注文した電気ケトルが届かない",
            "description": "4月10日に注文したケトルがまだ届いていません。\n至急確認してください。",
            "requester_id": "8447388090494",
            "requester": {"id": "8447388090494", "name": NAME, "email": EMAIL, "phone": PHONE},
            "status": "NEW",
            "via": {"channel": "mail"},
            **detail,
        },
        "event": {},
    }


def comment_added(*, is_public: bool = True, is_staff: bool = False) -> dict[str, Any]:
    """Modelled on the ticket.comment_added example of the same page."""
    return {
        "type": "zen:event-type:ticket.comment_added",
        "account_id": 22129848,
        "id": "d4f5c389-8f4a-4c2e-a1b9-8e4f39c71d52",
        "time": "2024-04-18T09:25:30.123456789Z",
        "zendesk_event_version": "2022-11-06",
        "subject": "zen:ticket:35436",
        "detail": {"id": "35436", "status": "OPEN", "via": {"channel": "mail"}},
        "event": {
            "comment": {
                "id": 9876543210,
                "body": "配送状況を確認しました。明日お届け予定です。",
                "is_public": is_public,
                "author": {"id": 8447388090495, "is_staff": is_staff, "name": "サポート 佐藤"},
            }
        },
    }


def signed(body: bytes, sent: str = SENT, secret: str = SECRET) -> dict[str, str]:
    digest = hmac.new(secret.encode(), sent.encode() + body, hashlib.sha256).digest()
    return {
        "X-Zendesk-Webhook-Signature": base64.b64encode(digest).decode(),
        "X-Zendesk-Webhook-Signature-Timestamp": sent,
    }


BODY = json.dumps(ticket_created(), ensure_ascii=False).encode()


def reason_of(headers: dict[str, str], body: bytes = BODY, now: datetime = NOW) -> str:
    with pytest.raises(WebhookAuthenticationError) as caught:
        zendesk.verify(headers, body, SECRET, now)
    return caught.value.reason


def test_a_valid_signature_is_accepted_whatever_the_header_case() -> None:
    zendesk.verify(signed(BODY), BODY, SECRET, NOW)
    lowered = {name.lower(): value for name, value in signed(BODY).items()}
    zendesk.verify(lowered, BODY, SECRET, NOW)


@pytest.mark.parametrize("index", [0, len(BODY) // 2, len(BODY) - 1])
def test_one_flipped_body_byte_is_rejected(index: int) -> None:
    tampered = BODY[:index] + bytes([BODY[index] ^ 0x01]) + BODY[index + 1 :]
    assert reason_of(signed(BODY), tampered) == "bad signature"


def test_one_changed_signature_character_is_rejected() -> None:
    headers = signed(BODY)
    signature = headers["X-Zendesk-Webhook-Signature"]
    headers["X-Zendesk-Webhook-Signature"] = ("B" if signature[0] == "A" else "A") + signature[1:]
    assert reason_of(headers) == "bad signature"


def test_a_signature_made_with_another_secret_is_rejected() -> None:
    assert reason_of(signed(BODY, secret="someone-else")) == "bad signature"


@pytest.mark.parametrize(
    "missing", ["X-Zendesk-Webhook-Signature", "X-Zendesk-Webhook-Signature-Timestamp"]
)
def test_a_missing_header_is_rejected(missing: str) -> None:
    headers = signed(BODY)
    del headers[missing]
    assert reason_of(headers) == f"missing header {missing}"


def test_a_stale_timestamp_is_rejected_even_when_correctly_signed() -> None:
    assert reason_of(signed(BODY), now=NOW + timedelta(minutes=5)) == "stale timestamp"


def test_a_timestamp_within_five_minutes_is_accepted() -> None:
    zendesk.verify(signed(BODY), BODY, SECRET, datetime(2024, 4, 17, 17, 23, 9, tzinfo=UTC))


def test_a_timestamp_from_the_future_is_rejected() -> None:
    assert reason_of(signed(BODY), now=NOW - timedelta(minutes=10)) == "timestamp is in the future"


def test_a_malformed_timestamp_is_rejected() -> None:
    assert reason_of(signed(BODY, sent="yesterday")) == "malformed timestamp"


def test_an_empty_secret_fails_closed() -> None:
    with pytest.raises(WebhookAuthenticationError, match="no webhook secret"):
        zendesk.verify(signed(BODY, secret=""), BODY, "", NOW)


def test_ticket_created_becomes_a_consultation() -> None:
    consultation = zendesk.normalize(ticket_created())

    assert isinstance(consultation, Consultation)
    assert consultation.source.platform == "zendesk"
    assert consultation.source.external_id == "35436"
    assert consultation.channel is Channel.EMAIL
    assert consultation.received_at == datetime(2024, 4, 17, 17, 18, 10, tzinfo=UTC)
    assert consultation.received_at.tzinfo is not None
    assert consultation.customer.name == NAME
    assert consultation.customer.email == EMAIL
    assert consultation.customer.phone == PHONE
    assert consultation.customer.relationship is Relationship.UNKNOWN
    assert consultation.subject == "注文した電気ケトルが届かない"
    assert consultation.body.startswith("4月10日に注文したケトル")


@pytest.mark.parametrize(
    ("via", "channel"),
    [
        ({"channel": "mail"}, Channel.EMAIL),
        ({"channel": 4}, Channel.EMAIL),
        ({"channel": "4"}, Channel.EMAIL),
        ({"channel": "web_form"}, Channel.WEB_FORM),
        ({"channel": "web"}, Channel.WEB_FORM),
        ({"channel": "voice"}, Channel.PHONE),
        ({"channel": 34}, Channel.PHONE),
        ({"channel": "native_messaging"}, Channel.CHAT),
        ({"channel": "chat"}, Channel.CHAT),
        ({"channel": "twitter_dm"}, Channel.SNS),
        ({"channel": "web_service"}, Channel.OTHER),
        ({"channel": "a_channel_zendesk_adds_tomorrow"}, Channel.OTHER),
        ({}, Channel.OTHER),
    ],
)
def test_via_channels_are_mapped(via: dict[str, Any], channel: Channel) -> None:
    consultation = zendesk.normalize(ticket_created(via=via))
    assert isinstance(consultation, Consultation)
    assert consultation.channel is channel


def test_the_flat_via_channel_spelling_is_read_too() -> None:
    payload = ticket_created(via_channel="voice")
    del payload["detail"]["via"]
    consultation = zendesk.normalize(payload)
    assert isinstance(consultation, Consultation)
    assert consultation.channel is Channel.PHONE


def test_a_ticket_without_subject_takes_the_first_line_of_its_description() -> None:
    consultation = zendesk.normalize(ticket_created(subject=""))
    assert isinstance(consultation, Consultation)
    assert consultation.subject == "4月10日に注文したケトルがまだ届いていません。"


@pytest.mark.parametrize(
    ("is_staff", "kind"),
    [(False, ContactKind.CUSTOMER_CONTACT), (True, ContactKind.AGENT_RESPONSE)],
)
def test_a_public_comment_becomes_a_follow_up(is_staff: bool, kind: ContactKind) -> None:
    follow_up = zendesk.normalize(comment_added(is_staff=is_staff))

    assert isinstance(follow_up, PlatformFollowUp)
    assert follow_up.platform == "zendesk"
    assert follow_up.ticket_id == "35436"
    assert follow_up.contact.kind is kind
    assert follow_up.contact.channel is Channel.EMAIL
    assert follow_up.contact.occurred_at.tzinfo is not None
    assert follow_up.contact.body == "配送状況を確認しました。明日お届け予定です。"
    assert follow_up.contact.source is not None
    assert (follow_up.contact.source.platform, follow_up.contact.source.external_id) == (
        "zendesk",
        "9876543210",
    )


def test_an_internal_note_is_not_a_contact() -> None:
    with pytest.raises(UnsupportedPlatformEvent) as caught:
        zendesk.normalize(comment_added(is_public=False))
    assert caught.value.field == "event.comment.is_public"


def test_other_event_types_are_unsupported() -> None:
    payload = {**ticket_created(), "type": "zen:event-type:ticket.priority_changed"}
    with pytest.raises(UnsupportedPlatformEvent) as caught:
        zendesk.normalize(payload)
    assert caught.value.field == "type"
    assert "ticket.priority_changed" not in str(caught.value)


@pytest.mark.parametrize(
    ("field", "path"),
    [
        ("name", "detail.requester.name"),
        ("requester", "detail.requester.name"),
        ("description", "detail.description"),
        ("created_at", "detail.created_at"),
        ("id", "detail.id"),
    ],
)
def test_a_missing_required_field_is_named_without_personal_values(field: str, path: str) -> None:
    payload = ticket_created()
    detail = payload["detail"]
    del (detail["requester"] if field == "name" else detail)[field]

    with pytest.raises(PlatformPayloadError) as caught:
        zendesk.normalize(payload)

    assert caught.value.field == path
    assert_mentions_none(caught.value, PERSONAL)


def test_a_rejected_email_is_named_by_its_path_and_never_quoted() -> None:
    payload = ticket_created()
    payload["detail"]["requester"]["email"] = "taro.yamada at example.jp"

    with pytest.raises(PlatformPayloadError) as caught:
        zendesk.normalize(payload)

    assert caught.value.field == "detail.requester.email"
    assert_mentions_none(caught.value, (*PERSONAL, "taro.yamada at example.jp"))


def test_a_timestamp_without_offset_is_refused() -> None:
    with pytest.raises(PlatformPayloadError) as caught:
        zendesk.normalize(ticket_created(created_at="2024-04-17T17:18:10"))
    assert caught.value.field == "detail.created_at"
