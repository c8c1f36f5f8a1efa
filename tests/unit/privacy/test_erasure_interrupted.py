"""An erasure that fails while announcing: the keys are already gone (and out of the cache),
no receipt claims anything, and asking again finishes the job."""

import pytest

from services.privacy.adapters.signing import verify_receipt
from services.privacy.bootstrap import Privacy
from services.privacy.domain.requests import RequestKind
from shared.bus.errors import BusError
from shared.bus.messages import OutgoingMessage
from shared.crypto.errors import KeyDestroyedError
from tests.unit.privacy.conftest import RecordingBus, received
from tests.unit.privacy.test_erasure_flow import ERASE


async def test_a_failed_announcement_leaves_the_keys_shredded_and_a_retry_completes(
    privacy: Privacy, bus: RecordingBus, monkeypatch: pytest.MonkeyPatch
) -> None:
    cases = [await received(privacy) for _ in range(3)]
    keys = privacy.personal.keys
    for case in cases:
        await keys.get(case.case_id)  # cached in this process
    publish = bus.publish

    async def second_fails(message: OutgoingMessage) -> None:
        if len(bus.published) == 1:
            raise BusError("broker gone")
        await publish(message)

    monkeypatch.setattr(bus, "publish", second_fails)

    with pytest.raises(BusError, match="broker gone"):
        await privacy.handle(ERASE)

    tombstones = await keys.tombstones([case.case_id for case in cases])
    assert None not in tombstones.values()
    for case in cases:
        with pytest.raises(KeyDestroyedError):
            await keys.get(case.case_id)
    assert await privacy.store.requests(RequestKind.ERASURE) == []  # no request, no receipt
    monkeypatch.setattr(bus, "publish", publish)

    receipt = verify_receipt((await privacy.handle(ERASE)).model_dump_json()).receipt

    assert sorted(receipt.erased_case_ids) == sorted(c.case_id for c in cases)
    assert {(k.case_id, k.key_id) for k in receipt.keys_destroyed} == {
        (case_id, t.kid) for case_id, t in tombstones.items() if t is not None
    }
    assert {p.place: p.status.value for p in receipt.places}[
        "key store (live key rows)"
    ] == "confirmed"
