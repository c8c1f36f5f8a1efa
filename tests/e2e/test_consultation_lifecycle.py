"""A consultation from intake to erasure, the same scenario in both runtimes."""

import time
from pathlib import Path

import pytest

from services.runtime.embedded import SERVICES, embedded_app
from shared.settings import load_settings
from tests.e2e.distributed import TOPICS_FILE, Distributed, distributed_services
from tests.e2e.leak_scan import Dumps, dump_all, readable, table_names
from tests.e2e.scenario import (
    ServiceUrls,
    Subject,
    consultation_through_erasure,
    development_tokens,
)
from tests.integration.personal_forms import leaks
from tests.integration.serving import serving


@pytest.mark.infra
async def test_distributed_runtime(kafka_bootstrap: str, postgres_url: str, tmp_path: Path) -> None:
    """The scenario, and a leak scan of every topic, database and log before the erasure
    (everything stored is ciphertext) and after it. Revealing over HTTP is not a leak."""
    token = development_tokens(tmp_path / "auth")
    jwks = tmp_path / "auth" / "dev-jwks.json"
    async with distributed_services(kafka_bootstrap, postgres_url, tmp_path, jwks) as deployment:

        async def scan_before_erasure(subject: Subject, case_id: str) -> None:
            await _no_leaks(kafka_bootstrap, deployment, subject, case_id, "before erasure")

        subject, case_id = await consultation_through_erasure(
            deployment.urls, token, tmp_path, before_erasure=scan_before_erasure
        )
        await _no_leaks(kafka_bootstrap, deployment, subject, case_id, "after erasure")
    for log in deployment.logs:  # now including what the services said while stopping
        assert not leaks(readable(log.read_bytes()), subject.personal_values), log.name


async def _no_leaks(
    kafka: str, deployment: Distributed, subject: Subject, case_id: str, phase: str
) -> None:
    started = time.monotonic()
    dumps = await dump_all(kafka, deployment, case_id)
    await _dumps_are_real(dumps, deployment, subject)
    found = dumps.leaks(subject.personal_values)
    sizes = ", ".join(f"{source} {size} B" for source, size in dumps.sizes().items())
    print(f"leak scan {phase}: {time.monotonic() - started:.1f} s; {sizes}")
    assert not found, f"personal data {phase}: {found}"


async def _dumps_are_real(dumps: Dumps, deployment: Distributed, subject: Subject) -> None:
    """The scan can fail: it finds planted values, and the dumps hold what they should."""
    assert leaks(f"planted <{subject.email}> here".encode(), subject.personal_values)
    assert leaks(
        readable(b'{"phone":"\\x' + subject.phone.encode().hex().encode() + b'"}'), [subject.phone]
    )
    body = readable(subject.body.encode())
    for value in (subject.name_in_body, subject.phone_in_body, subject.phone):
        assert leaks(body, [value]), value
    assert "consultation.received" in dumps.case_event_types, dumps.case_event_types
    assert any(kind.endswith(".decided") for kind in dumps.case_event_types)
    for name, url in deployment.databases.items():
        tables = await table_names(url)
        assert tables, f"database {name} has no tables"
        dump = dumps.blobs[f"database {name}"]
        for table in tables:
            assert table.encode() in dump, f"{table} not in the dump of {name}"
    for log in deployment.logs:
        assert dumps.blobs[f"log {log.name}"], f"{log.name} is empty"


async def test_embedded_runtime(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the services' SQLite files and keys go in data/ here
    settings = load_settings(
        service_name="caselog",
        demo_seed=False,
        embedded_bus_path=tmp_path / "data" / "bus.sqlite3",
        topics_file=TOPICS_FILE,
    )
    token = development_tokens(settings.auth_dev_keys_dir)
    async with serving(embedded_app(settings)) as url:
        urls = ServiceUrls(**{name: f"{url}/{name}" for name in SERVICES})
        await consultation_through_erasure(urls, token, tmp_path)
