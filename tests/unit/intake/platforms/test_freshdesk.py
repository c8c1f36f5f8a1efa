"""Freshdesk: shared-secret and Basic credentials, and caselog's documented JSON document mapped."""

import base64
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from services.intake.adapters.platforms import freshdesk
from services.intake.adapters.platforms.errors import (
    PlatformPayloadError,
    UnsupportedPlatformEvent,
    WebhookAuthenticationError,
)
from services.intake.adapters.platforms.freshdesk import BasicAuth, SharedSecretHeader
from services.intake.domain.consultation import Channel, Relationship
from tests.unit.intake.platforms.leaks import assert_mentions_none

NOW = datetime(2024, 3, 5, 1, 33, tzinfo=UTC)
BODY = b"{}"
SHARED = SharedSecretHeader("fd-shared-secret-for-tests")
BASIC = BasicAuth("caselog-hook", "fd-password-for-tests")
NAME, EMAIL, PHONE, MOBILE = (
    "佐藤 花子",
    "hanako.sato@example.co.jp",
    "03-1234-5678",
    "080-9876-5432",
)
PERSONAL = (NAME, EMAIL, PHONE, MOBILE, "hanako.sato")
JST = timezone(timedelta(hours=9))


def document(**ticket: Any) -> dict[str, Any]:
    """The document of docs/webhooks.md as Freshdesk renders it after placeholder substitution.

    Placeholders from Freshdesk's "Understanding dynamic content and placeholders" article
    ({{ticket.id}}, {{ticket.subject}}, {{ticket.description}}, {{ticket.requester.name}}...).
    """
    return {
        "event": "ticket.created",
        "ticket": {
            "id": "1024",
            "subject": "返品したいです",
            "description": (
                "<div>昨日届いた<b>加湿器</b>が動きません。</div><div>返品&amp;返金を希望します。</div>"
            ),
            "source": "Email",
            "created_at": "2024-03-05T10:32:00+09:00",
            "relationship": "",
            **ticket,
        },
        "contact": {"name": NAME, "email": EMAIL, "phone": PHONE, "mobile": MOBILE},
    }


def basic(credentials: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(credentials.encode()).decode()}


def reason_of(headers: dict[str, str], secret: freshdesk.FreshdeskSecret) -> str:
    with pytest.raises(WebhookAuthenticationError) as caught:
        freshdesk.verify(headers, BODY, secret, NOW)
    return caught.value.reason


def test_the_shared_secret_header_is_accepted_whatever_its_case() -> None:
    freshdesk.verify({"X-Caselog-Webhook-Secret": SHARED.secret}, BODY, SHARED, NOW)
    freshdesk.verify({"x-caselog-webhook-secret": SHARED.secret}, BODY, SHARED, NOW)


def test_a_secret_with_one_changed_character_is_rejected() -> None:
    wrong = SHARED.secret[:-1] + ("x" if SHARED.secret[-1] != "x" else "y")
    assert reason_of({"X-Caselog-Webhook-Secret": wrong}, SHARED) == "bad credentials"


def test_a_missing_secret_header_is_rejected() -> None:
    assert reason_of({}, SHARED) == "missing header X-Caselog-Webhook-Secret"


def test_basic_credentials_are_accepted() -> None:
    headers = basic("caselog-hook:fd-password-for-tests")
    freshdesk.verify(headers, BODY, BASIC, NOW)
    freshdesk.verify({"authorization": headers["Authorization"]}, BODY, BASIC, NOW)


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        (basic("caselog-hook:fd-password-for-tesTs"), "bad credentials"),
        (basic("caselog-hoo:fd-password-for-tests"), "bad credentials"),
        ({"Authorization": "Bearer fd-password-for-tests"}, "Authorization header is not Basic"),
        ({"Authorization": "Basic %%%not-base64"}, "malformed Authorization header"),
        ({}, "missing header Authorization"),
    ],
)
def test_wrong_or_missing_basic_credentials_are_rejected(
    headers: dict[str, str], reason: str
) -> None:
    assert reason_of(headers, BASIC) == reason


@pytest.mark.parametrize("secret", [SharedSecretHeader(""), BasicAuth("caselog-hook", "")])
def test_an_unconfigured_credential_fails_closed(secret: freshdesk.FreshdeskSecret) -> None:
    headers = {"X-Caselog-Webhook-Secret": "", **basic("caselog-hook:")}
    assert reason_of(headers, secret) == "no webhook secret is configured"


