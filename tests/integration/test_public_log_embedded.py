"""`caselog run` publishes its log at the prefix records is mounted under: the demo
consultations go through intake (personal fields encrypted at the edge) and policy into
records' log, `caselog public-keys` writes the keys the log serves, the Go auditor
(deploy/witness/tileaudit) checks the whole log with the written key, and nothing served
without a token holds the demo's names, e-mail addresses, phone numbers or text. The
default publishes leaf hashes only: entry bundles are not served."""

import asyncio
import io
from pathlib import Path

import httpx
import pytest

from services.runtime.demo import DEMOS
from services.runtime.embedded import embedded_app
from services.runtime.public_keys_cli import write_public_keys
from shared.settings import load_settings
from tests.integration.serving import serving
from tests.integration.tile_audit import published_paths, tileaudit

REPO_ROOT = Path(__file__).resolve().parents[2]
WAIT_S = 60.0
PERSONAL = sorted(
    {
        str(value)
        for demo in DEMOS
        for value in (
            *(demo.document["customer"].get(field) for field in ("name", "email", "phone")),
            demo.document["body"],
        )
        if value and value != "Anonymous"
    }
)


async def signed_size(http: httpx.AsyncClient, at_least: int) -> int:
    """The size of the latest checkpoint, once it covers `at_least` entries."""
    async with asyncio.timeout(WAIT_S):
        while True:
            answer = await http.get("/records/checkpoint")
            if answer.status_code == 200:
                size = int(answer.text.splitlines()[1])
                if size >= at_least:
                    return size
            await asyncio.sleep(0.2)


async def test_the_embedded_runtime_serves_an_auditable_log_with_no_personal_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # development keys and data under ./data
    settings = load_settings(
        service_name="caselog",
        embedded_bus_path=tmp_path / "data" / "bus.sqlite3",
        topics_file=REPO_ROOT / "deploy" / "kafka" / "topics.toml",
        records_checkpoint_every_seconds=0.5,
    )
    app = embedded_app(settings)
    async with serving(app) as url, httpx.AsyncClient(base_url=url) as anonymous:
        # A consultation and policy's decision of it, at least, for each demo.
        size = await signed_size(anonymous, 2 * len(DEMOS))
        assert write_public_keys(tmp_path / "keys", io.StringIO()) == 0
        log_key = (tmp_path / "keys" / "records.vkey").read_text().strip()
        receipt_key = (tmp_path / "keys" / "privacy.vkey").read_text().strip()
        status, said = await tileaudit(f"{url}/records", log_key, "-entries=false")
        served = {}
        for path in published_paths(size, entries=False):
            answer = await anonymous.get(f"/records{path}")
            assert answer.status_code == 200, (path, answer.text)
            served[path] = answer.content
        entries = await anonymous.get("/records/tile/entries/000")

    assert status == 0, said
    assert f"audited caselog.local/records: {size} entries" in said
    assert served["/log/keys"].decode().splitlines() == [log_key, receipt_key]
    assert entries.status_code == 404
    everything = b"".join(served.values())
    assert len(PERSONAL) >= 6
    for text in PERSONAL:
        assert text.encode() not in everything, text
