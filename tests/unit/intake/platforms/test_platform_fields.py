"""The relationship and the closure reason from each platform's configured field (set, absent,
an unknown value), as settings bind them; a Zendesk ticket solved, closed or reopened."""

from datetime import UTC, datetime
from typing import Any

import pytest

from services.intake.adapters.platforms import freshdesk, intercom, zendesk
from services.intake.adapters.platforms.errors import (
    PlatformPayloadError,
    UnsupportedPlatformEvent,
)
from services.intake.adapters.platforms.registry import webhook_platforms
from services.intake.domain.consultation import Consultation, Relationship
from services.intake.domain.contacts import (
    ClosureReason,
    ContactKind,
    PlatformClosure,
    PlatformFollowUp,
)
from shared.settings import CaselogSettings
from tests.unit.intake.platforms.test_freshdesk import document
from tests.unit.intake.platforms.test_intercom import conversation, notification
from tests.unit.intake.platforms.test_zendesk import ticket_created

FIELD_ID = "360001234"
SETTINGS = CaselogSettings(
    service_name="intake",
    zendesk_relationship_field=FIELD_ID,
    zendesk_closure_reason_field="360009999",
    intercom_closure_reason_attribute="Closed because",
    freshdesk_relationship_field="cf_customer_type",
    intercom_relationship_attribute="Customer type",
    platform_relationship_values={"Buyer": "purchaser", "lead": "prospective"},
    platform_relationship_default="other",
    platform_closure_reason_values={"customer_gave_up": "withdrawn"},
)
PLATFORMS = webhook_platforms(SETTINGS)


def zendesk_ticket(value: object | None) -> dict[str, Any]:
    fields = [{"id": 360000001, "value": "x"}]
    if value is not None:
        fields.append({"id": int(FIELD_ID), "value": value})
    return ticket_created(custom_fields=fields)


def freshdesk_ticket(value: str | None) -> dict[str, Any]:
    return document() if value is None else document(cf_customer_type=value)


def intercom_conversation(value: str | None) -> dict[str, Any]:
    item = conversation()
    item["custom_attributes"] = {} if value is None else {"Customer type": value}
    return notification("conversation.user.created", item)


BUILDERS = {
    "zendesk": zendesk_ticket,
    "freshdesk": freshdesk_ticket,
    "intercom": intercom_conversation,
}
UNKNOWN_PATHS = {
    "zendesk": f"detail.custom_fields[id={FIELD_ID}]",
    "freshdesk": "ticket.cf_customer_type",
    "intercom": "data.item.custom_attributes.Customer type",
}


def relationship_of(platform: str, value: str | None) -> Relationship:
    mapped = PLATFORMS[platform].normalize(BUILDERS[platform](value))
    assert isinstance(mapped, Consultation)
    return mapped.customer.relationship


@pytest.mark.parametrize("platform", BUILDERS)
@pytest.mark.parametrize(
    ("value", "relationship"),
    [
        ("purchaser", Relationship.PURCHASER),
        ("Prospective", Relationship.PROSPECTIVE),
        ("buyer", Relationship.PURCHASER),  # the platform's own label, mapped
        ("LEAD", Relationship.PROSPECTIVE),
        (None, Relationship.OTHER),  # absent: the configured default
        ("", Relationship.OTHER),
    ],
)
def test_the_relationship_comes_from_the_configured_field(
    platform: str, value: str | None, relationship: Relationship
) -> None:
    assert relationship_of(platform, value) is relationship


@pytest.mark.parametrize("platform", BUILDERS)
def test_an_unknown_value_is_a_setup_error_naming_the_field_not_the_value(platform: str) -> None:
    with pytest.raises(PlatformPayloadError) as caught:
        relationship_of(platform, "得意先")
    assert caught.value.field == UNKNOWN_PATHS[platform]
    assert "得意先" not in str(caught.value)
    assert "purchaser" in str(caught.value)


