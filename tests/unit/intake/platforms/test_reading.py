"""The shared pieces: path reading, HTML to text, subjects, and validation errors without values."""

from datetime import UTC, datetime

import pytest
from pydantic import BaseModel, field_validator

from services.intake.adapters.platforms import models
from services.intake.adapters.platforms.errors import PlatformPayloadError
from services.intake.adapters.platforms.models import plain_text, subject_from
from services.intake.adapters.platforms.payload import dotted, epoch, text, value_at
from services.intake.domain.consultation import Channel
from tests.unit.intake.platforms.leaks import assert_mentions_none


def test_paths_read_as_dotted_names_with_list_indexes() -> None:
    assert dotted(("data", "item", "parts", 0, "body")) == "data.item.parts[0].body"
    assert dotted(()) == "(payload)"


def test_a_step_into_something_that_is_not_an_object_is_named() -> None:
    with pytest.raises(PlatformPayloadError) as caught:
        value_at({"detail": "山田"}, ("detail", "requester", "name"))
    assert caught.value.field == "detail"
    assert "山田" not in str(caught.value)


def test_missing_null_and_blank_are_all_missing() -> None:
    for payload in ({}, {"id": None}, {"id": "  "}):
        with pytest.raises(PlatformPayloadError, match="required but missing or empty"):
            text(payload, ("id",))
    assert text({"id": 35436}, ("id",)) == "35436"


@pytest.mark.parametrize("value", [True, "1714532400", -1, 10**13])
def test_epoch_times_must_be_plausible_numbers(value: object) -> None:
    with pytest.raises(PlatformPayloadError) as caught:
        epoch({"created_at": value}, ("created_at",))
    assert caught.value.field == "created_at"


def test_epoch_milliseconds_are_read() -> None:
    moment = epoch({"t": 1714543200000}, ("t",), unit="ms")
    assert moment == datetime(2024, 5, 1, 6, 0, tzinfo=UTC)


def test_html_becomes_readable_text() -> None:
    html = (
        "<html><head><style>p{color:red}</style></head><body>"
        "<p>お世話になっております。</p><p>3 &lt; 5 &amp; a < b</p>"
        "<ul><li>品番: KT-100</li><li>数量: 2</li></ul><script>alert(1)</script></body></html>"
    )
    assert plain_text(html) == ("お世話になっております。\n3 < 5 & a < b\n品番: KT-100\n数量: 2")


def test_subjects_are_cut_not_refused() -> None:
    assert len(subject_from("件" * 600, "本文")) == 500
    assert subject_from(None, "\n\n" + "あ" * 100 + "\n二行目") == "あ" * 79 + "…"
    assert subject_from("", "短い本文") == "短い本文"


def test_a_body_past_the_byte_limit_is_named_by_its_path() -> None:
    # 30,000 characters fit max_length but are 90,000 bytes of UTF-8, past the body limit.
    body = "長" * 30_000
    with pytest.raises(PlatformPayloadError) as caught:
        models.consultation(
            paths={"body": "ticket.description"},
            platform="freshdesk",
            external_id="1",
            channel=Channel.EMAIL,
            received_at=datetime(2024, 1, 1, tzinfo=UTC),
            customer={"name": "山田 太郎"},
            subject=None,
            body=body,
        )
    assert caught.value.field == "ticket.description"
    assert caught.value.reason == "longer than 65536 bytes of UTF-8"
    assert caught.value.__context__ is None
    assert_mentions_none(caught.value, ("山田 太郎", "長" * 20))


def test_an_unmapped_model_field_is_named_by_its_model_path() -> None:
    with pytest.raises(PlatformPayloadError) as caught:
        models.consultation(
            paths={},
            platform="Not A Platform",
            external_id="1",
            channel=Channel.EMAIL,
            received_at=datetime(2024, 1, 1, tzinfo=UTC),
            customer={"name": "山田 太郎"},
            subject="件名",
            body="本文",
        )
    assert caught.value.field == "source.platform"


class _QuotingModel(BaseModel):
    code: str

    @field_validator("code")
    @classmethod
    def refuse(cls, value: str) -> str:
        raise ValueError(f"unknown code {value}")


def test_messages_of_custom_validators_are_not_passed_on() -> None:
    secret_ish = "090-1234-5678"
    with pytest.raises(PlatformPayloadError) as caught:
        models.validated(_QuotingModel, {"code": secret_ish}, {"code": "ticket.code"})
    assert caught.value.field == "ticket.code"
    assert_mentions_none(caught.value, (secret_ish,))
