"""The audit on the stored bytes: each row's columns are checked against the envelope's header
read from its canonical bytes (no envelope decoded for a sound row), so a tampered leaf and a
tampered column are both found; the header reader takes only canonical bytes."""

from dataclasses import replace
from datetime import timedelta

import pytest

from services.records.domain.events import StoredEvent
from services.records.domain.leaf_header import read_header
from services.records.service_layer import audit
from services.records.service_layer.audit import verify_store
from shared.envelope import Envelope, encode_envelope
from shared.merkle.hashing import leaf_hash
from shared.merkle.keys import NoteSigner

ORIGIN = "caselog.example/records"


def _audit(rows: list[StoredEvent], committed: dict[int, bytes], signer: NoteSigner) -> list[str]:
    report = verify_store(rows, committed, [], [signer.verifier], origin=ORIGIN)
    return [f"{p.kind} {p.position}: {p.reason}" for p in report.problems]


def test_a_tampered_leaf_of_the_same_length_is_found(
    rows: list[StoredEvent], signer: NoteSigner
) -> None:
    committed = {row.position: leaf_hash(row.leaf) for row in rows}
    tampered = rows[5].leaf.replace(b'"note":"contact', b'"note":"contbct', 1)
    assert len(tampered) == len(rows[5].leaf)
    assert tampered != rows[5].leaf
    rows[5] = replace(rows[5], leaf=tampered)

    problems = _audit(rows, committed, signer)

    assert problems[0].startswith("leaf 5: its bytes do not hash to the Merkle tree's leaf")
    assert [problem.split(":")[0] for problem in problems] == ["leaf 5", "chain 5"]


def test_a_moved_recorded_at_column_is_found(rows: list[StoredEvent], signer: NoteSigner) -> None:
    committed = {row.position: leaf_hash(row.leaf) for row in rows}
    # As-of replays choose rows on this column: moving it would hide an event from one.
    rows[2] = replace(rows[2], recorded_at=rows[2].recorded_at + timedelta(days=1))

    assert _audit(rows, committed, signer) == [
        "row 2: its columns disagree with its stored envelope"
    ]


def test_sound_rows_pass_without_an_envelope_decoded(
    rows: list[StoredEvent], signer: NoteSigner, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(data: bytes) -> Envelope:
        raise AssertionError("a sound row was decoded")

    monkeypatch.setattr(audit, "decode_envelope", refuse)
    committed = {row.position: leaf_hash(row.leaf) for row in rows}

    assert _audit(rows, committed, signer) == []


def test_the_header_is_read_from_canonical_bytes(rows: list[StoredEvent]) -> None:
    header = read_header(rows[4].leaf)

    assert header == (
        rows[4].event_id,
        rows[4].case_id,
        rows[4].event_type,
        rows[4].occurred_at,
        rows[4].recorded_at,
    )


def test_bytes_not_in_canonical_form_are_left_to_the_full_check(
    rows: list[StoredEvent],
) -> None:
    leaf = rows[0].leaf
    assert read_header(leaf.replace(b'","', b'", "', 1)) is None
    assert read_header(leaf.replace(b'Z"', b'+00:00"', 1)) is None
    assert read_header(leaf[:-1]) is None
    assert read_header(b"not json") is None


def test_a_payload_that_mimics_the_tail_does_not_fool_the_reader(rows: list[StoredEvent]) -> None:
    envelope = Envelope.model_validate_json(rows[0].leaf)
    mimic = {"x": {}, "producer": "p", "recorded_at": "2000-01-01T00:00:00Z", "type": "a.b"}
    leaf = encode_envelope(envelope.model_copy(update={"payload": {"inner": mimic}}))

    header = read_header(leaf)

    assert header is not None
    assert (header.event_type, header.recorded_at) == (envelope.type, envelope.recorded_at)