def test_unconfigured_a_zendesk_ticket_stays_unknown_whatever_its_fields() -> None:
    mapped = zendesk.normalize(zendesk_ticket("purchaser"))
    assert isinstance(mapped, Consultation)
    assert mapped.customer.relationship is Relationship.UNKNOWN


def test_unconfigured_intercom_and_freshdesk_keep_their_former_reading() -> None:
    mapped = intercom.normalize(intercom_conversation("purchaser"))
    assert isinstance(mapped, Consultation)
    assert mapped.customer.relationship is Relationship.UNKNOWN
    legacy = freshdesk.normalize(document(relationship="purchaser"))
    assert legacy.customer.relationship is Relationship.PURCHASER


def status_changed(current: str, previous: str, reason: str | None = None) -> dict[str, Any]:
    """Modelled on the ticket.status_changed example of Zendesk's "Ticket events" page."""
    fields = [] if reason is None else [{"id": 360009999, "value": reason}]
    payload = ticket_created(status=current, custom_fields=fields)
    payload["type"] = "zen:event-type:ticket.status_changed"
    payload["id"] = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
    payload["event"] = {"current": current, "previous": previous}
    return payload


@pytest.mark.parametrize("status", ["SOLVED", "CLOSED"])
def test_a_solved_or_closed_ticket_is_a_close_request_satisfied_by_default(status: str) -> None:
    mapped = PLATFORMS["zendesk"].normalize(status_changed(status, "OPEN"))
    assert isinstance(mapped, PlatformClosure)
    assert mapped.ticket_id == "35436"
    assert mapped.event_id == "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
    assert mapped.request.reason is ClosureReason.SATISFIED
    assert mapped.request.requested_at == datetime(2024, 4, 17, 17, 18, 10, 672717, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "reason"),
    [("withdrawn", ClosureReason.WITHDRAWN), ("customer_gave_up", ClosureReason.WITHDRAWN)],
)
def test_the_closure_reason_comes_from_its_configured_field(
    value: str, reason: ClosureReason
) -> None:
    mapped = PLATFORMS["zendesk"].normalize(status_changed("SOLVED", "OPEN", value))
    assert isinstance(mapped, PlatformClosure)
    assert mapped.request.reason is reason


def test_a_reopened_ticket_is_a_follow_up_once_per_status_change() -> None:
    mapped = PLATFORMS["zendesk"].normalize(status_changed("OPEN", "SOLVED"))
    assert isinstance(mapped, PlatformFollowUp)
    assert mapped.contact.kind is ContactKind.CUSTOMER_CONTACT
    assert mapped.contact.source is not None
    assert mapped.contact.source.external_id == "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"


def test_other_status_changes_are_not_cases_events() -> None:
    with pytest.raises(UnsupportedPlatformEvent) as caught:
        PLATFORMS["zendesk"].normalize(status_changed("PENDING", "OPEN"))
    assert caught.value.field == "event.current"


def intercom_status(topic: str, reason: str | None = None) -> dict[str, Any]:
    item = conversation()
    item["custom_attributes"] = {} if reason is None else {"Closed because": reason}
    return notification(topic, item)


@pytest.mark.parametrize(
    ("reason", "expected"),
    [(None, ClosureReason.SATISFIED), ("customer_gave_up", ClosureReason.WITHDRAWN)],
)
def test_an_intercom_conversation_closed_by_an_admin_is_a_close_request(
    reason: str | None, expected: ClosureReason
) -> None:
    mapped = PLATFORMS["intercom"].normalize(intercom_status("conversation.admin.closed", reason))
    assert isinstance(mapped, PlatformClosure)
    assert mapped.ticket_id == "147"
    assert mapped.event_id == "notif_ccd8a4d0-f965-11e3-a367-c779cae3e1b3"
    assert mapped.request.reason is expected


def test_an_intercom_conversation_reopened_is_a_follow_up() -> None:
    mapped = PLATFORMS["intercom"].normalize(intercom_status("conversation.admin.opened"))
    assert isinstance(mapped, PlatformFollowUp)
    assert mapped.contact.kind is ContactKind.CUSTOMER_CONTACT
