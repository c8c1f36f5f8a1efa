"""Test support: dump everything a deployment stored, published or logged (topics with their
keys, values and headers; `pg_dump` of each database; logs; and, where the test runs servers
of its own, every file under their data directories), and scan it for personal values in any
of their written forms."""

import asyncio
import contextlib
import glob
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import ConsumerRecord
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from shared.bus.topics import load_topic_specs
from shared.envelope import InvalidEnvelopeError, decode_envelope
from tests.e2e.distributed import TOPICS_FILE, Distributed
from tests.integration.personal_forms import leaks
from tests.integration.topic_reader import read_topic

PG_DUMP_S = 60.0
_JSON_ESCAPE = re.compile(rb"\\u([0-9a-fA-F]{4})")
_BYTEA_HEX = re.compile(rb"\\\\?x((?:[0-9a-f]{2}){4,})")


@dataclass
class Dumps:
    """What was dumped, by source ("topic caselog.intake", "database records", "log ...")."""

    blobs: dict[str, bytes] = field(default_factory=dict)
    case_event_types: set[str] = field(default_factory=set)  # of the case, on any topic

    def leaks(self, secrets: list[str]) -> dict[str, list[str]]:
        found = {source: leaks(readable(blob), secrets) for source, blob in self.blobs.items()}
        return {source: forms for source, forms in found.items() if forms}

    def sizes(self) -> dict[str, int]:
        return {source: len(blob) for source, blob in self.blobs.items()}


def readable(blob: bytes) -> bytes:
    """`blob`, plus its JSON `\\uXXXX` escapes decoded and its bytea hex literals (`\\x..`)
    unhexed: plaintext stored in either spelling is found as well."""
    unescaped = _JSON_ESCAPE.sub(
        lambda match: chr(int(match[1], 16)).encode("utf-8", "surrogatepass"), blob
    )
    unhexed = b"\n".join(bytes.fromhex(match[1].decode()) for match in _BYTEA_HEX.finditer(blob))
    return b"\n".join([blob, unescaped, unhexed])


# Kafka's offset and time indexes: preallocated (10 MB each), offsets only, never a value.
KAFKA_INDEXES = (".index", ".timeindex")


async def dump_all(
    kafka: str, deployment: Distributed, case_id: str, topics: list[str] | None = None
) -> Dumps:
    """Every record of `topics` (default: the declared topics, their DLQs included), the
    `pg_dump` of every database of the deployment, and its logs."""
    dumps = Dumps()
    if topics is None:
        topics = [spec.name for spec in load_topic_specs(TOPICS_FILE)]
    records = await asyncio.gather(*(read_topic(kafka, topic) for topic in topics))
    for topic, topic_records in zip(topics, records, strict=True):
        dumps.blobs[f"topic {topic}"] = b"\n".join(
            _record_bytes(record) for record in topic_records
        )
        dumps.case_event_types |= _event_types(topic_records, case_id)
    databases = await asyncio.gather(*map(pg_dump, deployment.databases.values()))
    for name, dump in zip(deployment.databases, databases, strict=True):
        dumps.blobs[f"database {name}"] = dump
    for log in deployment.logs:
        dumps.blobs[f"log {log.name}"] = log.read_bytes()
    return dumps


async def every_topic(kafka: str) -> list[str]:
    """Every topic the broker has, its internal ones (`__consumer_offsets`...) included."""
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka)
    await admin.start()
    try:
        return sorted(await admin.list_topics())
    finally:
        await admin.close()


def dump_files(dumps: Dumps, label: str, folder: Path, skip: tuple[str, ...] = ()) -> int:
    """Adds every file under `folder` (but those ending in `skip`) to `dumps` as
    "`label` <relative path>"; the number of files. A file that vanishes while the folder is
    read (a recycled WAL segment, a deleted Kafka segment) is simply gone."""
    count = 0
    for path in sorted(folder.rglob("*")):
        if path.name.endswith(skip) or not path.is_file():
            continue
        with contextlib.suppress(FileNotFoundError):
            dumps.blobs[f"{label} {path.relative_to(folder)}"] = path.read_bytes()
            count += 1
    return count


def _record_bytes(record: ConsumerRecord[bytes, bytes]) -> bytes:
    headers = [value for _, value in record.headers or () if value]
    return b"\n".join([record.key or b"", record.value or b"", *headers])


def _event_types(records: list[ConsumerRecord[bytes, bytes]], case_id: str) -> set[str]:
    types = set()
    for record in records:
        try:
            envelope = decode_envelope(record.value or b"")
        except InvalidEnvelopeError:
            continue  # other tests' poison messages
        if envelope.case_id == case_id:
            types.add(envelope.type)
    return types


def _pg_dump_binary() -> str:
    # The newest installed version first: pg_dump refuses servers newer than itself.
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_dump"),
        key=lambda path: int(Path(path).parts[-3]) if Path(path).parts[-3].isdigit() else 0,
        reverse=True,
    )
    found = candidates[0] if candidates else shutil.which("pg_dump")
    if found is None:
        raise AssertionError("pg_dump not found (PATH or /usr/lib/postgresql/*/bin)")
    return found


async def pg_dump(database_url: str) -> bytes:
    """The plain-SQL dump of the database of a SQLAlchemy URL (schema and data)."""
    libpq = make_url(database_url).set(drivername="postgresql").render_as_string(False)
    process = await asyncio.create_subprocess_exec(
        _pg_dump_binary(),
        "--format=plain",
        "--no-owner",
        f"--dbname={libpq}",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), PG_DUMP_S)
    assert process.returncode == 0, f"pg_dump failed: {err.decode(errors='replace')}"
    return out


async def table_names(database_url: str) -> list[str]:
    """The tables of the database's public schema."""
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            )
            return sorted(str(row[0]) for row in rows)
    finally:
        await engine.dispose()
