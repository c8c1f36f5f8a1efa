"""The v2 ciphertext (one AES-GCM operation per field class of an event): round trips, old v1
events still open, every kind of tampering is refused, erasure, and a reveal of one field."""

import base64
import json
from typing import Any
from uuid import UUID

import pytest
from pydantic import BaseModel, TypeAdapter

from shared.bundle.reveal import (
    ciphertext_digest,
    ciphertext_paths,
    payload_difference,
    revealed_paths,
)
from shared.crypto.class_ciphertext import (
    TAG_BYTES,
    ClassBinding,
    ClassHead,
    ClassMember,
    SealedField,
    open_class,
    parse_class,
    seal_class,
)
from shared.crypto.codec import ERASED, FieldCodec, encrypt_v1
from shared.crypto.data_key import NONCE_BYTES, DataKey, new_key_id, new_key_material
from shared.crypto.errors import CiphertextError
from shared.crypto.fields import Content, FieldClass, Identity
from shared.crypto.grants import reader_for
from tests.unit.shared.crypto.fake_keys import FakeKeys
from tests.unit.shared.crypto.models import Consultation, consultation, value_at

CASE = "case-9"
PRIVACY = reader_for("privacy")
IDENTITY_PATHS = ("customer.name", "customer.email", "customer.phone")
CONTENT_PATHS = ("body", "demand")


class Pair(BaseModel):
    """Two classes of two fields each, of equal lengths: class swaps keep every shape."""

    name: Identity[str]
    email: Identity[str]
    body: Content[str]
    notes: Content[str]


PAIR = Pair(name="Taro", email="t@ex.jp", body="Kept", notes="abcdefg")


async def _sealed(codec: FieldCodec, event_id: UUID, model: BaseModel) -> dict[str, Any]:
    return await codec.encrypt(model, case_id=CASE, event_id=event_id)


async def _open(
    codec: FieldCodec, payload: dict[str, Any], schema: type[BaseModel], event: UUID
) -> dict[str, Any]:
    return await codec.decrypt(payload, schema, case_id=CASE, event_id=event, reader=PRIVACY)


async def test_an_event_round_trips_with_one_seal_per_class(
    codec: FieldCodec, event_id: UUID
) -> None:
    payload = await _sealed(codec, event_id, consultation())

    heads = [path for path in _paths(payload) if "nonce" in value_at(payload, path)]
    assert heads == ["customer.name", "body", "recording"]  # one per class, its first field
    for path in ("customer.email", "customer.phone", "demand", "attachments.0.reference"):
        ClassMember.model_validate(value_at(payload, path))
    clear = await _open(codec, payload, Consultation, event_id)
    assert clear == consultation().model_dump(mode="json")


async def test_a_class_costs_a_fixed_overhead_over_its_plaintexts(
    codec: FieldCodec, event_id: UUID
) -> None:
    payload = await _sealed(codec, event_id, consultation())
    plain = consultation().model_dump(mode="json")
    plaintexts = [json.dumps(value_at(plain, path), ensure_ascii=False) for path in IDENTITY_PATHS]

    sealed = [value_at(payload, path) for path in IDENTITY_PATHS]
    nonce, tag = (base64.b64decode(sealed[0][part]) for part in ("nonce", "tag"))
    slices = [base64.b64decode(item["ct"]) for item in sealed]
    assert (len(nonce), len(tag)) == (NONCE_BYTES, TAG_BYTES)
    assert [len(piece) for piece in slices] == [len(text.encode()) for text in plaintexts]


async def test_an_event_sealed_field_by_field_in_v1_still_opens(
    codec: FieldCodec, keys: FakeKeys, event_id: UUID
) -> None:
    key = await keys.create_or_get(CASE)
    payload = encrypt_v1(consultation(), key, case_id=CASE, event_id=event_id)
    assert {value_at(payload, path)["enc"] for path in _paths(payload)} == {"v1"}

    clear = await _open(codec, payload, Consultation, event_id)

    assert clear == consultation().model_dump(mode="json")


async def test_policy_sees_an_unopened_class_as_present_in_either_format(
    codec: FieldCodec, keys: FakeKeys, event_id: UUID
) -> None:
    v2 = await _sealed(codec, event_id, consultation())
    v1 = encrypt_v1(consultation(), await keys.create_or_get(CASE), case_id=CASE, event_id=event_id)
    sealed = TypeAdapter(SealedField)

    for payload in (v1, v2):
        read = await codec.decrypt(
            payload, Consultation, case_id=CASE, event_id=event_id, reader=reader_for("policy"),
            classes={FieldClass.CONTENT},
        )  # fmt: skip
        assert read["body"] == "The kettle leaks after two days."
        for path in IDENTITY_PATHS:
            sealed.validate_python(read["customer"][path.split(".")[1]])


