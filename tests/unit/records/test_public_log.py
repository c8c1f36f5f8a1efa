"""The public tiled log on the records app (SQLite, in process): no token, the spec's content
types and caching, nothing past the latest checkpoint, entries only where the deployment
publishes them, and tiles that are the stored tree's own nodes."""

from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from services.records.bootstrap import Records
from services.records.domain.events import ReceivedEvent
from services.records.entrypoints.http import create_app
from services.records.service_layer.messages import IssueCheckpoint, RecordEvent
from shared.merkle.hashing import leaf_hash
from shared.merkle.keys import NoteSigner
from shared.settings import CaselogSettings, SettingsError
from tests.unit.records.conftest import MakeEnvelope

PRIVACY_KEY = NoteSigner.generate("caselog-privacy").verifier.key_string()


async def fill(
    records: Records, make_envelope: MakeEnvelope, count: int, *, sign: bool = True
) -> None:
    """Records `count` events of 7 cases, then (unless `sign` is False) signs a checkpoint."""
    for n in range(count):
        await records.handle(RecordEvent(ReceivedEvent(make_envelope(f"case-{n % 7}", n))))
    if sign:
        await records.handle(IssueCheckpoint())


@pytest.fixture
async def public(
    settings: CaselogSettings, request: pytest.FixtureRequest
) -> AsyncIterator[tuple[Records, AsyncClient]]:
    entries = getattr(request, "param", "leaf-hashes")
    changed = settings.model_copy(
        update={"public_log_entries": entries, "records_published_keys": (PRIVACY_KEY,)}
    )
    app: FastAPI = create_app(changed)
    async with (
        app.router.lifespan_context(app),
        AsyncClient(transport=ASGITransport(app), base_url="http://records") as http,
    ):
        yield app.state.records, http


async def test_the_checkpoint_and_tiles_need_no_token_and_cache_as_the_spec_says(
    public: tuple[Records, AsyncClient], make_envelope: MakeEnvelope
) -> None:
    records, http = public
    await fill(records, make_envelope, 260)
    signed = await records.store.latest_checkpoint()
    assert signed is not None

    checkpoint = await http.get("/checkpoint")
    full = await http.get("/tile/0/000")
    partial = await http.get("/tile/0/001.p/4")
    upper = await http.get("/tile/1/000.p/1")
    keys = await http.get("/log/keys")

    assert checkpoint.status_code == 200
    assert checkpoint.text == signed.note
    assert checkpoint.headers["content-type"] == "text/plain; charset=utf-8"
    assert "max-age=2" in checkpoint.headers["cache-control"]
    assert full.headers["content-type"] == "application/octet-stream"
    assert full.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert "immutable" not in partial.headers["cache-control"]
    stored = await records.store.leaf_hashes()
    assert full.content == b"".join(stored[i] for i in range(256))
    assert partial.content == b"".join(stored[i] for i in range(256, 260))
    assert upper.content == await records.store.root(256)
    assert keys.text == f"{records.identity.verifier_key}\n{PRIVACY_KEY}\n"
    # The token-guarded API stays guarded.
    assert (await http.get("/v1/log")).status_code == 401


async def test_nothing_past_the_latest_checkpoint_and_no_other_spelling_is_served(
    public: tuple[Records, AsyncClient], make_envelope: MakeEnvelope
) -> None:
    records, http = public
    assert (await http.get("/checkpoint")).status_code == 404
    await fill(records, make_envelope, 5)
    await fill(records, make_envelope, 3, sign=False)

    assert (await http.get("/tile/0/000.p/5")).status_code == 200
    for path in ("/tile/0/000.p/6", "/tile/0/000", "/tile/1/000.p/1"):
        assert (await http.get(path)).status_code == 404, path
    # Another spelling of a served tile: refused by the path's schema or by the parser.
    for path in ("/tile/0/0.p/5", "/tile/0/000.p/05", "/tile/0/x000/000.p/5", "/tile/00/000.p/5"):
        assert (await http.get(path)).status_code in {404, 422}, path


async def test_entries_are_not_served_where_only_leaf_hashes_are_published(
    public: tuple[Records, AsyncClient], make_envelope: MakeEnvelope
) -> None:
    records, http = public
    await fill(records, make_envelope, 3)

    refused = await http.get("/tile/entries/000.p/3")

    assert refused.status_code == 404
    assert "leaf-hashes" in refused.text


@pytest.mark.parametrize("public", ["envelopes"], indirect=True)
async def test_each_published_entry_hashes_to_its_leaf(
    public: tuple[Records, AsyncClient], make_envelope: MakeEnvelope
) -> None:
    records, http = public
    await fill(records, make_envelope, 3)

    served = await http.get("/tile/entries/000.p/3", headers={"Accept-Encoding": "gzip"})
    plain = await http.get("/tile/entries/000.p/3", headers={"Accept-Encoding": "identity"})
    bundle = served.content  # decoded by httpx
    tile = (await http.get("/tile/0/000.p/3")).content

    entries = []
    while bundle:
        length = int.from_bytes(bundle[:2], "big")
        entries.append(bundle[2 : 2 + length])
        bundle = bundle[2 + length :]
    assert [event.leaf for event in await records.store.events()] == entries
    assert b"".join(leaf_hash(entry) for entry in entries) == tile
    assert served.headers["content-encoding"] == "gzip"
    assert "content-encoding" not in plain.headers
    assert plain.content == served.content


def test_a_published_key_that_is_not_a_verifier_key_stops_start_up(
    settings: CaselogSettings,
) -> None:
    with pytest.raises(SettingsError, match="records_published_keys"):
        create_app(settings.model_copy(update={"records_published_keys": ("not-a-key",)}))
