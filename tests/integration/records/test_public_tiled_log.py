"""The public, tiled log audited from outside: records on Kafka and PostgreSQL, served over a
real socket by uvicorn, appends over 256 events (so full and partial tiles both occur), and
deploy/witness/tileaudit (Go's golang.org/x/mod/sumdb/note and tlog, no caselog code) fetches
the checkpoint, every tile and every entry bundle without a token, recomputes every leaf hash
and the tree, and agrees with the checkpoint and with the one it held from before. A proxy
that flips one byte of one resource makes it fail. Everything the public endpoints serve is
scanned for the seeded personal data."""

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI, Response

from services.records.bootstrap import Records
from services.records.entrypoints.http import create_app
from services.records.service_layer.messages import IssueCheckpoint
from shared.auth.development import DevelopmentIssuer
from shared.bus.topics import TopicSpec
from shared.merkle.keys import NoteSigner
from shared.settings import DEFAULT_TOPICS, CaselogSettings
from tests.integration.policy.conftest import publisher
from tests.integration.records.cases import (
    BODY,
    EMAIL,
    NAME,
    PHONE,
    consultation,
    contact,
    decision,
    new_case,
)
from tests.integration.records.conftest import SIGNER, RunningRecords
from tests.integration.serving import serving
from tests.integration.tile_audit import published_paths
from tests.integration.tile_audit import tileaudit as audit_with_go

T0 = datetime(2025, 11, 6, 9, 0, tzinfo=UTC)
LOG_KEY = SIGNER.verifier.key_string()
RECEIPT_KEY = NoteSigner.generate("caselog-privacy").verifier.key_string()
FIRST_CASES, MORE_CASES = 20, 80  # 3 events each: 60, then 300 in all
PERSONAL = [
    text.encode()
    for text in (NAME, EMAIL, PHONE, BODY, "09023456789", "+819023456789", "hanako.yamada")
]


@dataclass
class PublicLog:
    running: RunningRecords
    url: str

    @property
    def records(self) -> Records:
        return self.running.records


@pytest.fixture(scope="module")
async def public_log(
    records_settings: CaselogSettings, token_issuer: DevelopmentIssuer, kafka_bootstrap: str
) -> AsyncIterator[PublicLog]:
    """Records publishing envelopes, signing only when told, on a socket of its own, reading
    topics of its own: the tests count tiles, so no other run's events may join this log."""
    topics = DEFAULT_TOPICS.prefixed(f"t{uuid.uuid4().hex[:10]}.")
    async with publisher(kafka_bootstrap) as bus:
        await bus.ensure_topics([TopicSpec(name, 3) for _, name in topics])
    settings = records_settings.model_copy(
        update={
            "topics": topics,
            "records_topics": (topics.intake, topics.policy, topics.privacy),
            "public_log_entries": "envelopes",
            "records_published_keys": (RECEIPT_KEY,),
            "records_checkpoint_every_events": 100_000,
            "records_checkpoint_every_seconds": 3600.0,
        }
    )
    app = create_app(settings)
    async with serving(app) as url, httpx.AsyncClient(base_url=url) as http:
        yield PublicLog(RunningRecords(app.state.records, http, token_issuer), url)


async def add_cases(log: PublicLog, count: int) -> None:
    """`count` cases of a consultation (name, e-mail, phone, body encrypted), a contact and a
    decision each, published on their topics and stored by the consumer."""
    codec, topics = log.records.personal.codec, log.records.settings.topics
    published = []
    for n in range(count):
        case, at = new_case(), T0 + timedelta(minutes=n)
        received = [
            await consultation(codec, case, at, at),
            await contact(codec, case, BODY, at, at),
        ]
        decided = decision(case, "policy.decided", "accept", ["channel"], at, at)
        await log.running.publish(topics.intake, *received)
        await log.running.publish(topics.policy, decided)
        published += [*received, decided]
    await log.running.wait_stored(*published)


async def tileaudit(url: str, *args: str) -> tuple[int, str]:
    return await audit_with_go(url, LOG_KEY, *args)


def flipping_proxy(upstream: str, target: str) -> FastAPI:
    """Serves `upstream` as it is, but for `target`, whose middle byte it changes."""
    proxy = FastAPI()

    @proxy.get("/{path:path}")
    async def forward(path: str) -> Response:
        async with httpx.AsyncClient() as client:
            answer = await client.get(f"{upstream}/{path}")
        body = bytearray(answer.content)
        if f"/{path}" == target:
            body[_flipped_at(path, body)] ^= 0x01
        return Response(bytes(body), answer.status_code, media_type=answer.headers["content-type"])

    return proxy


def _flipped_at(path: str, body: bytes) -> int:
    """The middle byte; in an entry bundle the middle of its first entry, past its 2-byte
    length, so the change lands in an entry's bytes whatever their sizes (not in a length)."""
    if path.startswith("tile/entries/"):
        return 2 + int.from_bytes(body[:2], "big") // 2
    return len(body) // 2


