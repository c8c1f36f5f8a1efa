"""Records' consumer: every event whose type and version a contract declares goes into the log
with its origin; an undeclared type or version, or a payload whose read fields do not fit, is
refused for good (the DLQ, with the reason) and stores nothing; privacy's key destructions empty
the key cache at once, even from an event refused."""

import pytest

from services.records.domain.events import Origin
from services.records.entrypoints.consumer import UnrecordableMessageError, record_handler
from shared.bus.errors import PermanentHandlingError
from shared.bus.messages import ConsumedMessage
from shared.contracts.declaring import UnknownEventError
from shared.contracts.reading import UnreadablePayloadError
from shared.contracts.registry import CONTRACTS
from shared.envelope import Envelope, InvalidEnvelopeError, encode_envelope
from tests.contract_events import unknown_type_envelope, unknown_version_envelope
from tests.unit.records.conftest import MakeEnvelope, Wired


async def test_the_bus_handler_records_with_origin_and_refuses_for_good(
    wired: Wired, make_envelope: MakeEnvelope
) -> None:
    handle = record_handler(wired.records.handle)
    original = make_envelope("case-1", 0)
    forged = original.model_copy(update={"payload": {"note": "another story"}})

    await handle([ConsumedMessage("caselog.policy", 3, 41, None, encode_envelope(original))])
    with pytest.raises(UnrecordableMessageError, match="other content"):
        await handle([ConsumedMessage("caselog.policy", 3, 42, None, encode_envelope(forged))])
    with pytest.raises(InvalidEnvelopeError):
        await handle([ConsumedMessage("caselog.policy", 3, 43, None, b"not an envelope")])

    stored = await wired.records.store.event(str(original.event_id))
    assert stored.origin == Origin("caselog.policy", 3, 41)
    assert isinstance(UnrecordableMessageError("x"), PermanentHandlingError)


@pytest.mark.parametrize("event_type", ["subject.erased", "case.anonymized"])
async def test_a_destroyed_case_key_leaves_the_key_cache_at_once(
    wired: Wired, make_envelope: MakeEnvelope, event_type: str
) -> None:
    keys = wired.records.personal.keys
    await keys.create_or_get("case-1")
    await keys.create_or_get("case-2")
    handle = record_handler(wired.records.handle)
    version = CONTRACTS.latest(event_type).version
    destroyed = make_envelope("case-1", 0).model_copy(
        update={"type": event_type, "schema_version": version, "producer": "privacy"}
    )

    await handle([ConsumedMessage("caselog.privacy", 0, 7, None, encode_envelope(destroyed))])

    assert (keys.holds_cached("case-1"), keys.holds_cached("case-2")) == (False, True)


async def test_a_closed_key_epoch_empties_the_key_cache(
    wired: Wired, make_envelope: MakeEnvelope
) -> None:
    keys = wired.records.personal.keys
    for case_id in ("case-1", "case-2"):
        await keys.create_or_get(case_id)
    handle = record_handler(wired.records.handle)
    closed = make_envelope("key-epoch-1", 0).model_copy(
        update={"type": "keys.epoch_closed", "producer": "privacy"}
    )

    await handle([ConsumedMessage("caselog.privacy", 0, 8, None, encode_envelope(closed))])

    assert not keys.holds_cached("case-1")
    assert not keys.holds_cached("case-2")
    assert await wired.records.store.size() == 1


@pytest.mark.parametrize(
    "envelope",
    [unknown_type_envelope("case-1"), unknown_version_envelope("contact.logged", "case-1")],
    ids=["type", "version"],
)
async def test_an_undeclared_type_or_version_is_refused_for_good_and_stores_nothing(
    wired: Wired, envelope: Envelope
) -> None:
    handle = record_handler(wired.records.handle)
    message = ConsumedMessage("caselog.intake", 0, 5, None, encode_envelope(envelope))

    with pytest.raises(UnknownEventError, match=r"^records: ") as refused:
        await handle([message])

    assert isinstance(refused.value, PermanentHandlingError)
    assert "not read by anyone" not in str(refused.value)
    assert await wired.records.store.size() == 0
    assert wired.published() == []


async def test_a_decision_whose_read_fields_do_not_fit_is_refused_naming_the_field(
    wired: Wired, make_envelope: MakeEnvelope
) -> None:
    handle = record_handler(wired.records.handle)
    decided = make_envelope("case-1", 0).model_copy(
        update={"type": "closure.decided", "producer": "policy", "payload": {"outcome": 7}}
    )

    with pytest.raises(UnreadablePayloadError, match="outcome"):
        await handle([ConsumedMessage("caselog.policy", 0, 9, None, encode_envelope(decided))])

    assert await wired.records.store.size() == 0


async def test_an_erasure_of_an_undeclared_version_still_empties_the_key_cache(
    wired: Wired,
) -> None:
    keys = wired.records.personal.keys
    await keys.create_or_get("case-1")
    handle = record_handler(wired.records.handle)
    erased = unknown_version_envelope("subject.erased", "case-1")

    with pytest.raises(UnknownEventError):
        await handle([ConsumedMessage("caselog.privacy", 0, 3, None, encode_envelope(erased))])

    assert not keys.holds_cached("case-1")
    assert await wired.records.store.size() == 0


async def test_an_older_declared_version_is_stored_as_it_was_sent(
    wired: Wired, make_envelope: MakeEnvelope
) -> None:
    assert CONTRACTS.latest("case.anonymized").version > 1
    old = make_envelope("case-1", 0).model_copy(
        update={"type": "case.anonymized", "schema_version": 1, "producer": "privacy"}
    )
    handle = record_handler(wired.records.handle)

    await handle([ConsumedMessage("caselog.privacy", 0, 4, None, encode_envelope(old))])

    stored = await wired.records.store.event(str(old.event_id))
    assert stored.leaf == encode_envelope(old)
