"""What `caselog verify` says it proved, as text for people and `--json` for machines, on
bundles records exports and on bundles planned by the domain; and each exit status, 0 to 3."""

import json
from pathlib import Path

import pytest

from services.records.domain.events import StoredEvent
from services.records.service_layer.messages import ExportBundle
from services.runtime.cli import main
from shared.bundle.format import Bundle, encode_bundle
from shared.bundle.report import key_fingerprint
from shared.merkle import encoding
from shared.merkle.checkpoint import Checkpoint
from shared.merkle.cosignature import CosignatureSigner
from shared.merkle.keys import NoteSigner
from shared.merkle.note import parse_note
from tests.unit.records.bundles import bundle_of
from tests.unit.records.conftest import MakeEnvelope, Wired

COSIGNED_AT = 1_764_806_400  # 2025-12-04T00:00:00Z


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int | str | None, str]:
    with pytest.raises(SystemExit) as exited:
        main(["verify", *args])
    return exited.value.code, capsys.readouterr().out


def _written(bundle: Bundle, path: Path) -> Path:
    path.write_bytes(encode_bundle(bundle))
    return path


def _root(bundle: Bundle) -> str:
    return encoding.encode(Checkpoint.parse(parse_note(bundle.checkpoint).text).root_hash)


@pytest.fixture
def bundle(rows: list[StoredEvent], signer: NoteSigner) -> Bundle:
    """case-1's 3 events (leaves 1, 4 and 7 of 9), with a consistency proof from size 3."""
    return bundle_of(rows, "case-1", signer, since=3)


@pytest.fixture
def witness() -> CosignatureSigner:
    return CosignatureSigner.generate("witness.example/w1")


@pytest.fixture
def cosigned(bundle: Bundle, witness: CosignatureSigner) -> Bundle:
    """The bundle whose checkpoint the witness cosigned (its line after the log's)."""
    body = parse_note(bundle.checkpoint).text
    note = bundle.checkpoint + witness.signature_line(body, COSIGNED_AT)
    return bundle.model_copy(update={"checkpoint": note})


