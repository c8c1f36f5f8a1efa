"""An old payload an upcaster cannot lift is a permanent failure (dead-lettered with the reason),
not a retried crash, and the reason names no value of the payload."""

import pytest

from shared.bus.errors import PermanentHandlingError
from shared.contracts.privacy import CASE_ANONYMIZED_V1
from shared.contracts.reading import UnreadablePayloadError
from shared.contracts.registry import CONTRACTS


@pytest.mark.parametrize(
    "payload",
    [
        {"case_id": "c-1"},  # v1 without the copy it must carry
        {"case_id": "c-1", "anonymized_copy": {"copy_id": "Secret Name"}},  # a copy that fails
    ],
)
def test_an_unliftable_v1_payload_is_a_permanent_error_naming_no_value(payload: dict) -> None:
    with pytest.raises(UnreadablePayloadError) as raised:
        CONTRACTS.upcast(CASE_ANONYMIZED_V1.type, CASE_ANONYMIZED_V1.version, payload)
    assert isinstance(raised.value, PermanentHandlingError)
    assert "case.anonymized v1: payload cannot be lifted to v2" in str(raised.value)
    assert "Secret Name" not in str(raised.value)
