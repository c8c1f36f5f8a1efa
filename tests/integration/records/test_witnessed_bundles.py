"""Witness cosigning against a real witness written by others: filippo.io/torchwood's
litewitness (C2SP tlog-witness). Records offers each checkpoint with a consistency proof from
the witness's last size and keeps the cosignature; bundles carry it; `caselog verify
--witness` requires it; Go's golang.org/x/mod/sumdb/note (deploy/witness/checknote, no caselog
code) accepts the cosigned note. A fork of the log (same origin, same key, another history) is
refused by the witness, so a bundle built on it fails `caselog verify --witness` while the
log's key alone still passes it: the split view that only a witness can rule out."""

import contextlib
import io
import json
import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.records.adapters.log_identity import HttpWitness
from services.records.domain.checkpoints import Refused, WitnessIdentity
from services.records.domain.events import ReceivedEvent
from services.records.service_layer.messages import RecordEvent
from services.runtime.records_cli import FAILED, VERIFIED, verify_file
from shared.auth.development import DevelopmentIssuer
from shared.auth.roles import Role
from shared.merkle.cosignature import CosignatureVerifier
from shared.settings import load_settings
from tests.integration.databases import fresh_database
from tests.integration.group_offsets import start_group_at_end
from tests.integration.records.cases import decision, new_case
from tests.integration.records.conftest import (
    ORIGIN,
    SIGNER,
    TOPICS_FILE,
    RunningRecords,
    started,
)
from tests.integration.witness.litewitness import RunningWitness, litewitness, witness_tools

T0 = datetime(2025, 11, 6, 9, 0, tzinfo=UTC)
LOG_KEY = SIGNER.verifier.key_string()


@pytest.fixture
def witness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningWitness]:
    """A witness of its own per test: it remembers the last tree head of the log."""
    folder = tmp_path_factory.mktemp("witness")
    with litewitness(folder, "witness.test/counsel", ORIGIN, LOG_KEY) as running:
        yield running


@contextlib.asynccontextmanager
async def records_witnessed_by(
    witness: RunningWitness,
    kafka_bootstrap: str,
    postgres_url: str,
    issuer: DevelopmentIssuer,
    folder: Path,
) -> AsyncIterator[RunningRecords]:
    """A records app with a log of its own, signing as ORIGIN with SIGNER, witnessed."""
    jwks = folder / "jwks.json"
    jwks.write_text(json.dumps(issuer.jwks()))
    async with fresh_database(postgres_url) as log, fresh_database(postgres_url) as keys:
        settings = load_settings(
            service_name="records",
            bus="kafka",
            kafka_bootstrap_servers=kafka_bootstrap,
            database_url=log,
            keystore_url=keys,
            topics_file=TOPICS_FILE,
            auth_jwks_file=jwks,
            records_signing_key=SIGNER.key_string(),
            records_origin=ORIGIN,
            records_checkpoint_every_events=1000,
            records_checkpoint_every_seconds=3600,
            records_consumer_group=f"caselog-records-witness-{uuid.uuid4().hex[:8]}",
            records_witnesses=(f"{witness.url} {witness.vkey}",),
        )
        topics = list(settings.records_topics)
        await start_group_at_end(kafka_bootstrap, settings.records_consumer_group, topics)
        async with started(settings, issuer) as records:
            yield records


async def record_decisions(records: RunningRecords, case: tuple[str, str], count: int) -> None:
    for n in range(count):
        event = decision(case, "policy.decided", f"answer-{n}", [], T0, T0)
        await records.records.handle(RecordEvent(ReceivedEvent(event)))


async def export(records: RunningRecords, case: tuple[str, str], path: Path) -> dict[str, object]:
    response = await records.get(f"/v1/cases/{case[0]}/bundle", Role.LEGAL)
    assert response.status_code == 200, response.text
    path.write_bytes(response.content)  # noqa: ASYNC240 - a small test file
    document: dict[str, object] = response.json()
    return document


def verify(path: Path, *witness_keys: str, quorum: int | None = None) -> tuple[int, str]:
    out = io.StringIO()
    status = verify_file(path, [LOG_KEY], None, out, witness_keys=witness_keys, quorum=quorum)
    return status, out.getvalue()


