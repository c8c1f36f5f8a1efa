"""v1 ciphertext objects (and the codec's v2 round trip): round trips, tampering, and moving
a ciphertext anywhere else all fail."""

import base64
from typing import Any
from uuid import UUID

import pytest

from shared.crypto.ciphertext import Ciphertext, FieldBinding, open_sealed, parse, seal
from shared.crypto.class_ciphertext import is_sealed
from shared.crypto.codec import FieldCodec
from shared.crypto.data_key import DataKey, new_key_id, new_key_material
from shared.crypto.errors import CiphertextError
from shared.crypto.grants import reader_for
from shared.ids import new_event_id
from tests.unit.shared.crypto.models import Consultation, consultation, value_at

CASE = "case-1"
PRIVACY = reader_for("privacy")


@pytest.fixture
def key() -> DataKey:
    return DataKey(new_key_id(), new_key_material())


def test_seal_gives_a_v1_object_with_a_96_bit_nonce_and_a_128_bit_tag(key: DataKey) -> None:
    sealed = seal(key, b"taro@example.com", FieldBinding(CASE, new_event_id(), "customer.email"))

    parsed = Ciphertext.model_validate(sealed)
    assert parsed.enc == "v1"
    assert parsed.kid == key.kid
    assert len(base64.b64decode(parsed.nonce)) == 12
    assert len(base64.b64decode(parsed.ct)) == len(b"taro@example.com") + 16


def test_nonces_are_fresh_for_every_seal(key: DataKey) -> None:
    binding = FieldBinding(CASE, new_event_id(), "body")
    nonces = {seal(key, b"same", binding)["nonce"] for _ in range(200)}
    assert len(nonces) == 200


@pytest.mark.parametrize(
    ("path", "plaintext"),
    [
        ("customer.name", "山田 太郎"),
        ("customer.email", "taro@example.com"),
        ("body", "The kettle leaks after two days."),
        ("demand", {"refund_yen": 4980}),
        ("recording", "rec://calls/2024/0001.opus"),
        ("attachments.0.reference", "rec://photos/1.jpg"),
    ],
    ids=["identity-name", "identity-email", "content", "content-object", "recording", "nested"],
)
async def test_every_field_class_round_trips(
    codec: FieldCodec, event_id: UUID, path: str, plaintext: Any
) -> None:
    payload = await codec.encrypt(consultation(), case_id=CASE, event_id=event_id)
    assert is_sealed(value_at(payload, path))
    assert value_at(payload, path)["enc"] == "v2"

    clear = await codec.decrypt(
        payload, Consultation, case_id=CASE, event_id=event_id, reader=PRIVACY
    )

    assert value_at(clear, path) == plaintext
    assert clear == consultation().model_dump(mode="json")


@pytest.mark.parametrize(("part", "index"), [("nonce", 0), ("nonce", 11), ("ct", 0), ("ct", -1)])
def test_a_flipped_bit_in_nonce_ciphertext_or_tag_fails(
    key: DataKey, part: str, index: int
) -> None:
    # ct = ciphertext || 16-byte tag, so index -1 flips a tag byte and index 0 a data byte.
    binding = FieldBinding(CASE, new_event_id(), "customer.email")
    sealed = seal(key, b"taro@example.com", binding)
    raw = bytearray(base64.b64decode(sealed[part]))
    raw[index] ^= 0x01
    tampered = Ciphertext.model_validate({**sealed, part: base64.b64encode(raw).decode()})

    with pytest.raises(CiphertextError) as raised:
        open_sealed(key, tampered, binding)
    assert "taro" not in str(raised.value)


@pytest.mark.parametrize(
    "elsewhere",
    [
        FieldBinding(CASE, UUID(int=1), "customer.name"),  # another field
        FieldBinding(CASE, UUID(int=2), "customer.email"),  # another event
        FieldBinding("case-2", UUID(int=1), "customer.email"),  # another case
    ],
    ids=["field", "event", "case"],
)
def test_a_ciphertext_moved_to_another_field_event_or_case_fails(
    key: DataKey, elsewhere: FieldBinding
) -> None:
    sealed = parse(
        seal(key, b"taro@example.com", FieldBinding(CASE, UUID(int=1), "customer.email")), "x"
    )

    with pytest.raises(CiphertextError, match="does not authenticate"):
        open_sealed(key, sealed, elsewhere)


async def test_swapping_two_fields_inside_a_payload_fails(
    codec: FieldCodec, event_id: UUID
) -> None:
    payload = await codec.encrypt(consultation(), case_id=CASE, event_id=event_id)
    customer = payload["customer"]
    customer["name"], customer["email"] = customer["email"], customer["name"]

    with pytest.raises(CiphertextError, match=r"customer\.name"):
        await codec.decrypt(payload, Consultation, case_id=CASE, event_id=event_id, reader=PRIVACY)


def test_a_ciphertext_under_another_key_id_is_refused(key: DataKey) -> None:
    binding = FieldBinding(CASE, new_event_id(), "body")
    other = DataKey(new_key_id(), new_key_material())

    with pytest.raises(CiphertextError, match="sealed under key"):
        open_sealed(other, parse(seal(key, b"text", binding), "body"), binding)


@pytest.mark.parametrize(
    "value",
    [
        "taro@example.com",
        {"enc": "v2", "kid": "k", "nonce": "AA==", "ct": "AA=="},
        {"enc": "v1", "kid": "k", "nonce": "AA=="},
    ],
    ids=["plaintext", "unknown-version", "missing-ct"],
)
def test_anything_but_a_v1_object_is_refused_without_quoting_it(value: Any) -> None:
    with pytest.raises(CiphertextError) as raised:
        parse(value, "customer.email")
    assert "taro" not in str(raised.value)
    assert "customer.email" in str(raised.value)


def test_associated_data_is_unambiguous() -> None:
    first = FieldBinding("ab", "c", "d").associated_data("k")
    second = FieldBinding("a", "bc", "d").associated_data("k")
    assert first != second