@dataclass
class TwoCheckpoints:
    """The log signed at 60 entries (audited then, its note held) and then at 300."""

    log: PublicLog
    first_size: int
    first_audit: tuple[int, str]
    held: Path
    size: int


@pytest.fixture(scope="module")
async def signed_twice(
    public_log: PublicLog, tmp_path_factory: pytest.TempPathFactory
) -> TwoCheckpoints:
    held = tmp_path_factory.mktemp("held") / "first.note"
    await add_cases(public_log, FIRST_CASES)
    first = await public_log.records.handle(IssueCheckpoint())
    first_audit = await tileaudit(public_log.url, "-save", str(held))
    await add_cases(public_log, MORE_CASES)
    second = await public_log.records.handle(IssueCheckpoint())
    return TwoCheckpoints(public_log, first.size, first_audit, held, second.size)


async def test_the_go_tile_client_audits_the_whole_log_and_agrees_with_every_checkpoint(
    signed_twice: TwoCheckpoints,
) -> None:
    url = signed_twice.log.url
    status, said = await tileaudit(url, "-previous", str(signed_twice.held))

    first_status, first_said = signed_twice.first_audit
    assert first_status == 0, first_said
    assert f"{signed_twice.first_size} entries, 1 tiles, 1 entry bundles" in first_said
    assert signed_twice.size == 3 * (FIRST_CASES + MORE_CASES)
    assert status == 0, said
    # tile/0/000, tile/0/001.p/44 and tile/1/000.p/1, and both entry bundles.
    assert f"audited caselog.test/records: {signed_twice.size} entries, 3 tiles, 2 entry" in said
    assert "1 earlier checkpoints agree" in said
    hashes_only_status, hashes_only = await tileaudit(url, "-entries=false")
    assert hashes_only_status == 0, hashes_only
    assert "0 entry bundles" in hashes_only


async def test_every_checkpoint_the_log_issued_is_a_prefix_of_the_audited_tree(
    signed_twice: TwoCheckpoints, tmp_path: Path
) -> None:
    issued = await signed_twice.log.records.store.checkpoints()
    held = []
    for checkpoint in issued:
        note = tmp_path / f"{checkpoint.size}.note"
        note.write_text(checkpoint.note)
        held += ["-previous", str(note)]

    status, said = await tileaudit(signed_twice.log.url, "-entries=false", *held)

    # The two it was told to sign, and any the issuer signed by itself (the first event's).
    assert {signed_twice.first_size, signed_twice.size} <= {c.size for c in issued}
    assert status == 0, said
    assert f"{len(issued)} earlier checkpoints agree" in said


@pytest.mark.parametrize(
    ("target", "flags", "failure"),
    [
        ("/tile/0/000", (), "its hash is not the leaf hash in tile/0/000"),
        ("/tile/0/000", ("-entries=false",), "recomputed from the tiles has root"),
        ("/tile/0/001.p/44", ("-entries=false",), "recomputed from the tiles has root"),
        ("/tile/1/000.p/1", (), "tile/1/000.p/1 is not the tile of the recomputed tree"),
        ("/tile/entries/001.p/44", (), "its hash is not the leaf hash in tile/0/001.p/44"),
    ],
)
async def test_one_byte_changed_in_any_tile_or_entry_fails_the_audit(
    signed_twice: TwoCheckpoints, target: str, flags: tuple[str, ...], failure: str
) -> None:
    async with serving(flipping_proxy(signed_twice.log.url, target)) as proxied:
        status, said = await tileaudit(proxied, *flags)

    assert status == 1, said
    assert said.startswith("FAILED:")
    assert failure in said


async def test_a_changed_checkpoint_fails_its_signature(signed_twice: TwoCheckpoints) -> None:
    async with serving(flipping_proxy(signed_twice.log.url, "/checkpoint")) as proxied:
        status, said = await tileaudit(proxied)

    assert status == 1
    assert "checkpoint:" in said


async def test_the_public_endpoints_need_no_token_and_serve_no_personal_data(
    signed_twice: TwoCheckpoints,
) -> None:
    served: dict[str, bytes] = {}
    async with httpx.AsyncClient(base_url=signed_twice.log.url) as anonymous:
        sizes = (signed_twice.first_size, signed_twice.size)
        for path in dict.fromkeys(path for size in sizes for path in published_paths(size)):
            answer = await anonymous.get(path)
            assert answer.status_code == 200, (path, answer.text)
            served[path] = answer.content
        guarded = await anonymous.get("/v1/log")

    assert guarded.status_code == 401
    assert served["/log/keys"].decode().splitlines() == [LOG_KEY, RECEIPT_KEY]
    everything = b"".join(served.values())
    # The scan would see them: the envelopes are there, with the personal fields encrypted.
    assert b'"type":"consultation.received"' in everything
    assert b'"enc":"v2"' in everything
    for text in PERSONAL:
        assert text not in everything, text
