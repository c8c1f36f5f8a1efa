"""An erasure receipt bound to the records log, on real Kafka and PostgreSQL: privacy erases a
subject, records logs the subject.erased events from the topic and serves their log binding
(GET /v1/proofs/erasures); `caselog verify-receipt --bound` passes with both keys pinned, and
fails the same receipt carrying a checkpoint signed before the erasure, naming the event."""

import asyncio
import io
import json
from pathlib import Path
from typing import Any

import httpx

from services.runtime.privacy_cli import verify_receipt_file
from shared.auth.roles import Role
from tests.integration.privacy.conftest import Running
from tests.integration.records.conftest import SIGNER, WAIT_S, RunningRecords
from tests.unit.privacy.samples import random_person


async def _binding(records: RunningRecords, event_ids: list[str]) -> dict[str, Any]:
    """The binding, once records has logged every event and signed a checkpoint over them
    (404 until then: the topic is asynchronous)."""
    async with asyncio.timeout(WAIT_S):
        while True:
            answer: httpx.Response = await records.get(
                "/v1/proofs/erasures", Role.PRIVACY_OFFICER, event_id=event_ids
            )
            if answer.status_code != 404:
                assert answer.status_code == 200, answer.text
                found: dict[str, Any] = answer.json()
                return found
            await asyncio.sleep(0.1)


def _verified(receipt: dict[str, Any], path: Path, key: str) -> tuple[int, str]:
    path.write_text(json.dumps(receipt))
    out = io.StringIO()
    records_key = SIGNER.verifier.key_string()
    status = verify_receipt_file(path, key, out=out, records_key=records_key, bound=True)
    return status, out.getvalue()


async def test_a_bound_receipt_verifies_and_fails_with_a_checkpoint_from_before_the_erasure(
    apps: tuple[Running, RunningRecords], tmp_path: Path
) -> None:
    privacy, records = apps
    person = random_person()
    case = await privacy.intake_case(person)
    await records.wait_stored(*case.envelopes)
    before = await records.post("/v1/checkpoints", Role.LEGAL)
    assert before.status_code in (200, 201), before.text
    officer = privacy.as_role(Role.PRIVACY_OFFICER)

    erased = await privacy.client.post(
        "/v1/requests/erasure", json={"email": person.email}, headers=officer
    )
    assert erased.status_code < 300, erased.text
    request_id = erased.json()["receipt"]["request_id"]
    event_ids = erased.json()["receipt"]["event_ids"]
    assert len(event_ids) == 1
    binding = await _binding(records, event_ids)
    receipt_url = f"/v1/requests/{request_id}/receipt"
    served = (await privacy.client.get(receipt_url, headers=officer)).json()
    key = (await privacy.client.get("/v1/receipts/key", headers=officer)).json()["verifier_key"]

    status, said = _verified({**served, "log_binding": binding}, tmp_path / "bound.json", key)
    assert status == 0, said
    assert f"bound to the log at checkpoint {binding['tree_size']}" in said
    [leaf] = binding["leaves"]
    assert leaf["event_id"] == event_ids[0]
    assert leaf["leaf_index"] >= before.json()["size"]

    # The same receipt with records' checkpoint from before the erasure: its events are not in it.
    stale = {**binding, "checkpoint": before.json()["note"], "tree_size": before.json()["size"]}
    status, said = _verified({**served, "log_binding": stale}, tmp_path / "stale.json", key)
    assert status == 1
    assert f"FAILED: log binding: event {event_ids[0]} (leaf {leaf['leaf_index']})" in said
    assert f"not in the checkpoint of size {before.json()['size']}" in said
    # Without a binding, --bound refuses the receipt outright.
    status, said = _verified(served, tmp_path / "unbound.json", key)
    assert (status, said.startswith("FAILED: log binding: the file has none")) == (1, True)
