"""The field codec: what it encrypts, what each reader gets back, and `[erased]` after shredding."""

import json
from typing import Annotated
from uuid import UUID

import pytest
from pydantic import BaseModel

from shared.crypto.class_ciphertext import ClassHead
from shared.crypto.codec import ERASED, FieldCodec
from shared.crypto.errors import CiphertextError, CryptoError, FieldAccessDenied
from shared.crypto.fields import Content, Each, FieldClass, Identity, Personal, plan_of
from shared.crypto.grants import reader_for
from tests.unit.shared.crypto.fake_keys import FakeKeys
from tests.unit.shared.crypto.models import Consultation, Customer, consultation

CASE = "case-7"
PLAINTEXTS = ["山田", "taro@example.com", "819012345678", "kettle leaks", "4980", "rec://"]


def test_the_plan_finds_nested_optional_and_listed_personal_fields() -> None:
    plan = plan_of(Consultation)

    assert set(plan.fields) == {"customer", "body", "demand", "recording", "attachments"}
    assert plan_of(Customer).fields == {
        "name": FieldClass.IDENTITY,
        "email": FieldClass.IDENTITY,
        "phone": FieldClass.IDENTITY,
    }
    assert isinstance(plan.fields["attachments"], Each)
    assert plan.classes() == frozenset(FieldClass)


async def test_no_personal_value_survives_encryption(codec: FieldCodec, event_id: UUID) -> None:
    payload = await codec.encrypt(consultation(), case_id=CASE, event_id=event_id)
    text = json.dumps(payload, ensure_ascii=False)

    assert not [secret for secret in PLAINTEXTS if secret in text]
    assert payload["channel"] == "phone"
    assert payload["customer"]["segment"] == "consumer"
    assert payload["attachments"][0]["seconds"] == 0


async def test_absent_values_stay_null_so_presence_checks_need_no_grant(
    codec: FieldCodec, event_id: UUID
) -> None:
    model = Consultation(channel="email", customer=Customer(name="Taro"), body="hello")

    payload = await codec.encrypt(model, case_id=CASE, event_id=event_id)

    assert payload["customer"]["email"] is None
    assert payload["recording"] is None
    ClassHead.model_validate(payload["customer"]["name"])


async def test_a_model_without_personal_values_needs_no_key(
    codec: FieldCodec, keys: FakeKeys, event_id: UUID
) -> None:
    class Ping(BaseModel):
        note: Content[str] | None = None

    assert await codec.encrypt(Ping(), case_id=CASE, event_id=event_id) == {"note": None}
    assert keys.keys == {}


async def test_policy_reads_content_and_identity_stays_ciphertext(
    codec: FieldCodec, event_id: UUID
) -> None:
    payload = await codec.encrypt(consultation(), case_id=CASE, event_id=event_id)

    clear = await codec.decrypt(
        payload,
        Consultation,
        case_id=CASE,
        event_id=event_id,
        reader=reader_for("policy"),
        classes={FieldClass.CONTENT},
    )

    assert clear["body"] == "The kettle leaks after two days."
    assert clear["customer"]["name"] == payload["customer"]["name"]
    assert clear["recording"] == payload["recording"]


async def test_decrypting_every_class_without_every_grant_is_denied(
    codec: FieldCodec, keys: FakeKeys, event_id: UUID
) -> None:
    payload = await codec.encrypt(consultation(), case_id=CASE, event_id=event_id)
    keys.keys.clear()  # a denial must come before any key is even looked up

    with pytest.raises(FieldAccessDenied, match="policy may not read identity, recording"):
        await codec.decrypt(
            payload, Consultation, case_id=CASE, event_id=event_id, reader=reader_for("policy")
        )


async def test_after_the_key_is_destroyed_every_field_reads_as_erased(
    codec: FieldCodec, keys: FakeKeys, event_id: UUID
) -> None:
    payload = await codec.encrypt(consultation(), case_id=CASE, event_id=event_id)
    keys.destroy(CASE)

    clear = await codec.decrypt(
        payload, Consultation, case_id=CASE, event_id=event_id, reader=reader_for("privacy")
    )

    assert clear["customer"]["name"] == ERASED
    assert clear["customer"]["email"] == ERASED
    assert clear["body"] == ERASED
    assert clear["demand"] == ERASED
    assert clear["attachments"][0] == {"reference": ERASED, "seconds": 0}
    assert clear["channel"] == "phone"


async def test_plaintext_where_ciphertext_belongs_is_an_error(
    codec: FieldCodec, event_id: UUID
) -> None:
    payload = await codec.encrypt(consultation(), case_id=CASE, event_id=event_id)
    payload["body"] = "smuggled in plaintext"

    with pytest.raises(CiphertextError, match="body: not a v2 ciphertext") as raised:
        await codec.decrypt(
            payload, Consultation, case_id=CASE, event_id=event_id, reader=reader_for("intake")
        )
    assert "smuggled" not in str(raised.value)


async def test_decrypting_leaves_the_stored_payload_untouched(
    codec: FieldCodec, event_id: UUID
) -> None:
    payload = await codec.encrypt(consultation(), case_id=CASE, event_id=event_id)
    before = json.dumps(payload)

    await codec.decrypt(
        payload, Consultation, case_id=CASE, event_id=event_id, reader=reader_for("intake")
    )

    assert json.dumps(payload) == before


def test_personal_data_in_an_unsupported_container_is_refused_loudly() -> None:
    class Directory(BaseModel):
        by_name: dict[str, Identity[str]]

    with pytest.raises(CryptoError, match="not supported"):
        plan_of(Directory)


def test_a_union_of_differently_protected_types_is_refused() -> None:
    class Ambiguous(BaseModel):
        value: Identity[str] | Content[int]

    with pytest.raises(CryptoError, match="union"):
        plan_of(Ambiguous)


def test_the_marker_can_be_written_out_with_annotated() -> None:
    class Note(BaseModel):
        author: Annotated[str, Personal("identity")]
        text: Annotated[str | None, Personal(FieldClass.CONTENT)] = None

    assert plan_of(Note).fields == {"author": FieldClass.IDENTITY, "text": FieldClass.CONTENT}


async def test_an_optional_nested_model_is_encrypted_and_absent_stays_null(
    codec: FieldCodec, event_id: UUID
) -> None:
    class Demand(BaseModel):
        details: Content[str]

    class Case(BaseModel):
        demand: Demand | None = None
        other: Demand | None = None

    assert plan_of(Case).fields == {
        "demand": plan_of(Demand),
        "other": plan_of(Demand),
    }
    payload = await codec.encrypt(
        Case(demand=Demand(details="返品したい")), case_id=CASE, event_id=event_id
    )
    assert payload["other"] is None
    assert ClassHead.model_validate(payload["demand"]["details"])
    assert "返品" not in json.dumps(payload, ensure_ascii=False)
