"""Privacy closes key epochs: on demand and when due, each close published once as
`keys.epoch_closed`, a close whose event was lost announced by the next run."""

import asyncio
import json
from pathlib import Path

from fastapi.testclient import TestClient

from services.privacy.bootstrap import Privacy
from services.privacy.domain.receipt import ErasureState
from services.privacy.service_layer.epochs import close_epochs_when_due
from services.privacy.service_layer.messages import (
    AnnounceEpochCloses,
    CloseKeyEpoch,
    SubjectErasures,
)
from services.runtime.embedded import service_app
from shared.auth.development import development_issuer
from shared.auth.roles import Role
from shared.settings import load_settings
from tests.unit.privacy.conftest import TOPICS_FILE, Clock, RecordingBus, received
from tests.unit.privacy.test_erasure_truth import ERASE


async def test_a_close_on_demand_rewraps_destroys_and_publishes_keys_epoch_closed(
    privacy: Privacy, bus: RecordingBus
) -> None:
    case = await received(privacy)
    keys = privacy.personal.keys
    first = await keys.current_epoch()

    closure = await privacy.handle(CloseKeyEpoch(actor="admin-1"))

    assert closure is not None
    assert closure.rewrapped_keys == 1
    [event] = bus.envelopes("keys.epoch_closed")
    assert event.producer == "privacy"
    assert event.case_id == "key-epoch-1"
    assert event.payload == {
        "closed_epoch": 1,
        "destroyed_kek_id": first.kek_id,
        "opened_epoch": 2,
        "opened_kek_id": closure.opened.kek_id,
        "rewrapped_keys": 1,
        "closed_at": closure.closed_at.isoformat().replace("+00:00", "Z"),
    }
    assert not await keys.keyring.holds(first.kek_id)
    assert (await keys.get(case.case_id)).kid  # the live key opens under the new epoch
    assert await privacy.handle(AnnounceEpochCloses()) == []  # published once


async def test_a_close_whose_event_a_crash_lost_is_announced_by_the_next_run(
    privacy: Privacy, bus: RecordingBus
) -> None:
    keys = privacy.personal.keys
    lost = await keys.close_epoch(holder="crashed-before-publishing")
    assert lost is not None
    assert bus.envelopes("keys.epoch_closed") == []

    await privacy.handle(CloseKeyEpoch(actor="admin-1"))

    closed = [e.payload["closed_epoch"] for e in bus.envelopes("keys.epoch_closed")]
    assert closed == [1, 2]


async def test_the_scheduler_closes_the_epoch_when_due_and_only_once(
    privacy: Privacy, bus: RecordingBus, clock: Clock
) -> None:
    keys = privacy.personal.keys
    due = await keys.current_epoch()
    clock.now = due.closes_by  # the open epoch's time is up
    stop = asyncio.Event()

    async def close(number: int) -> None:
        await privacy.handle(CloseKeyEpoch(actor="schedule", if_open=number))
        stop.set()  # one round is enough to see what it did

    await asyncio.wait_for(close_epochs_when_due(keys, close, clock, stop), 10)

    assert [e.payload["closed_epoch"] for e in bus.envelopes("keys.epoch_closed")] == [1]
    with_other = await privacy.handle(CloseKeyEpoch(actor="late-scheduler", if_open=due.number))
    assert with_other is None  # a second scheduler that saw epoch 1 due stands down
    assert (await keys.current_epoch()).number == 2


def test_the_api_shows_the_open_epoch_and_lets_only_an_admin_close_it(tmp_path: Path) -> None:
    issuer = development_issuer(tmp_path / "auth")
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps(issuer.jwks()))
    settings = load_settings(
        service_name="privacy",
        embedded_bus_path=tmp_path / "bus.sqlite3",
        database_url=f"sqlite+aiosqlite:///{tmp_path}/privacy.sqlite3",
        keystore_url=f"sqlite+aiosqlite:///{tmp_path}/keys.sqlite3",
        topics_file=TOPICS_FILE,
        auth_jwks_file=jwks,
        auth_dev_keys_dir=tmp_path / "auth",
        privacy_dev_signing_key_file=tmp_path / "receipt.key",
    )

    def as_role(role: Role) -> dict[str, str]:
        return {"Authorization": f"Bearer {issuer.token(f'{role.value}-1', [role], 'caselog')}"}

    with TestClient(service_app("privacy", settings)) as http:
        current = http.get("/v1/keys/epochs/current", headers=as_role(Role.PRIVACY_OFFICER))
        refused = http.post("/v1/keys/epochs/close", headers=as_role(Role.PRIVACY_OFFICER))
        closed = http.post("/v1/keys/epochs/close", headers=as_role(Role.ADMIN))
        after = http.get("/v1/keys/epochs/current", headers=as_role(Role.ADMIN))

    assert current.status_code == 200
    assert current.json()["number"] == 1
    assert refused.status_code == 403
    assert closed.status_code == 200
    body = closed.json()
    assert (body["closed"]["number"], body["opened"]["number"]) == (1, 2)
    assert body["destroyed_kek_id"] == current.json()["kek_id"]
    assert after.json()["kek_id"] == body["opened"]["kek_id"]
    assert not (tmp_path / "keyring" / f"{body['destroyed_kek_id']}.key").exists()


async def test_a_real_close_completes_the_erasures_of_the_epoch_it_closed(
    privacy: Privacy,
) -> None:
    case = await received(privacy)
    await privacy.handle(ERASE)
    [pending] = await privacy.handle(SubjectErasures((case.subject_id,)))
    assert pending.state is ErasureState.PENDING

    closure = await privacy.handle(CloseKeyEpoch(actor="admin-1"))

    assert closure is not None
    [complete] = await privacy.handle(SubjectErasures((case.subject_id,)))
    assert (complete.state, complete.completed_by_epoch) == (
        ErasureState.COMPLETE,
        closure.closed.number,
    )
    statement = await privacy.store.completion(closure.closed.number)
    assert statement is not None
    assert statement.statement["destroyed_kek_id"] == closure.destroyed_kek_id
