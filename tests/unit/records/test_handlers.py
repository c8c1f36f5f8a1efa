# """The recorder: concurrent callers share a transaction, redelivery changes nothing, one bad
# event fails alone, and every case of a batch is acknowledged on the records topic."""
# 
# import asyncio
# from collections.abc import AsyncIterator, Sequence
# from pathlib import Path
# 
# import pytest
# 
# from services.records.adapters.append_only import create_schema
# from services.records.adapters.event_store import SqlEventStore
# from services.records.adapters.tables import records_tables
# from services.records.domain.acknowledgements import acknowledgements
# from services.records.domain.errors import EventConflictError
# from services.records.domain.events import Appended, Origin, ReceivedEvent
# from services.records.entrypoints.consumer import UnrecordableMessageError, record_handler
# from services.records.service_layer.checkpoints import CheckpointIssuer
# from services.records.service_layer.recorder import Recorder
# from shared.bus.errors import BusError, PermanentHandlingError
# from shared.bus.messages import ConsumedMessage, OutgoingMessage
# from shared.database import engine_for_url
# from shared.envelope import Envelope, InvalidEnvelopeError, decode_envelope, encode_envelope
# from shared.merkle.checkpoint import open_checkpoint
# from shared.merkle.keys import NoteSigner
# from tests.unit.records.conftest import ORIGIN, MakeEnvelope
# 
# TOPIC = "caselog.records"
# 
# 
# class CountingStore(SqlEventStore):
#     """The SQLite store, noting the size of every batch appended."""
# 
#     batches: list[int]
# 
#     async def append_batch(self, events: Sequence[ReceivedEvent]) -> tuple[Appended, ...]:
#         self.batches.append(len(events))
#         return await super().append_batch(events)
# 
# 
# class FakePublisher:
#     def __init__(self) -> None:
#         self.messages: list[OutgoingMessage] = []
#         self.failing = False
# 
#     async def publish(self, message: OutgoingMessage) -> None:
#         if self.failing:
#             raise BusError("broker unavailable")
#         self.messages.append(message)
# 
# 
# @pytest.fixture
# async def store(tmp_path: Path) -> AsyncIterator[CountingStore]:
#     engine = engine_for_url(f"sqlite+aiosqlite:///{tmp_path / 'records.sqlite3'}")
#     tables = records_tables()
#     await create_schema(engine, tables)
#     store = CountingStore(engine, tables)
#     store.batches = []
#     yield store
#     await engine.dispose()
# 
# 
# @pytest.fixture
# def publisher() -> FakePublisher:
#     return FakePublisher()
# 
# 
# @pytest.fixture
# def recorder(store: CountingStore, publisher: FakePublisher, signer: NoteSigner) -> Recorder:
#     return Recorder(store, CheckpointIssuer(store, signer, origin=ORIGIN), publisher, topic=TOPIC)
# 
# 
# async def test_concurrent_callers_share_transactions(
#     recorder: Recorder, store: CountingStore, make_envelope: MakeEnvelope
# ) -> None:
#     envelopes = [make_envelope(f"case-{n % 3}", n) for n in range(12)]
# 
#     appended = await asyncio.gather(*(recorder.record(ReceivedEvent(e)) for e in envelopes))
# 
#     assert sorted(a.position for a in appended) == list(range(12))
#     assert sum(store.batches) == 12
#     assert len(store.batches) < 12, store.batches  # the first alone, then the rest together
#     assert await store.size() == 12
# 
# 
# async def test_redelivery_keeps_the_first_place(
#     recorder: Recorder, store: CountingStore, make_envelope: MakeEnvelope
# ) -> None:
#     event = ReceivedEvent(make_envelope("case-1", 0))
# 
#     first = await recorder.record(event)
#     again = await recorder.record(event)
# 
#     assert (first.is_new, again.is_new) == (True, False)
#     assert (again.position, again.case_position) == (first.position, first.case_position)
#     assert await store.size() == 1
# 
# 
# async def test_one_conflicting_event_fails_alone(
#     recorder: Recorder, store: CountingStore, make_envelope: MakeEnvelope
# ) -> None:
#     original = make_envelope("case-1", 0)
#     await recorder.record(ReceivedEvent(original))
#     forged = original.model_copy(update={"payload": {"note": "another story"}})
#     others = [ReceivedEvent(make_envelope("case-2", n)) for n in range(3)]
# 
#     results = await asyncio.gather(
#         *(recorder.record(e) for e in [*others[:2], ReceivedEvent(forged), others[2]]),
#         return_exceptions=True,
#     )
# 
#     assert isinstance(results[2], EventConflictError)
#     assert [isinstance(r, Appended) for r in results] == [True, True, False, True]
#     assert await store.size() == 4
# 
# 
# async def test_each_case_of_a_batch_is_acknowledged(
#     recorder: Recorder, publisher: FakePublisher, make_envelope: MakeEnvelope
# ) -> None:
#     await recorder.record(ReceivedEvent(make_envelope("case-1", 0)))
#     await asyncio.gather(
#         *(
#             recorder.record(ReceivedEvent(make_envelope(c, n)))
#             for n in (1, 2)
#             for c in ("case-1", "case-2")
#         )
#     )
# 
#     acks = [decode_envelope(m.value) for m in publisher.messages]
#     assert {m.topic for m in publisher.messages} == {TOPIC}
#     assert [m.key for m in publisher.messages] == [a.case_id.encode() for a in acks]
#     newest = {a.case_id: a.payload for a in acks}
#     assert newest["case-1"]["case_position"] == 2
#     assert newest["case-2"]["case_position"] == 1
#     assert {a.type for a in acks} == {"records.acknowledged"}
#     assert acks[0].payload["checkpoint_size"] == 1  # the first event was signed at once
# 
# 
# async def test_a_failed_acknowledgement_fails_the_caller_and_a_retry_stores_nothing_twice(
#     recorder: Recorder, store: CountingStore, publisher: FakePublisher, make_envelope: MakeEnvelope
# ) -> None:
#     event = ReceivedEvent(make_envelope("case-1", 0))
#     publisher.failing = True
#     with pytest.raises(BusError):
#         await recorder.record(event)
#     publisher.failing = False
# 
#     retried = await recorder.record(event)
# 
#     assert (retried.is_new, await store.size()) == (False, 1)
#     assert len(publisher.messages) == 1
# 
# 
# async def test_records_own_events_are_published_under_their_own_key(
#     recorder: Recorder, publisher: FakePublisher, make_envelope: MakeEnvelope
# ) -> None:
#     own: Envelope = make_envelope("case-1", 0).model_copy(update={"type": "access.recorded"})
# 
#     await recorder.record_own(own)
# 
#     ack, published = publisher.messages
#     assert decode_envelope(ack.value).type == "records.acknowledged"
#     assert published.key == f"access.recorded:{own.event_id}".encode()
#     assert decode_envelope(published.value) == own
# 
# 
# async def test_the_bus_handler_records_with_origin_and_refuses_for_good(
#     recorder: Recorder, store: CountingStore, make_envelope: MakeEnvelope
# ) -> None:
#     forgotten: list[str] = []
#     handle = record_handler(recorder, forgotten.append, lambda: forgotten.append("*"))
#     original = make_envelope("case-1", 0)
#     forged = original.model_copy(update={"payload": {"note": "another story"}})
# 
#     await handle(ConsumedMessage("caselog.policy", 3, 41, None, encode_envelope(original)))
#     with pytest.raises(UnrecordableMessageError, match="other content"):
#         await handle(ConsumedMessage("caselog.policy", 3, 42, None, encode_envelope(forged)))
#     with pytest.raises(InvalidEnvelopeError):
#         await handle(ConsumedMessage("caselog.policy", 3, 43, None, b"not an envelope"))
# 
#     stored = await store.event(str(original.event_id))
#     assert stored.origin == Origin("caselog.policy", 3, 41)
#     assert forgotten == [], "only privacy's key-destroying events evict a cached key"
#     assert isinstance(UnrecordableMessageError("x"), PermanentHandlingError)
# 
# 
# async def test_a_closed_key_epoch_empties_the_key_cache(
#     recorder: Recorder, make_envelope: MakeEnvelope
# ) -> None:
#     forgotten: list[str] = []
#     handle = record_handler(recorder, forgotten.append, lambda: forgotten.append("*"))
#     closed = make_envelope("key-epoch-1", 0).model_copy(update={"type": "keys.epoch_closed"})
# 
#     await handle(ConsumedMessage("caselog.privacy", 0, 7, None, encode_envelope(closed)))
# 
#     assert forgotten == ["*"]
# 
# 
# async def test_a_subject_erased_is_acknowledged_with_a_signed_checkpoint_that_includes_it(
#     recorder: Recorder, publisher: FakePublisher, make_envelope: MakeEnvelope, signer: NoteSigner
# ) -> None:
#     # Issue 14, finding 14: privacy binds its receipt to the note sent here (it was never sent).
#     for n in range(3):
#         await recorder.record(ReceivedEvent(make_envelope("case-1", n)))
#     erased = make_envelope("case-1", 3).model_copy(
#         update={"type": "subject.erased", "producer": "privacy"}
#     )
# 
#     where = await recorder.record(ReceivedEvent(erased))
# 
#     ack = decode_envelope(publisher.messages[-1].value).payload
#     assert (ack["event_id"], ack["event_type"], ack["position"]) == (
#         str(erased.event_id),
#         "subject.erased",
#         where.position,
#     )
#     note = ack["checkpoint_note"]
#     assert isinstance(note, str)
#     checkpoint = open_checkpoint(note, [signer.verifier], origin=ORIGIN)
#     assert checkpoint.size == ack["checkpoint_size"] > where.position
# 
# 
# async def test_a_subject_erased_is_acknowledged_even_when_a_later_event_of_its_case_follows(
#     store: CountingStore, signer: NoteSigner, make_envelope: MakeEnvelope
# ) -> None:
#     erased = make_envelope("case-1", 0).model_copy(update={"type": "subject.erased"})
#     later = make_envelope("case-1", 1)
#     received = [ReceivedEvent(erased), ReceivedEvent(later)]
#     appended = [Appended(str(e.event_id), n, n, is_new=True) for n, e in enumerate((erased, later))]
# 
#     acks = acknowledgements(
#         received, appended, tree_size=2, checkpoint=None, now=erased.occurred_at
#     )
# 
#     assert [(a.payload["event_id"], a.payload["position"]) for a in acks] == [
#         (str(erased.event_id), 0),
#         (str(later.event_id), 1),  # last, so the compacted topic keeps the newest
#     ]
