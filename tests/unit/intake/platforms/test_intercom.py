"""Intercom: X-Hub-Signature checks, and conversation notifications mapped to our models."""

import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from services.intake.adapters.platforms import intercom
from services.intake.adapters.platforms.errors import (
    PlatformPayloadError,
    UnsupportedPlatformEvent,
    WebhookAuthenticationError,
)
from services.intake.domain.consultation import Channel, Consultation, Relationship
from services.intake.domain.contacts import ContactKind, PlatformFollowUp
from tests.unit.intake.platforms.leaks import assert_mentions_none

CLIENT_SECRET = "intercom-client-secret-for-tests"
NOW = datetime(2024, 5, 1, 3, 0, tzinfo=UTC)
NAME, EMAIL = "鈴木 一郎", "ichiro.suzuki@example.jp"
PERSONAL = (NAME, EMAIL, "ichiro.suzuki")


def conversation(*, source_type: str = "conversation", parts: list[Any] | None = None) -> Any:
    """A conversation as Intercom's REST API 2.x models it (Conversation, ConversationSource)."""
    return {
        "type": "conversation",
        "id": "147",
        "created_at": 1714532400,
        "updated_at": 1714532460,
        "source": {
            "type": source_type,
            "id": "403918330",
            "delivered_as": "customer_initiated",
            "subject": "",
            "body": (
                "<p>アプリにログインできません。</p><p>パスワードを再設定しても&nbsp;同じです。</p>"
            ),
            "author": {"type": "user", "id": "5f3e1c", "name": NAME, "email": EMAIL},
        },
        "contacts": {"type": "contact.list", "contacts": [{"type": "contact", "id": "5f3e1c"}]},
        "conversation_parts": {
            "type": "conversation_part.list",
            "conversation_parts": parts or [],
            "total_count": len(parts or []),
        },
    }


def notification(topic: str, item: Any) -> dict[str, Any]:
    """The envelope of developers.intercom.com's "Webhook models" (notification_event)."""
    return {
        "type": "notification_event",
        "app_id": "ecahpwf5",
        "data": {"type": "notification_event_data", "item": item},
        "id": "notif_ccd8a4d0-f965-11e3-a367-c779cae3e1b3",
        "topic": topic,
        "delivery_status": "pending",
        "delivery_attempts": 1,
        "created_at": 1714532461,
        "first_sent_at": 1714532461,
    }


def part(author_type: str, body: str, part_id: str = "7301") -> dict[str, Any]:
    return {
        "type": "conversation_part",
        "id": part_id,
        "part_type": "comment",
        "body": body,
        "created_at": 1714536000,
        "author": {"type": author_type, "id": "991", "name": "担当 高橋"},
    }


BODY = json.dumps(notification("conversation.user.created", conversation())).encode()


