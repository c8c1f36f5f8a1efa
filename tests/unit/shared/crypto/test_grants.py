"""The grants matrix, service by class: granted classes decrypt, the others are denied."""

from uuid import UUID

import pytest

from shared.crypto.codec import FieldCodec
from shared.crypto.errors import FieldAccessDenied
from shared.crypto.fields import FieldClass
from shared.crypto.grants import GRANTS, reader_for
from tests.unit.shared.crypto.models import Consultation, consultation, value_at

CASE = "case-grants"
IDENTITY, CONTENT, RECORDING = FieldClass.IDENTITY, FieldClass.CONTENT, FieldClass.RECORDING

# Written out from issue 3, not derived from GRANTS, so a change to either is caught.
EXPECTED = {
    ("intake", IDENTITY): True,
    ("intake", CONTENT): True,
    ("intake", RECORDING): True,
    ("policy", IDENTITY): False,
    ("policy", CONTENT): True,
    ("policy", RECORDING): False,
    ("records", IDENTITY): False,
    ("records", CONTENT): False,
    ("records", RECORDING): False,
    ("privacy", IDENTITY): True,
    ("privacy", CONTENT): True,
    ("privacy", RECORDING): True,
}
PATH_OF = {IDENTITY: "customer.email", CONTENT: "body", RECORDING: "recording"}


def test_the_matrix_covers_every_service() -> None:
    assert set(GRANTS) == {service for service, _ in EXPECTED}


@pytest.mark.parametrize(("service", "field_class"), list(EXPECTED), ids=lambda v: str(v))
async def test_grant(
    codec: FieldCodec, event_id: UUID, service: str, field_class: FieldClass
) -> None:
    payload = await codec.encrypt(consultation(), case_id=CASE, event_id=event_id)

    async def read() -> object:
        clear = await codec.decrypt(
            payload,
            Consultation,
            case_id=CASE,
            event_id=event_id,
            reader=reader_for(service),
            classes={field_class},
        )
        return value_at(clear, PATH_OF[field_class])

    if EXPECTED[(service, field_class)]:
        assert await read() == value_at(consultation().model_dump(), PATH_OF[field_class])
    else:
        with pytest.raises(FieldAccessDenied) as raised:
            await read()
        assert isinstance(raised.value, PermissionError)
        assert f"{service} may not read {field_class}" in str(raised.value)


def test_an_unknown_service_is_granted_nothing() -> None:
    assert reader_for("billing").classes == frozenset()
