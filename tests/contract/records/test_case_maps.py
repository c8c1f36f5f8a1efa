"""The case map on SQLite and PostgreSQL: the store gives each case's head after a range of the
log (one row a case), the issuer keeps one signed map statement per checkpoint, and a map
brought forward checkpoint by checkpoint is the map built from the whole log at once."""

import pytest

from services.records.adapters.event_store import SqlEventStore
from services.records.domain.errors import SizeOutOfRangeError
from services.records.service_layer.case_maps import CaseMaps
from services.records.service_layer.checkpoints import CheckpointIssuer
from shared.merkle import encoding
from shared.merkle.case_map import CaseHead, CaseMap, CaseMapStatement, MapEntry, verify_entry
from shared.merkle.keys import NoteSigner
from shared.merkle.note import open_note
from tests.contract.records.sample_events import ORIGIN, interleaved


async def _heads_from_every_event(store: SqlEventStore, size: int) -> CaseMap:
    """The expectation, from the rows one by one: the last event of each case below `size`."""
    rows = [event for event in await store.events() if event.position < size]
    return CaseMap(
        {e.case_id: CaseHead(e.case_id, e.case_position + 1, e.chain_hash) for e in rows}.values()
    )


async def test_the_heads_of_a_range_are_the_last_event_of_each_case_in_it(
    store: SqlEventStore,
) -> None:
    await store.append_batch(interleaved(cases=3, per_case=4))  # 12 events, 3 cases in turn
    events = await store.events()

    heads = {head.case_id: head for head in await store.case_heads(4, 8)}

    in_range = [event for event in events if 4 <= event.position < 8]
    assert set(heads) == {event.case_id for event in in_range}
    for event in in_range:
        if max(e.position for e in in_range if e.case_id == event.case_id) == event.position:
            assert heads[event.case_id] == CaseHead(
                event.case_id, event.case_position + 1, event.chain_hash
            )
    with pytest.raises(SizeOutOfRangeError):
        await store.case_heads(0, 13)


async def test_each_checkpoint_has_one_signed_map_statement_of_the_whole_log_at_its_size(
    store: SqlEventStore, signer: NoteSigner
) -> None:
    issuer = CheckpointIssuer(store, signer, origin=ORIGIN, case_maps=store)
    events = interleaved(cases=4, per_case=5)
    for start in range(0, len(events), 7):
        await store.append_batch(events[start : start + 7])
        checkpoint = await issuer.issue()
        kept = await store.case_map_statement(checkpoint.size)
        assert kept is not None
        statement = CaseMapStatement.parse(open_note(kept, [signer.verifier]).text)
        expected = await _heads_from_every_event(store, checkpoint.size)
        assert (statement.tree_size, statement.tree_root) == (checkpoint.size, checkpoint.root_hash)
        assert (statement.cases, statement.map_root) == (expected.size, expected.root)

    again = await issuer.issue()
    assert await store.case_map_statement(again.size) == kept  # the first kept stays


async def test_an_entry_for_an_older_checkpoint_is_proved_against_its_own_map(
    store: SqlEventStore, signer: NoteSigner
) -> None:
    issuer = CheckpointIssuer(store, signer, origin=ORIGIN, case_maps=store)
    events = interleaved(cases=2, per_case=4)
    await store.append_batch(events[:4])
    older = await issuer.issue()
    await store.append_batch(events[4:])
    await issuer.issue()
    case_id = events[0].envelope.case_id

    proved = await issuer.case_map_entry(older, case_id)

    assert proved is not None
    assert proved.events == 2  # two of the case's four events were in the first four
    statement = CaseMapStatement.parse(open_note(proved.statement, [signer.verifier]).text)
    assert statement.tree_size == older.size
    expected = (await _heads_from_every_event(store, older.size)).prove(case_id)
    assert isinstance(expected, MapEntry)
    verify_entry(expected, statement.cases, statement.map_root)
    assert (proved.index, proved.head) == (expected.index, encoding.encode(expected.case.head))
    assert await CaseMaps(store, signer, origin=ORIGIN).entry(older, "no-such-case") is None
