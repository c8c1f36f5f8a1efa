"""`caselog verify-log` over the service's PostgreSQL log: intact after real traffic; after a
superuser edits one byte behind the guards' back, it fails and names the event, and so does
a bundle exported afterwards."""

import asyncio
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from services.runtime.cli import main
from services.runtime.records_cli import verify_file, verify_log
from shared.auth.roles import Role
from shared.envelope import Envelope
from shared.settings import CaselogSettings
from tests.contract.records.superuser import as_user
from tests.integration.records.cases import consultation, contact, new_case
from tests.integration.records.conftest import SIGNER, RunningRecords

T0 = datetime(2025, 11, 7, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
async def traffic(running: RunningRecords) -> list[Envelope]:
    case = new_case()
    codec = running.records.personal.codec
    events = [await consultation(codec, case, T0, T0)]
    events += [await contact(codec, case, f"連絡 {n}", T0, T0) for n in range(5)]
    await running.publish("caselog.intake", *events)
    await running.wait_stored(*events)
    await running.records.issuer.issue()
    return events


async def test_the_log_verifies_after_real_traffic(
    records_settings: CaselogSettings, traffic: list[Envelope]
) -> None:
    out = io.StringIO()

    assert await verify_log(records_settings, out=out) == 0
    assert out.getvalue().startswith("the log is intact:")


async def test_a_superuser_edit_is_found_and_named(
    running: RunningRecords,
    records_settings: CaselogSettings,
    traffic: list[Envelope],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    victim = await running.records.store.event(str(traffic[3].event_id))
    changed = victim.leaf.replace(b'"correlation_id":"corr-', b'"correlation_id":"corx-', 1)
    assert len(changed) == len(victim.leaf)
    assert changed != victim.leaf
    superuser = create_async_engine(as_user(records_settings.database_url, "postgres"))
    try:
        async with superuser.begin() as connection:
            await connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
            await connection.execute(
                text("UPDATE events SET leaf = :leaf WHERE position = :position"),
                {"leaf": changed, "position": victim.position},
            )
    finally:
        await superuser.dispose()

    # As an operator runs it: settings from the environment, the trusted key on the line.
    monkeypatch.setenv("CASELOG_DATABASE_URL", records_settings.database_url)
    monkeypatch.setenv("CASELOG_RECORDS_ORIGIN", records_settings.records_origin)
    with pytest.raises(SystemExit) as exit_status:
        # In a thread: the command runs its own event loop, as it does from a shell.
        await asyncio.to_thread(main, ["verify-log", "--key", SIGNER.verifier.key_string()])

    assert exit_status.value.code == 1
    out = capsys.readouterr().out
    assert out.startswith(f"FAILED: event {victim.event_id} at position {victim.position}:"), out
    bundle = await running.get(f"/v1/cases/{victim.case_id}/bundle", Role.LEGAL)
    (tmp_path / "bundle.json").write_bytes(bundle.content)
    report = io.StringIO()
    assert verify_file(tmp_path / "bundle.json", [SIGNER.verifier.key_string()], out=report) == 1
    assert report.getvalue().startswith(f"FAILED: event {victim.event_id} (leaf {victim.position})")