def signed(body: bytes, secret: str = CLIENT_SECRET) -> dict[str, str]:
    return {"X-Hub-Signature": "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()}


def reason_of(headers: dict[str, str], body: bytes = BODY) -> str:
    with pytest.raises(WebhookAuthenticationError) as caught:
        intercom.verify(headers, body, CLIENT_SECRET, NOW)
    return caught.value.reason


def test_a_valid_signature_is_accepted_whatever_the_header_case() -> None:
    intercom.verify(signed(BODY), BODY, CLIENT_SECRET, NOW)
    intercom.verify({"x-hub-signature": signed(BODY)["X-Hub-Signature"]}, BODY, CLIENT_SECRET, NOW)


@pytest.mark.parametrize("index", [0, len(BODY) // 2, len(BODY) - 1])
def test_one_flipped_body_byte_is_rejected(index: int) -> None:
    tampered = BODY[:index] + bytes([BODY[index] ^ 0x01]) + BODY[index + 1 :]
    assert reason_of(signed(BODY), tampered) == "bad signature"


def test_one_changed_signature_character_is_rejected() -> None:
    signature = signed(BODY)["X-Hub-Signature"]
    changed = signature[:-1] + ("0" if signature[-1] != "0" else "1")
    assert reason_of({"X-Hub-Signature": changed}) == "bad signature"


def test_another_algorithm_or_secret_is_rejected() -> None:
    digest = hmac.new(CLIENT_SECRET.encode(), BODY, hashlib.sha1).hexdigest()
    assert reason_of({"X-Hub-Signature": "sha256=" + digest}) == "bad signature"
    assert reason_of(signed(BODY, secret="another-app")) == "bad signature"


def test_a_missing_signature_header_is_rejected() -> None:
    assert reason_of({"X-Hub-Signature-256": "sha256=00"}) == "missing header X-Hub-Signature"


def test_an_empty_client_secret_fails_closed() -> None:
    with pytest.raises(WebhookAuthenticationError, match="no webhook secret"):
        intercom.verify(signed(BODY, secret=""), BODY, "", NOW)


def test_a_new_conversation_becomes_a_consultation() -> None:
    consultation = intercom.normalize(json.loads(BODY))

    assert isinstance(consultation, Consultation)
    assert (consultation.source.platform, consultation.source.external_id) == ("intercom", "147")
    assert consultation.channel is Channel.CHAT
    assert consultation.received_at == datetime(2024, 5, 1, 3, 0, tzinfo=UTC)
    assert consultation.customer.name == NAME
    assert consultation.customer.email == EMAIL
    assert consultation.customer.relationship is Relationship.UNKNOWN
    assert (
        consultation.body == "アプリにログインできません。\nパスワードを再設定しても\xa0同じです。"
    )
    # Messenger conversations have no subject: the first line of the message stands in.
    assert consultation.subject == "アプリにログインできません。"


@pytest.mark.parametrize(
    ("source_type", "channel"),
    [
        ("conversation", Channel.CHAT),
        ("email", Channel.EMAIL),
        ("phone_call", Channel.PHONE),
        ("whatsapp", Channel.SNS),
        ("instagram", Channel.SNS),
        ("sms", Channel.OTHER),
        ("push", Channel.OTHER),
    ],
)
def test_source_types_are_mapped(source_type: str, channel: Channel) -> None:
    payload = notification("conversation.user.created", conversation(source_type=source_type))
    consultation = intercom.normalize(payload)
    assert isinstance(consultation, Consultation)
    assert consultation.channel is channel


@pytest.mark.parametrize(
    ("topic", "author_type", "kind"),
    [
        ("conversation.user.replied", "user", ContactKind.CUSTOMER_CONTACT),
        ("conversation.admin.replied", "admin", ContactKind.AGENT_RESPONSE),
    ],
)
def test_replies_become_follow_ups(topic: str, author_type: str, kind: ContactKind) -> None:
    item = conversation(
        source_type="email", parts=[part(author_type, "<p>ご連絡ありがとうございます。</p>")]
    )
    follow_up = intercom.normalize(notification(topic, item))

    assert isinstance(follow_up, PlatformFollowUp)
    assert (follow_up.platform, follow_up.ticket_id) == ("intercom", "147")
    assert follow_up.contact.kind is kind
    assert follow_up.contact.channel is Channel.EMAIL
    assert follow_up.contact.body == "ご連絡ありがとうございます。"
    assert follow_up.contact.occurred_at == datetime(2024, 5, 1, 4, 0, tzinfo=UTC)
    assert follow_up.contact.source is not None
    assert follow_up.contact.source.external_id == "7301"


def test_the_newest_part_is_the_reply() -> None:
    parts = [part("user", "<p>最初</p>", "7300"), part("user", "<p>追記です</p>", "7301")]
    follow_up = intercom.normalize(
        notification("conversation.user.replied", conversation(parts=parts))
    )
    assert isinstance(follow_up, PlatformFollowUp)
    assert follow_up.contact.body == "追記です"


def test_a_reply_without_parts_is_refused() -> None:
    with pytest.raises(PlatformPayloadError) as caught:
        intercom.normalize(notification("conversation.admin.replied", conversation()))
    assert caught.value.field == "data.item.conversation_parts.conversation_parts"


def test_other_topics_are_unsupported() -> None:
    with pytest.raises(UnsupportedPlatformEvent) as caught:
        intercom.normalize(notification("conversation.admin.snoozed", conversation()))
    assert caught.value.field == "topic"


def test_something_other_than_a_notification_is_refused() -> None:
    with pytest.raises(PlatformPayloadError) as caught:
        intercom.normalize({**json.loads(BODY), "type": "conversation"})
    assert caught.value.field == "type"


@pytest.mark.parametrize(
    ("field", "path"),
    [
        ("name", "data.item.source.author.name"),
        ("body", "data.item.source.body"),
        ("created_at", "data.item.created_at"),
    ],
)
def test_a_missing_required_field_is_named_without_personal_values(field: str, path: str) -> None:
    payload = json.loads(BODY)
    item = payload["data"]["item"]
    target = (
        item["source"]["author"] if field == "name" else item["source"] if field == "body" else item
    )
    del target[field]

    with pytest.raises(PlatformPayloadError) as caught:
        intercom.normalize(payload)

    assert caught.value.field == path
    assert_mentions_none(caught.value, PERSONAL)


def test_a_rejected_email_is_named_and_never_quoted() -> None:
    payload = json.loads(BODY)
    payload["data"]["item"]["source"]["author"]["email"] = "ichiro.suzuki"
    with pytest.raises(PlatformPayloadError) as caught:
        intercom.normalize(payload)
    assert caught.value.field == "data.item.source.author.email"
    assert_mentions_none(caught.value, PERSONAL)
