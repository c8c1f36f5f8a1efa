"""Bundles that prove completeness, from records on Kafka and PostgreSQL: the exported bundle
carries its case's entry in the case map records signed beside its checkpoint; `caselog verify`
with the log's key says it is complete, and the same file with its last event removed fails,
naming the completeness check. A Go checker sharing no code with caselog
(deploy/witness/checkmap, on golang.org/x/mod/sumdb/note and tlog) agrees on both. The app
reads the shared topics into a log of its own (a fresh database), so other runs' cases may be
in its map: they do not change this case's entry."""

import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.runtime.cli import main
from shared.auth.roles import Role
from shared.envelope import Envelope
from shared.merkle.case_map import CaseMapStatement
from shared.merkle.note import parse_note
from tests.integration.records.cases import consultation, contact, decision, new_case
from tests.integration.records.conftest import SIGNER, RunningRecords
from tests.integration.witness.litewitness import witness_tools

T0 = datetime(2025, 12, 1, 10, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
async def exported(
    running: RunningRecords, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, list[Envelope]]:
    case = new_case()
    codec = running.records.personal.codec
    events = [
        await consultation(codec, case, T0, T0),
        decision(case, "policy.decided", "restrict", ["demand-proportionality"], T0, T0),
        await contact(codec, case, "返金の件、承知しました", T0, T0, final_answer=True),
    ]
    await running.publish("caselog.intake", events[0])
    await running.publish("caselog.policy", events[1])
    await running.wait_stored(*events[:2])
    await running.publish("caselog.intake", events[2])
    await running.wait_stored(events[2])

    response = await running.get(f"/v1/cases/{case[0]}/bundle", Role.LEGAL)

    assert response.status_code == 200, response.text
    path = tmp_path_factory.mktemp("complete") / "bundle.json"
    path.write_bytes(response.content)
    return path, events


def verify(
    path: Path, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int | str | None, str]:
    with pytest.raises(SystemExit) as exit_status:
        main(["verify", str(path), "--key", SIGNER.verifier.key_string(), *args])
    return exit_status.value.code, capsys.readouterr().out


async def test_the_exported_bundle_carries_the_case_map_entry_records_kept(
    running: RunningRecords, exported: tuple[Path, list[Envelope]]
) -> None:
    document = json.loads(exported[0].read_bytes())
    case_map = document["case_map"]
    statement = CaseMapStatement.parse(parse_note(case_map["statement"]).text)

    assert case_map["events"] == 3
    assert case_map["head"] == document["events"][-1]["chain_hash"]
    assert statement.tree_size == document["tree_size"]
    assert (
        await running.records.store.case_map_statement(statement.tree_size)
        == (case_map["statement"])
    )


def test_caselog_verify_says_the_bundle_is_complete(
    exported: tuple[Path, list[Envelope]], capsys: pytest.CaptureFixture[str]
) -> None:
    status, out = verify(exported[0], capsys)

    assert status == 0, out
    assert out.startswith("verified: case ")
    lines = out.splitlines()
    complete = next(line for line in lines if line.startswith("  complete    "))
    assert complete.startswith("  complete    proved: the log's signed case map at size")
    assert "had exactly these 3 events" in complete

    status, out = verify(exported[0], capsys, "--json")
    assert json.loads(out)["completeness"]["proved"] is True


def test_the_same_bundle_with_its_last_event_removed_fails_the_completeness_check(
    exported: tuple[Path, list[Envelope]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = json.loads(exported[0].read_bytes())
    document["events"] = document["events"][:-1]
    (tmp_path / "withheld.json").write_text(json.dumps(document))

    status, out = verify(tmp_path / "withheld.json", capsys)

    assert status == 1
    assert out.startswith(
        "FAILED: completeness: the log's signed case map says the case had 3 events at size"
    ), out
    assert "the bundle holds 2: events of the case were withheld" in out.splitlines()[0]


def test_without_its_case_map_entry_the_bundle_verifies_but_is_not_proved_complete(
    exported: tuple[Path, list[Envelope]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = json.loads(exported[0].read_bytes())
    del document["case_map"]  # as a bundle exported before case maps
    (tmp_path / "old.json").write_text(json.dumps(document))

    status, out = verify(tmp_path / "old.json", capsys)

    assert status == 0, out
    assert "(completeness not proved)" in out


def go_checkmap(path: Path) -> subprocess.CompletedProcess[str]:
    command = [str(witness_tools() / "checkmap"), str(path), SIGNER.verifier.key_string()]
    return subprocess.run(command, capture_output=True, text=True, check=False, timeout=60)


def test_an_outside_go_checker_agrees_the_bundle_is_complete_and_the_shortened_one_is_not(
    exported: tuple[Path, list[Envelope]], tmp_path: Path
) -> None:
    document = json.loads(exported[0].read_bytes())
    document["events"] = document["events"][:-1]
    (tmp_path / "withheld.json").write_text(json.dumps(document))

    whole, shortened = go_checkmap(exported[0]), go_checkmap(tmp_path / "withheld.json")

    assert whole.returncode == 0, whole.stderr
    assert whole.stdout.startswith(f"complete: case {document['case_id']} had 3 events at size ")
    assert shortened.returncode == 1
    assert "with 2 events ending at the bundle's last event is not in the signed case map" in (
        shortened.stderr
    )
