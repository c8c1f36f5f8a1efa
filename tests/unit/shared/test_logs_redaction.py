"""Personal data never reaches the log output, whoever logs it and however deeply it is nested."""

import io
import json
import logging
import random
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import structlog
from pydantic import BaseModel

from shared.logs import configure_logging
from shared.personal_data import REDACTED, is_personal_field, scrub_text
from shared.settings import load_settings

Capture = Callable[[str], io.StringIO]


@pytest.fixture
def capture() -> Iterator[Capture]:
    """Configure logging for an environment, writing into a buffer; restore afterwards."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)

    def configure(environment: str) -> io.StringIO:
        buffer = io.StringIO()
        configure_logging(
            load_settings(service_name="test", environment=environment, log_level="DEBUG"),
            stream=buffer,
        )
        return buffer

    yield configure
    structlog.contextvars.clear_contextvars()
    structlog.reset_defaults()
    root.handlers, root.level = saved[0], saved[1]


def json_lines(buffer: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]


def test_personal_keys_are_redacted_at_any_depth(capture: Capture) -> None:
    buffer = capture("production")

    structlog.get_logger("t").info(
        "consultation received",
        email="taro@example.com",
        customer={"name": "Yamada Taro", "tier": "gold"},
        contacts=[{"phone": "03-1234-5678", "channel": "phone"}],
        body="I want a refund",
        confidential_notes="secret",
        plaintext="abc",
        service_name="intake",
    )

    [line] = json_lines(buffer)
    assert line["email"] == REDACTED
    assert line["customer"] == REDACTED
    assert line["contacts"] == [{"phone": REDACTED, "channel": "phone"}]
    assert line["body"] == REDACTED
    assert line["confidential_notes"] == REDACTED
    assert line["plaintext"] == REDACTED
    # Not every key containing "name" is personal.
    assert line["service_name"] == "intake"


def test_nested_personal_keys_under_neutral_keys(capture: Capture) -> None:
    buffer = capture("production")

    structlog.get_logger("t").info("x", details={"order": 7, "requester": {"name": "Taro"}})

    [line] = json_lines(buffer)
    assert line["details"] == {"order": 7, "requester": REDACTED}


def test_email_addresses_and_phone_numbers_are_scrubbed_from_any_string(capture: Capture) -> None:
    buffer = capture("production")

    structlog.get_logger("t").warning(
        "mail from taro@example.com", reason="call back on +81 90-1234-5678 please"
    )

    [line] = json_lines(buffer)
    assert line["event"] == f"mail from {REDACTED}"
    assert line["reason"] == f"call back on {REDACTED} please"
    assert "example.com" not in buffer.getvalue()


def test_pydantic_models_are_redacted_field_by_field(capture: Capture) -> None:
    class Customer(BaseModel):
        email: str
        segment: str

    buffer = capture("production")

    structlog.get_logger("t").info("x", record=Customer(email="a@b.example", segment="retail"))

    [line] = json_lines(buffer)
    assert line["record"] == {"email": REDACTED, "segment": "retail"}


def test_context_is_merged_into_every_event(capture: Capture) -> None:
    buffer = capture("production")
    structlog.contextvars.bind_contextvars(
        correlation_id="c-1", case_id="case-1", event_id="e-1", topic="caselog.intake"
    )

    structlog.get_logger("t").info("handled", partition=3, offset=42)

    [line] = json_lines(buffer)
    assert line["correlation_id"] == "c-1"
    assert line["case_id"] == "case-1"
    assert line["event_id"] == "e-1"
    assert (line["topic"], line["partition"], line["offset"]) == ("caselog.intake", 3, 42)
    assert line["level"] == "info"
    assert line["timestamp"].endswith("Z")


def test_exception_text_is_scrubbed_and_has_no_locals(capture: Capture) -> None:
    buffer = capture("production")
    customer_email = "hanako@example.org"

    try:
        raise ValueError(f"cannot reach {customer_email}")
    except ValueError:
        structlog.get_logger("t").exception("failed")

    [line] = json_lines(buffer)
    assert "ValueError: cannot reach [redacted]" in line["exception"]
    assert "hanako" not in buffer.getvalue()


def test_foreign_library_records_are_redacted_too(capture: Capture) -> None:
    buffer = capture("production")

    logging.getLogger("uvicorn.error").warning("client %s disconnected", "x@y.example")

    [line] = json_lines(buffer)
    assert line["event"] == f"client {REDACTED} disconnected"
    assert line["logger"] == "uvicorn.error"


def test_development_renders_console_lines_and_still_redacts(capture: Capture) -> None:
    buffer = capture("development")

    structlog.get_logger("t").info("hello", name="Taro", case_id="case-9")

    text = buffer.getvalue()
    assert "hello" in text
    assert "case_id=case-9" in text
    assert "Taro" not in text
    assert not text.lstrip().startswith("{")
    assert "\x1b[" not in text  # no colour codes when the stream is not a terminal


def test_log_level_filters(capture: Capture) -> None:
    buffer = io.StringIO()
    configure_logging(load_settings(service_name="t", log_level="WARNING"), stream=buffer)

    structlog.get_logger("t").info("quiet")
    structlog.get_logger("t").warning("loud")

    assert "quiet" not in buffer.getvalue()
    assert "loud" in buffer.getvalue()


@pytest.mark.parametrize(
    "name",
    ["email", "Customer-Email", "phone_number", "address", "name", "body", "confidential_notes"],
)
def test_personal_field_names(name: str) -> None:
    assert is_personal_field(name)


@pytest.mark.parametrize("name", ["service_name", "topic", "case_id", "event_id", "channel"])
def test_neutral_field_names(name: str) -> None:
    assert not is_personal_field(name)


@pytest.mark.parametrize(
    "text",
    [
        "2025-11-29T20:05:09.624805Z",
        "2025-11-29 12:00:00",
        "0190a8b2-7c4e-7123-8123-123456789012",
        "12345678-1234-7123-8123-123456789012",
        "kafka:9092",
        "caselog.intake partition 3 offset 42",
    ],
)
def test_timestamps_ids_and_addresses_are_not_mistaken_for_phone_numbers(text: str) -> None:
    assert scrub_text(text) == text


@pytest.mark.parametrize(
    "text", ["090-1234-5678", "03 1234 5678", "+1 (555) 123-4567", "08012345678", "a.b+c@d.co.jp"]
)
def test_phone_numbers_and_addresses_are_found(text: str) -> None:
    assert scrub_text(f"see {text}.") == f"see {REDACTED}."


def test_uuids_that_redaction_skips_are_ones_scrubbing_would_keep() -> None:
    # The processor does not scan canonical UUIDs (ids on every line): that must change nothing.
    rng = random.Random(9)
    uuids = [str(uuid.UUID(int=rng.getrandbits(128))) for _ in range(2000)]
    digits_only = ["".join(c if c == "-" else rng.choice("0123456789") for c in u) for u in uuids]
    for text in [*uuids, *digits_only, "12345678-1234-1234-1234-123456789012"]:
        assert scrub_text(text) == text


def test_generated_fields_cannot_carry_personal_data_from_a_caller(capture: Capture) -> None:
    buffer = capture("production")

    structlog.get_logger("t").info(
        "x", timestamp="taro@example.com", level="090-1234-5678", logger="taro@example.com"
    )

    assert "taro@example.com" not in buffer.getvalue()
    assert "090-1234-5678" not in buffer.getvalue()