def _swap_classes(payload: dict[str, Any]) -> None:
    # The heads' field lists are rewritten too, so each class names where it now stands.
    payload["name"], payload["body"] = payload["body"], payload["name"]
    payload["email"], payload["notes"] = payload["notes"], payload["email"]
    payload["name"] = {**payload["name"], "paths": ["name", "email"]}
    payload["body"] = {**payload["body"], "paths": ["body", "notes"]}


def _rename_the_fields(payload: dict[str, Any]) -> None:
    payload["name"] = {**payload["name"], "paths": ["email", "name"]}
    payload["name"], payload["email"] = payload["email"], payload["name"]


def _swap_members_of_equal_length(payload: dict[str, Any]) -> None:
    # Same shape, same lengths: only the associated data's order tells them apart.
    head, member = payload["name"], payload["email"]
    payload["name"] = {**head, "ct": member["ct"]}
    payload["email"] = {"enc": "v2", "ct": head["ct"]}


def _move_a_byte_between_fields(payload: dict[str, Any]) -> None:
    # The joined ciphertext is unchanged; only where one field ends and the next begins.
    first = base64.b64decode(payload["body"]["ct"])
    second = base64.b64decode(payload["notes"]["ct"])
    payload["body"] = {**payload["body"], "ct": base64.b64encode(first[:-1]).decode()}
    payload["notes"] = {"enc": "v2", "ct": base64.b64encode(first[-1:] + second).decode()}


def _flip(part: str, path: str, index: int) -> Any:
    def tamper(payload: dict[str, Any]) -> None:
        raw = bytearray(base64.b64decode(payload[path][part]))
        raw[index] ^= 0x01
        payload[path] = {**payload[path], part: base64.b64encode(raw).decode()}

    return tamper


@pytest.mark.parametrize(
    "tamper",
    [
        _swap_classes,
        _rename_the_fields,
        _swap_members_of_equal_length,
        _move_a_byte_between_fields,
        _flip("nonce", "name", 0),
        _flip("tag", "name", -1),
        _flip("ct", "email", 0),
    ],
    ids=[
        "classes-swapped",
        "field-list-changed",
        "fields-reordered",
        "boundary-moved",
        "nonce",
        "tag",
        "slice",
    ],
)
async def test_tampering_with_a_class_is_refused(
    codec: FieldCodec, event_id: UUID, tamper: Any
) -> None:
    payload = await _sealed(codec, event_id, PAIR)
    assert len(payload["name"]["ct"]) == len(payload["body"]["ct"])  # the shapes swap cleanly
    tamper(payload)

    with pytest.raises(CiphertextError, match="does not authenticate") as raised:
        await _open(codec, payload, Pair, event_id)
    assert not [text for text in ("Taro", "t@ex.jp", "Kept") if text in str(raised.value)]


@pytest.mark.parametrize("elsewhere", ["event", "case"])
async def test_a_class_moved_to_another_event_or_case_is_refused(
    codec: FieldCodec, keys: FakeKeys, event_id: UUID, elsewhere: str
) -> None:
    payload = await _sealed(codec, event_id, PAIR)
    case, event = CASE, event_id
    if elsewhere == "case":
        keys.keys["case-other"] = keys.keys[CASE]  # even under the same key
        case = "case-other"
    else:
        event = UUID(int=event_id.int ^ 1)

    with pytest.raises(CiphertextError, match="does not authenticate"):
        await codec.decrypt(payload, Pair, case_id=case, event_id=event, reader=PRIVACY)


async def test_a_field_left_out_of_its_class_is_refused(codec: FieldCodec, event_id: UUID) -> None:
    payload = await _sealed(codec, event_id, consultation())
    payload["customer"]["phone"] = None  # as if never given: its class still names it

    with pytest.raises(CiphertextError, match=r"customer\.phone: not a v2 ciphertext"):
        await _open(codec, payload, Consultation, event_id)


def test_a_class_under_another_key_id_is_refused() -> None:
    key, other = (DataKey(new_key_id(), new_key_material()) for _ in range(2))
    binding = ClassBinding(CASE, "e", FieldClass.IDENTITY, ["name"])
    sealed = seal_class(key, [b'"Taro"'], binding)

    with pytest.raises(CiphertextError, match="sealed under key"):
        open_class(other, parse_class(sealed, binding), binding)


