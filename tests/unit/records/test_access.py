"""Who may reveal, what must be said, and what the access event and reveal bookkeeping hold."""

from datetime import UTC, datetime

import pytest

from services.records.domain.access import Reveal, access_event
from services.records.domain.errors import (
    InvalidPurposeError,
    PurposeRequiredError,
    RevealRefusedError,
)
from services.records.domain.timeline import Window
from shared.auth.roles import Principal, Role
from shared.bundle.reveal import ciphertext_paths, revealed_paths

SEALED = {"enc": "v1", "kid": "k", "nonce": "n", "ct": "c"}
NOW = datetime(2025, 6, 2, 12, tzinfo=UTC)
FULL_WIDTH = {ord(c): ord(c) + 0xFEE0 for c in "0123456789-"}


def caller(*roles: Role) -> Principal:
    return Principal("someone", frozenset(roles))


@pytest.mark.parametrize("role", [Role.AGENT, Role.SUPERVISOR, Role.ADMIN, Role.PLATFORM])
def test_only_revealing_roles_may_reveal(role: Role) -> None:
    with pytest.raises(RevealRefusedError, match="legal, privacy_officer"):
        Reveal.authorize(caller(role), "litigation hold review", None)


def test_a_reveal_needs_a_purpose_or_a_matter() -> None:
    with pytest.raises(PurposeRequiredError) as refused:
        Reveal.authorize(caller(Role.LEGAL), None, None)
    assert refused.value.field == "purpose"
    assert Reveal.authorize(caller(Role.LEGAL), None, "M-7").matter == "M-7"


def test_the_access_event_names_fields_never_values() -> None:
    reveal = Reveal.authorize(caller(Role.AGENT, Role.PRIVACY_OFFICER), "DSAR-12", None)
    envelope = access_event(
        reveal,
        case_id="case-1",
        subject_id="subject-1",
        view="timeline",
        window=Window(as_of=NOW),
        fields={"e-1": ("customer.name", "body"), "e-2": ()},
        correlation_id="corr-1",
        now=NOW,
    )

    assert envelope.type == "access.recorded"
    assert (envelope.producer, envelope.case_id, envelope.subject_id) == (
        "records",
        "case-1",
        "subject-1",
    )
    assert envelope.payload == {
        "actor": "someone",
        "role": "privacy_officer",
        "purpose": "DSAR-12",
        "matter": None,
        "view": "timeline",
        "as_of": NOW.isoformat(),
        "valid_at": None,
        "revealed": [{"event_id": "e-1", "fields": ["customer.name", "body"]}],
    }


def test_revealed_paths_are_the_ciphertexts_now_in_plaintext() -> None:
    stored = {
        "customer": {"name": SEALED, "email": SEALED, "phone": None},
        "items": [SEALED, {"x": SEALED}],
        "channel": "phone",
    }
    shown = {
        "customer": {"name": "山田", "email": "[erased]", "phone": None},
        "items": ["a", {"x": SEALED}],
        "channel": "phone",
    }

    assert list(ciphertext_paths(stored)) == [
        "customer.name",
        "customer.email",
        "items.0",
        "items.1.x",
    ]
    assert revealed_paths(stored, shown) == ("customer.name", "items.0")


@pytest.mark.parametrize(
    ("purpose", "reason"),
    [
        ("   ", "empty"),
        ("\u3000\u3000", "empty"),  # ideographic spaces
        ("\x00\x07\x1b", "control"),
        ("review\u200b", "invisible"),
        ("review\u202eweiver", "invisible"),  # right-to-left override
        ("ask taro.yamada@example.jp", "details"),
        ("called 090-1234-5678 back", "details"),
        ("電話 " + "090-1234-5678".translate(FULL_WIDTH), "details"),
        ("x" * 201, "at most 200"),
    ],
    ids=[
        "spaces",
        "ideographic",
        "controls",
        "zero-width",
        "bidi",
        "email",
        "phone",
        "full-width-phone",
        "too-long",
    ],
)
def test_a_purpose_kept_in_the_log_is_visible_text_naming_no_person(
    purpose: str, reason: str
) -> None:
    for field, args in (("purpose", (purpose, None)), ("matter", (None, purpose))):
        with pytest.raises(InvalidPurposeError, match=reason) as refused:
            Reveal.authorize(caller(Role.LEGAL), *args)
        assert refused.value.field == field
        assert purpose.strip() not in str(refused.value) or not purpose.strip()


def test_purposes_are_stripped_and_japanese_matter_references_accepted() -> None:
    reveal = Reveal.authorize(caller(Role.LEGAL), "  訴訟準備のための確認 ", "令和8年(ワ)第123号")

    assert reveal.purpose == "訴訟準備のための確認"
    assert reveal.matter == "令和8年(ワ)第123号"
