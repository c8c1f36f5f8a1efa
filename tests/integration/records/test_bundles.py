"""Litigation bundles from the running service, checked by `caselog verify` alone: a sound
bundle passes; one changed byte, a changed proof hash, a changed checkpoint note or reordered
events fail, naming the event or the checkpoint."""

import io
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from services.runtime.cli import main
from services.runtime.records_cli import verify_file
from shared.auth.roles import Role
from shared.envelope import Envelope
from shared.merkle import encoding
from shared.merkle.keys import NoteSigner
from tests.integration.records.cases import consultation, contact, decision, new_case
from tests.integration.records.conftest import ORIGIN, SIGNER, RunningRecords

T0 = datetime(2025, 11, 6, 9, 0, tzinfo=UTC)
PURPOSE = "court order 2025-W-118"
Document = dict[str, Any]


@pytest.fixture(scope="module")
async def exported(
    running: RunningRecords, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Path, list[Envelope]]:
    """A case of four events, a checkpoint the other side keeps after the first two, and the
    bundle exported after all four with a consistency proof from that checkpoint. Tampering
    tests name events by their place in the bundle (log order)."""
    case = new_case()
    codec = running.records.personal.codec
    first = [
        await consultation(codec, case, T0, T0),
        decision(case, "policy.decided", "restrict", ["demand-proportionality"], T0, T0),
    ]
    later = [
        await contact(codec, case, "返金してください", T0, T0),
        await contact(codec, case, "最終回答です", T0, T0, final_answer=True),
    ]
    await running.publish("caselog.intake", first[0])
    await running.publish("caselog.policy", first[1])
    await running.wait_stored(*first)
    held = await running.post("/v1/checkpoints", Role.LEGAL)
    assert held.status_code == 200, held.text
    await running.publish("caselog.intake", *later)
    await running.wait_stored(*later)

    response = await running.get(
        f"/v1/cases/{case[0]}/bundle", Role.LEGAL, since_size=held.json()["size"]
    )

    assert response.status_code == 200, response.text
    assert "attachment" in response.headers["content-disposition"]
    folder = tmp_path_factory.mktemp("bundle")
    (folder / "bundle.json").write_bytes(response.content)
    (folder / "held.note").write_text(held.json()["note"])
    return folder / "bundle.json", folder / "held.note", [*first, *later]


def run_verify(path: Path, *args: str) -> tuple[int, str]:
    out = io.StringIO()
    keys = [a for a in args if "+" in a]
    held = next((Path(a) for a in args if a.endswith(".note")), None)
    return verify_file(path, keys, held, out), out.getvalue()


def rewritten(source: Path, target: Path, change: Callable[[Document], None]) -> Path:
    document: Document = json.loads(source.read_bytes())
    change(document)
    target.write_text(json.dumps(document))
    return target


def test_the_bundle_verifies_with_the_trusted_key_and_the_held_checkpoint(
    exported: tuple[Path, Path, list[Envelope]], capsys: pytest.CaptureFixture[str]
) -> None:
    bundle, held, events = exported
    key = SIGNER.verifier.key_string()

    with pytest.raises(SystemExit) as exit_status:
        main(["verify", str(bundle), "--key", key, "--checkpoint", str(held)])

    assert exit_status.value.code == 0
    out = capsys.readouterr().out
    assert "verified: case" in out
    assert "extends the older checkpoint" in out
    document = json.loads(bundle.read_bytes())
    stored = [e["event_id"] for e in document["events"]]
    ids = [str(e.event_id) for e in events]
    assert (set(stored[:2]), stored[2:]) == (set(ids[:2]), ids[2:])  # two topics: either first
    assert document["consistency"] is not None
    assert document["revealed"] is None


def test_without_a_trusted_key_the_user_is_told_and_the_status_is_not_success(
    exported: tuple[Path, Path, list[Envelope]],
) -> None:
    status, out = run_verify(exported[0])

    assert status == 3
    assert "only self-consistency was checked" in out
    assert "Pass --key" in out