def test_the_text_says_which_case_events_times_and_checkpoint_were_proved(
    bundle: Bundle, signer: NoteSigner, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = signer.verifier.key_string()

    status, out = _run(capsys, str(_written(bundle, tmp_path / "b.json")), "--key", key)

    assert status == 0
    lines = out.splitlines()
    assert lines[0] == "verified: case case-1, 3 events"
    assert "  case        case-1" in lines
    assert "  events      3 (3 contact.logged): each event's bytes are in the signed tree," in lines
    # The rows fixture: case-1 is event n=0..2, occurred 00:0n and recorded 12:0n on April 1.
    assert "  occurred    from 2025-04-01T00:00:00Z to 2025-04-01T00:02:00Z" in lines
    assert "  recorded    from 2025-04-01T12:00:00Z to 2025-04-01T12:02:00Z" in lines
    assert f"  checkpoint  size 9, root hash {_root(bundle)}" in lines
    assert "              origin caselog.example/records" in lines
    assert f"              signed by the key with fingerprint {key_fingerprint(key)}" in lines
    assert "  extends     the bundle's older checkpoint of size 3" in lines
    assert any(line.startswith("  witnesses   none checked (pass --witness)") for line in lines)
    assert any(line.startswith("  complete    not proved: the bundle carries no") for line in lines)
    assert "  revealed    none: the bundle shows personal data only as ciphertext" in lines


def test_json_carries_the_same_facts_for_machines(
    bundle: Bundle, signer: NoteSigner, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = signer.verifier.key_string()

    status, out = _run(capsys, str(_written(bundle, tmp_path / "b.json")), "--key", key, "--json")

    document = json.loads(out)
    assert status == document["exit_status"] == 0
    assert (document["format"], document["result"], document["case_id"]) == (
        "caselog.verification.v1",
        "verified",
        "case-1",
    )
    assert document["failure"] is None
    assert document["events"] == {
        "count": 3,
        "types": {"contact.logged": 3},
        "occurred": {"first": "2025-04-01T00:00:00Z", "last": "2025-04-01T00:02:00Z"},
        "recorded": {"first": "2025-04-01T12:00:00Z", "last": "2025-04-01T12:02:00Z"},
    }
    assert document["checkpoint"] == {
        "origin": "caselog.example/records",
        "size": 9,
        "root_hash": _root(bundle),
        "key_fingerprint": key_fingerprint(key),
        "key_trusted": True,
    }
    assert (document["consistency_from_size"], document["held_checkpoint_size"]) == (3, None)
    assert document["completeness"]["proved"] is False
    assert document["revealed"] == []


def test_the_witnesses_that_cosigned_and_the_quorum_are_named(
    cosigned: Bundle,
    signer: NoteSigner,
    witness: CosignatureSigner,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = str(_written(cosigned, tmp_path / "b.json"))
    other = CosignatureSigner.generate("witness.example/w2").verifier.key_string()
    keys = ["--key", signer.verifier.key_string(), "--witness", witness.verifier.key_string()]

    status, out = _run(capsys, path, *keys, "--witness", other, "--quorum", "1")
    _, machine = _run(capsys, path, *keys, "--witness", other, "--quorum", "1", "--json")
    _, unasked = _run(capsys, path, "--key", signer.verifier.key_string())

    assert status == 0
    assert (
        "  witnesses   cosigned by 1 of the 2 witnesses you trust (quorum 1): witness.example/w1"
        in out.splitlines()
    )
    assert "              witness.example/w1 at 2025-12-04T00:00:00Z" in out.splitlines()
    assert json.loads(machine)["witnesses"] == {
        "trusted": ["witness.example/w1", "witness.example/w2"],
        "quorum": 1,
        "cosigned": [{"witness": "witness.example/w1", "signed_at": "2025-12-04T00:00:00Z"}],
        "unchecked_signers": [],
    }
    # A cosignature the user did not ask to check is mentioned, never counted.
    assert "(witness.example/w1 also signed, not checked)" in unasked


async def test_a_bundle_records_exported_is_reported_from_its_own_events(
    wired: Wired, make_envelope: MakeEnvelope, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Not a hand-built bundle: records' own export, through its handlers and SQLite store."""
    for n in range(2):
        await wired.record(make_envelope("case-7", n))
    await wired.record(make_envelope("case-8", 0))
    exported = await wired.records.handle(ExportBundle("case-7", None, None, "corr-report"))
    key = wired.records.identity.verifier_key

    status, out = _run(capsys, str(_written(exported, tmp_path / "b.json")), "--key", key, "--json")

    document = json.loads(out)
    assert status == 0
    assert document["case_id"] == "case-7"
    assert document["events"]["count"] == 2
    assert document["events"]["occurred"] == {
        "first": "2025-04-01T00:00:00Z",
        "last": "2025-04-01T00:01:00Z",
    }
    assert document["checkpoint"]["size"] == 3
    assert document["checkpoint"]["key_fingerprint"] == key_fingerprint(key)


@pytest.mark.parametrize(
    ("args", "status", "first_line"),
    [
        pytest.param(("--key", "{key}"), 0, "verified: case case-1, 3 events", id="0-verified"),
        pytest.param(
            ("--key", "{forger}"), 1, "FAILED: checkpoint: the signed note", id="1-wrong-key"
        ),
        pytest.param(
            ("--key", "{key}", "--witness", "{witness}"),
            1,
            "FAILED: witnesses: 0 of the witnesses you trust cosigned",
            id="1-no-cosignature",
        ),
        pytest.param(("--key", "not a key"), 2, "usage: a key on the command line", id="2-bad-key"),
        pytest.param(
            ("--witness", "{witness}", "--quorum", "2"), 2, "usage: --quorum is 1", id="2-quorum"
        ),
        pytest.param((), 3, "SELF-CONSISTENT ONLY: case case-1", id="3-no-key"),
    ],
)
def test_each_exit_status_in_text_and_json(
    bundle: Bundle,
    signer: NoteSigner,
    witness: CosignatureSigner,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    args: tuple[str, ...],
    status: int,
    first_line: str,
) -> None:
    values = {
        "key": signer.verifier.key_string(),
        "forger": NoteSigner.generate(signer.name).verifier.key_string(),
        "witness": witness.verifier.key_string(),
    }
    filled = [arg.format(**values) for arg in args]
    path = str(_written(bundle, tmp_path / "b.json"))

    text_status, text = _run(capsys, path, *filled)
    json_status, machine = _run(capsys, path, *filled, "--json")

    assert (text_status, json_status) == (status, status)
    assert text.startswith(first_line), text
    document = json.loads(machine)
    assert document["exit_status"] == status
    expected = {0: "verified", 1: "failed", 2: "usage", 3: "self_consistent_only"}[status]
    assert document["result"] == expected


def test_a_failed_bundle_claims_nothing(
    bundle: Bundle, signer: NoteSigner, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events = list(bundle.events)
    events[1] = events[1].model_copy(update={"inclusion_proof": [encoding.encode(bytes(32))]})
    path = str(_written(bundle.model_copy(update={"events": events}), tmp_path / "b.json"))

    status, out = _run(capsys, path, "--key", signer.verifier.key_string(), "--json")

    document = json.loads(out)
    assert status == 1
    assert document["failure"]["event_id"] == events[1].event_id
    assert document["failure"]["subject"] == f"event {events[1].event_id} (leaf 4)"
    facts = ("events", "checkpoint", "witnesses", "completeness", "revealed")
    assert [document[fact] for fact in facts] == [None] * len(facts)


def test_a_file_that_is_not_a_bundle_fails_the_format_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "not-a-bundle.json"
    path.write_text('{"format": "something else"}')

    status, out = _run(capsys, str(path))

    assert status == 1
    assert out.startswith("FAILED: bundle file: not a caselog.bundle.v1 file")


def test_a_file_that_cannot_be_read_is_unreadable_input_not_a_failed_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "missing.json"

    status, out = _run(capsys, str(missing))
    json_status, machine = _run(capsys, str(missing), "--json")

    assert (status, json_status) == (2, 2)
    assert out.startswith(f"unreadable: cannot read {missing}")
    assert json.loads(machine)["result"] == "unreadable"


def test_help_documents_every_exit_status(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["verify", "--help"])
    text = " ".join(capsys.readouterr().out.split())

    for status in (
        "0 verified",
        "1 the bundle failed a check",
        "2 wrong usage",
        "3 self-consistent",
    ):
        assert status in text
    assert "--json" in text