def go_checknote(note: str, folder: Path, *vkeys: str) -> subprocess.CompletedProcess[str]:
    (folder / "checkpoint.note").write_text(note)
    return subprocess.run(
        [str(witness_tools() / "checknote"), str(folder / "checkpoint.note"), *vkeys],
        capture_output=True,
        text=True,
        check=False,
    )


async def test_the_witness_cosigns_each_checkpoint_and_the_bundle_carries_it(
    witness: RunningWitness,
    kafka_bootstrap: str,
    postgres_url: str,
    token_issuer: DevelopmentIssuer,
    tmp_path: Path,
) -> None:
    case = new_case()
    async with records_witnessed_by(
        witness, kafka_bootstrap, postgres_url, token_issuer, tmp_path
    ) as records:
        await record_decisions(records, case, 2)
        first = await export(records, case, tmp_path / "first.json")
        await record_decisions(records, case, 3)
        second = await export(records, case, tmp_path / "second.json")

    assert f"\n\u2014 {witness.name} " in str(first["checkpoint"])
    # The second size was cosigned only after the witness checked the consistency proof
    # from the first one, which it had kept.
    assert int(str(second["tree_size"])) > int(str(first["tree_size"]))
    assert f"\n\u2014 {witness.name} " in str(second["checkpoint"])
    for bundle in ("first.json", "second.json"):
        status, text = verify(tmp_path / bundle, witness.vkey)
        assert status == VERIFIED, text
        assert f"cosigned by 1 of the 1 witnesses you trust (quorum 1): {witness.name}" in text
    go = go_checknote(str(second["checkpoint"]), tmp_path, LOG_KEY, witness.vkey)
    assert go.returncode == 0, go.stderr
    assert go.stdout.split() == [ORIGIN, witness.name]


async def test_the_witness_refuses_a_fork_and_verify_refuses_its_bundle(
    witness: RunningWitness,
    kafka_bootstrap: str,
    postgres_url: str,
    token_issuer: DevelopmentIssuer,
    tmp_path: Path,
) -> None:
    honest_case, forked_case = new_case(), new_case()
    async with records_witnessed_by(
        witness, kafka_bootstrap, postgres_url, token_issuer, tmp_path
    ) as honest:
        await record_decisions(honest, honest_case, 2)
        shown = await export(honest, honest_case, tmp_path / "honest.json")
    assert f"\n\u2014 {witness.name} " in str(shown["checkpoint"])

    # The operator's second history: same origin, same key, other events, a longer tree.
    async with records_witnessed_by(
        witness, kafka_bootstrap, postgres_url, token_issuer, tmp_path
    ) as fork:
        witnessed = int(str(shown["tree_size"]))
        await record_decisions(fork, forked_case, 2)
        while await fork.records.store.size() <= witnessed:  # longer than what was witnessed
            await record_decisions(fork, forked_case, 1)
        forked = await export(fork, forked_case, tmp_path / "fork.json")
        store = fork.records.store
        proof = await store.consistency_proof(witnessed, int(str(forked["tree_size"])))
        asked = await HttpWitness(
            WitnessIdentity(witness.url, CosignatureVerifier.parse(witness.vkey))
        ).add_checkpoint(witnessed, proof.hashes, str(forked["checkpoint"]))

    assert isinstance(asked, Refused)
    assert asked.status == 422, asked  # litewitness: "bad consistency proof"
    assert f"\u2014 {witness.name} " not in str(forked["checkpoint"])
    status, text = verify(tmp_path / "fork.json", witness.vkey)
    assert status == FAILED, text
    assert "witnesses: 0 of the witnesses you trust cosigned the checkpoint, 1 needed" in text
    assert witness.name in text
    # Without a witness the log's own key accepts the fork: that is what witnesses are for.
    assert verify(tmp_path / "fork.json")[0] == VERIFIED
    go = go_checknote(str(forked["checkpoint"]), tmp_path, LOG_KEY, witness.vkey)
    assert go.returncode == 1
    assert "not signed by " + witness.name in go.stderr