def _flip_a_byte(document: Document) -> None:
    event = document["events"][1]
    leaf = bytearray(encoding.decode(event["leaf"]))
    leaf[len(leaf) // 2] ^= 0x01
    event["leaf"] = encoding.encode(bytes(leaf))


def _change_a_proof_hash(document: Document) -> None:
    proof = document["events"][2]["inclusion_proof"]
    proof[0] = encoding.encode(bytes(32))


def _change_the_checkpoint(document: Document) -> None:
    origin, size, root, *rest = document["checkpoint"].split("\n")
    root_bytes = bytearray(encoding.decode(root))
    root_bytes[0] ^= 0x80
    document["checkpoint"] = "\n".join([origin, size, encoding.encode(bytes(root_bytes)), *rest])


def _reorder(document: Document) -> None:
    events = document["events"]
    events[1], events[2] = events[2], events[1]


def _change_the_consistency_proof(document: Document) -> None:
    document["consistency"]["proof"][0] = encoding.encode(bytes(32))


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (_flip_a_byte, 1),
        (_change_a_proof_hash, 2),
        (_change_the_checkpoint, "checkpoint:"),
        (_reorder, 2),
        (_change_the_consistency_proof, "consistency proof:"),
    ],
    ids=["one byte", "proof hash", "checkpoint note", "reordered", "consistency proof"],
)
def test_tampering_fails_and_names_what_failed(
    exported: tuple[Path, Path, list[Envelope]],
    tmp_path: Path,
    change: Callable[[Document], None],
    named: int | str,
) -> None:
    bundle = exported[0]
    ids = [event["event_id"] for event in json.loads(bundle.read_bytes())["events"]]
    tampered = rewritten(bundle, tmp_path / "tampered.json", change)

    status, out = run_verify(tampered, SIGNER.verifier.key_string())

    assert status == 1
    expected = named if isinstance(named, str) else f"event {ids[named]} (leaf"
    assert out.startswith(f"FAILED: {expected}"), out


def test_a_bundle_signed_by_another_key_fails_against_the_log_key(
    exported: tuple[Path, Path, list[Envelope]],
) -> None:
    stranger = NoteSigner.generate(ORIGIN).verifier.key_string()

    status, out = run_verify(exported[0], stranger)

    assert status == 1
    assert out.startswith("FAILED: checkpoint: the signed note does not verify")


def test_a_file_that_is_not_a_bundle_fails(tmp_path: Path) -> None:
    (tmp_path / "x.json").write_text('{"format": "something else"}')

    status, out = run_verify(tmp_path / "x.json")

    assert status == 1
    assert "not a caselog.bundle.v1 file" in out


async def test_a_revealing_bundle_carries_the_plaintext_and_its_access(
    running: RunningRecords, exported: tuple[Path, Path, list[Envelope]], tmp_path: Path
) -> None:
    case_id = json.loads(exported[0].read_bytes())["case_id"]

    response = await running.get(
        f"/v1/cases/{case_id}/bundle", Role.PRIVACY_OFFICER, reveal="true", purpose=PURPOSE
    )
    (tmp_path / "revealed.json").write_bytes(response.content)
    status, out = run_verify(tmp_path / "revealed.json", SIGNER.verifier.key_string())

    assert status == 0, out
    document = json.loads(response.content)
    revealed = {item["event_id"]: item for item in document["revealed"]}
    opened = revealed[str(exported[2][0].event_id)]
    assert opened["payload"]["customer"]["relationship"] == "purchaser"
    assert "customer.name" in opened["revealed_fields"]
    # The access is itself in the bundle, proven like every other event.
    assert document["events"][-1]["event_id"] == document["access_event_id"]


async def test_a_size_without_a_checkpoint_is_not_found(
    running: RunningRecords, exported: tuple[Path, Path, list[Envelope]]
) -> None:
    case_id = json.loads(exported[0].read_bytes())["case_id"]
    size = await running.records.store.size()

    response = await running.get(f"/v1/cases/{case_id}/bundle", Role.LEGAL, since_size=size + 1000)

    assert response.status_code == 404
    assert response.json()["field"] == "since_size"