def test_credentials_stay_out_of_reprs_and_parse_from_the_setting() -> None:
    assert "fd-shared-secret" not in repr(SHARED)
    assert "fd-password" not in repr(BASIC)
    assert BasicAuth.from_setting("caselog-hook:pa:ss") == BasicAuth("caselog-hook", "pa:ss")


def test_the_document_becomes_a_consultation() -> None:
    consultation = freshdesk.normalize(document())

    assert consultation.source.platform == "freshdesk"
    assert consultation.source.external_id == "1024"
    assert consultation.channel is Channel.EMAIL
    assert consultation.received_at == datetime(2024, 3, 5, 10, 32, tzinfo=JST)
    assert consultation.customer.name == NAME
    assert consultation.customer.email == EMAIL
    assert consultation.customer.phone == PHONE
    assert consultation.customer.relationship is Relationship.UNKNOWN
    assert consultation.subject == "返品したいです"
    assert consultation.body == "昨日届いた加湿器が動きません。\n返品&返金を希望します。"


@pytest.mark.parametrize(
    ("source", "channel"),
    [
        ("Email", Channel.EMAIL),
        ("Outbound Email", Channel.EMAIL),
        ("1", Channel.EMAIL),
        ("Portal", Channel.WEB_FORM),
        ("Feedback Widget", Channel.WEB_FORM),
        ("9", Channel.WEB_FORM),
        ("Phone", Channel.PHONE),
        (3, Channel.PHONE),
        ("Chat", Channel.CHAT),
        ("WhatsApp", Channel.SNS),
        ("Mobihelp", Channel.OTHER),
        ("", Channel.OTHER),
    ],
)
def test_sources_are_mapped(source: str | int, channel: Channel) -> None:
    assert freshdesk.normalize(document(source=source)).channel is channel


def test_a_rails_style_creation_time_is_read() -> None:
    consultation = freshdesk.normalize(document(created_at="2024-03-05 10:32:00 +0900"))
    assert consultation.received_at == datetime(2024, 3, 5, 1, 32, tzinfo=UTC)


@pytest.mark.parametrize("created_at", ["2024-03-05 10:32", "Tue, 5 Mar, 2024 at 10:32 AM"])
def test_a_creation_time_without_offset_is_refused(created_at: str) -> None:
    with pytest.raises(PlatformPayloadError) as caught:
        freshdesk.normalize(document(created_at=created_at))
    assert caught.value.field == "ticket.created_at"


def test_the_relationship_custom_field_is_taken_when_set() -> None:
    consultation = freshdesk.normalize(document(relationship="Purchaser"))
    assert consultation.customer.relationship is Relationship.PURCHASER


def test_an_unknown_relationship_choice_is_a_setup_error() -> None:
    with pytest.raises(PlatformPayloadError) as caught:
        freshdesk.normalize(document(relationship="購入者"))
    assert caught.value.field == "ticket.relationship"
    assert "購入者" not in str(caught.value)


def test_the_mobile_number_stands_in_for_a_missing_phone() -> None:
    payload = document()
    payload["contact"]["phone"] = ""
    assert freshdesk.normalize(payload).customer.phone == MOBILE


def test_other_events_are_unsupported() -> None:
    with pytest.raises(UnsupportedPlatformEvent) as caught:
        freshdesk.normalize({**document(), "event": "ticket.updated"})
    assert caught.value.field == "event"


@pytest.mark.parametrize(
    ("section", "field", "path"),
    [
        ("contact", "name", "contact.name"),
        ("ticket", "id", "ticket.id"),
        ("ticket", "description", "ticket.description"),
        ("ticket", "created_at", "ticket.created_at"),
    ],
)
def test_a_missing_required_field_is_named_without_personal_values(
    section: str, field: str, path: str
) -> None:
    payload = document()
    payload[section][field] = ""  # an empty placeholder renders as an empty string

    with pytest.raises(PlatformPayloadError) as caught:
        freshdesk.normalize(payload)

    assert caught.value.field == path
    assert_mentions_none(caught.value, PERSONAL)


def test_a_description_that_is_only_markup_is_refused() -> None:
    with pytest.raises(PlatformPayloadError) as caught:
        freshdesk.normalize(document(description="<div><br></div>"))
    assert caught.value.field == "ticket.description"


def test_a_rejected_email_is_named_and_never_quoted() -> None:
    payload = document()
    full_width_at = "hanako.sato\uff20example.co.jp"  # typed with a Japanese input method
    payload["contact"]["email"] = full_width_at
    with pytest.raises(PlatformPayloadError) as caught:
        freshdesk.normalize(payload)
    assert caught.value.field == "contact.email"
    assert_mentions_none(caught.value, (*PERSONAL, full_width_at))
