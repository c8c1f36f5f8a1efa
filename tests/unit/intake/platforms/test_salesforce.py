"""Salesforce: Case Change Data Capture CREATE events mapped; other changes refused by name."""

from datetime import UTC, datetime
from typing import Any

import pytest

from services.intake.adapters.platforms import salesforce
from services.intake.adapters.platforms.errors import (
    PlatformPayloadError,
    UnsupportedPlatformEvent,
)
from services.intake.domain.consultation import Channel, Relationship
from tests.unit.intake.platforms.leaks import assert_mentions_none

NAME, EMAIL, PHONE = "田中 美咲", "misaki.tanaka@example.ne.jp", "06-6123-4567"
PERSONAL = (NAME, EMAIL, PHONE, "misaki.tanaka")
HEADER = "data.payload.ChangeEventHeader"


def case_created(**fields: Any) -> dict[str, Any]:
    """Shaped as the "Change Event Message Structure" page of Salesforce's CDC guide shows it."""
    return {
        "data": {
            "schema": "IeRuaY6cbI_HsV8Rv1Mc5g",
            "payload": {
                "ChangeEventHeader": {
                    "entityName": "Case",
                    "recordIds": ["5005g00000AbCdEAAV"],
                    "changeType": "CREATE",
                    "changeOrigin": "com/salesforce/api/soap/58.0;client=web-to-case",
                    "transactionKey": "0002343d-9d90-e395-ed20-cf416ba652ad",
                    "sequenceNumber": 1,
                    "commitTimestamp": 1714543200000,
                    "commitNumber": 11602342458523,
                    "commitUser": "0055g00000Ab1CdAAJ",
                },
                "Subject": "請求書の金額が違います",
                "Description": "5月分の請求が二重になっているようです。ご確認ください。",
                "Origin": "Web",
                "Status": "New",
                "SuppliedName": NAME,
                "SuppliedEmail": EMAIL,
                "SuppliedPhone": PHONE,
                "CreatedDate": "2024-05-01T06:00:00.000Z",
                **fields,
            },
            "event": {"replayId": 6},
        },
        "channel": "/data/CaseChangeEvent",
    }


def test_a_case_create_becomes_a_consultation() -> None:
    consultation = salesforce.normalize(case_created())

    assert consultation.source.platform == "salesforce"
    assert consultation.source.external_id == "5005g00000AbCdEAAV"
    assert consultation.channel is Channel.WEB_FORM
    assert consultation.received_at == datetime(2024, 5, 1, 6, 0, tzinfo=UTC)
    assert consultation.customer.name == NAME
    assert consultation.customer.email == EMAIL
    assert consultation.customer.phone == PHONE
    assert consultation.customer.relationship is Relationship.UNKNOWN
    assert consultation.subject == "請求書の金額が違います"
    assert consultation.body == "5月分の請求が二重になっているようです。ご確認ください。"


@pytest.mark.parametrize(
    ("origin", "channel"),
    [
        ("Phone", Channel.PHONE),
        ("Email", Channel.EMAIL),
        ("Web", Channel.WEB_FORM),
        ("Chat", Channel.CHAT),
        ("Partner Portal", Channel.OTHER),
        (None, Channel.OTHER),
    ],
)
def test_origins_are_mapped(origin: str | None, channel: Channel) -> None:
    assert salesforce.normalize(case_created(Origin=origin)).channel is channel


def test_creation_time_comes_as_epoch_milliseconds_or_from_the_commit() -> None:
    as_millis = salesforce.normalize(case_created(CreatedDate=1714543200000))
    assert as_millis.received_at == datetime(2024, 5, 1, 6, 0, tzinfo=UTC)

    payload = case_created()
    del payload["data"]["payload"]["CreatedDate"]
    assert salesforce.normalize(payload).received_at == datetime(2024, 5, 1, 6, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "value", "field"),
    [
        ("changeType", "UPDATE", f"{HEADER}.changeType"),
        ("changeType", "GAP_CREATE", f"{HEADER}.changeType"),
        ("entityName", "Account", f"{HEADER}.entityName"),
    ],
)
def test_other_changes_are_unsupported(header: str, value: str, field: str) -> None:
    payload = case_created()
    payload["data"]["payload"]["ChangeEventHeader"][header] = value
    with pytest.raises(UnsupportedPlatformEvent) as caught:
        salesforce.normalize(payload)
    assert caught.value.field == field


def test_a_create_naming_several_records_is_refused() -> None:
    payload = case_created()
    payload["data"]["payload"]["ChangeEventHeader"]["recordIds"].append("5005g00000AbCdFAAV")
    with pytest.raises(PlatformPayloadError) as caught:
        salesforce.normalize(payload)
    assert caught.value.field == f"{HEADER}.recordIds"


@pytest.mark.parametrize(
    ("field", "path"),
    [("SuppliedName", "data.payload.SuppliedName"), ("Description", "data.payload.Description")],
)
def test_a_missing_required_field_is_named_without_personal_values(field: str, path: str) -> None:
    payload = case_created()
    del payload["data"]["payload"][field]

    with pytest.raises(PlatformPayloadError) as caught:
        salesforce.normalize(payload)

    assert caught.value.field == path
    assert_mentions_none(caught.value, PERSONAL)


def test_a_rejected_email_is_named_and_never_quoted() -> None:
    bad_email = "misaki.tanaka@@example"  # a variable: the traceback shows this test's lines
    with pytest.raises(PlatformPayloadError) as caught:
        salesforce.normalize(case_created(SuppliedEmail=bad_email))
    assert caught.value.field == "data.payload.SuppliedEmail"
    assert_mentions_none(caught.value, (*PERSONAL, bad_email))