@pytest.mark.parametrize(
    "values",
    [
        ["Taro", {"enc": "v2", "ct": "AA=="}],
        [{"enc": "v2", "ct": "AA=="}, {"enc": "v2", "ct": "AA=="}],
        [{"enc": "v2", "kid": "k", "nonce": "AA==", "tag": "AA==", "ct": "AA=="}, "Taro"],
        [{"enc": "v1", "kid": "k", "nonce": "AA==", "tag": "AA==", "ct": "AA=="}, None],
    ],
    ids=["plaintext-head", "no-head", "plaintext-member", "wrong-version"],
)
def test_anything_but_a_v2_class_is_refused_by_path_without_quoting_it(
    values: list[Any],
) -> None:
    with pytest.raises(CiphertextError, match="not a v2 ciphertext") as raised:
        parse_class(values, ClassBinding(CASE, "e", FieldClass.IDENTITY, ["name", "email"]))
    assert "Taro" not in str(raised.value)


async def test_after_the_key_is_destroyed_both_formats_read_as_erased(
    codec: FieldCodec, keys: FakeKeys, event_id: UUID
) -> None:
    v2 = await _sealed(codec, event_id, consultation())
    v1 = encrypt_v1(consultation(), keys.keys[CASE], case_id=CASE, event_id=event_id)
    keys.destroy(CASE)

    for payload in (v1, v2):
        clear = await _open(codec, payload, Consultation, event_id)
        assert {value_at(clear, path) for path in _paths(payload)} == {ERASED}
        assert clear["channel"] == "phone"


async def test_one_field_of_a_class_can_be_revealed_alone(
    codec: FieldCodec, event_id: UUID
) -> None:
    stored = await _sealed(codec, event_id, consultation())
    clear = await _open(codec, stored, Consultation, event_id)
    # A copy of a bundle that shows the e-mail address and withholds the rest of its class.
    shown = json.loads(json.dumps(stored))
    shown["customer"]["email"] = clear["customer"]["email"]

    assert revealed_paths(stored, shown) == ("customer.email",)
    assert payload_difference(stored, shown, ["customer.email"]) == ""
    assert payload_difference(stored, shown, []) == "customer.email"
    # Each field's commitment hashes its own stored slice, never another field's.
    digests = {ciphertext_digest(value_at(stored, path)) for path in IDENTITY_PATHS}
    assert len(digests) == len(IDENTITY_PATHS)


def test_associated_data_is_unambiguous() -> None:
    def aad(paths: list[str], sizes: list[int], field_class: FieldClass) -> bytes:
        return ClassBinding("c", "e", field_class, paths).associated_data("k", sizes)

    variants = {
        aad(["ab", "c"], [1, 1], FieldClass.IDENTITY),
        aad(["a", "bc"], [1, 1], FieldClass.IDENTITY),
        aad(["ab", "c"], [11, 1], FieldClass.IDENTITY),
        aad(["ab", "c"], [1, 11], FieldClass.IDENTITY),
        aad(["ab", "c"], [1, 1], FieldClass.CONTENT),
        aad(["ab"], [1], FieldClass.IDENTITY),
    }
    assert len(variants) == 6


def _paths(payload: dict[str, Any]) -> list[str]:
    return list(ciphertext_paths(payload))


def test_the_head_and_member_models_accept_what_seal_class_writes() -> None:
    key = DataKey(new_key_id(), new_key_material())
    binding = ClassBinding(CASE, "e", FieldClass.CONTENT, ["a", "b"])
    head, member = seal_class(key, [b'"x"', b'"yy"'], binding)
    ClassHead.model_validate(head)
    ClassMember.model_validate(member)


class EmailOnly(BaseModel):
    """A reader's model that names one field of a class, and not its first."""

    email: Identity[str]


class Writer(BaseModel):
    name: Identity[str]
    email: Identity[str]
    phone: Identity[str]


class Smuggler(BaseModel):
    """A reader's model expecting a field its writer did not seal in the class."""

    email: Identity[str]
    fax: Identity[str]


async def test_a_reader_that_names_only_some_fields_of_a_class_opens_them(
    codec: FieldCodec, event_id: UUID
) -> None:
    payload = await _sealed(codec, event_id, Writer(name="Taro", email="t@ex.jp", phone="+81"))

    clear = await _open(codec, payload, EmailOnly, event_id)

    assert clear["email"] == "t@ex.jp"
    # What the reader's model does not name stays as it was stored.
    assert clear["name"] == payload["name"]
    assert clear["phone"] == payload["phone"]


async def test_a_field_the_class_was_not_sealed_with_is_refused(
    codec: FieldCodec, event_id: UUID
) -> None:
    payload = await _sealed(codec, event_id, Writer(name="Taro", email="t@ex.jp", phone="+81"))
    payload["fax"] = payload["phone"]

    with pytest.raises(CiphertextError, match="fax: not among the fields"):
        await _open(codec, payload, Smuggler, event_id)
