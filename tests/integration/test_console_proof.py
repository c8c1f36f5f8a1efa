"""Proof for legal over HTTP on the embedded system: the console proxies records' bundle with
the user's token, verifies it against the pinned log key (a one-byte change fails), renders
the exhibit as HTML and PDF holding the checkpoint's root hash, and an agent is refused."""

import asyncio
import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from services.console.domain.proof import check_bundle
from services.intake.entrypoints.examples import ENGLISH
from shared.auth.roles import Role
from tests.integration.console_serving import Services, embedded_services, signed_in_console


@pytest.fixture
async def decided(tmp_path: Path) -> AsyncIterator[tuple[Services, str, str]]:
    """The services with one decided case; its id and the log's key as records publishes it."""
    async with embedded_services(tmp_path) as services:
        platform, legal = services.headers(Role.PLATFORM), services.headers(Role.LEGAL)
        async with httpx.AsyncClient(base_url=services.url) as client:
            accepted = await client.post("/intake/v1/consultations", json=ENGLISH, headers=platform)
            assert accepted.status_code == 202, accepted.text
            case_id = accepted.json()["case_id"]
            for _attempt in range(300):
                found = await client.get(f"/records/v1/cases/{case_id}", headers=legal)
                if found.status_code == 200 and found.json()["decisions"]:
                    break
                await asyncio.sleep(0.05)
            else:
                raise AssertionError("the case was not decided")
            key = (await client.get("/records/v1/log", headers=legal)).json()["verifier_key"]
        yield services, case_id, key


async def test_legal_downloads_the_bundle_and_sees_it_verified_against_the_pinned_key(
    decided: tuple[Services, str, str],
) -> None:
    services, case_id, key = decided
    async with signed_in_console(services, "legal", log_verifier_key=key) as browser:
        page = await browser.get(f"/cases/{case_id}/proof")
        assert page.status_code == 200, page.text
        assert page.headers["cache-control"] == "no-store"
        assert page.text.count('data-state="passed"') == 4
        assert 'data-state="failed"' not in page.text
        bundle = await browser.get(f"/cases/{case_id}/proof/bundle")
        assert bundle.headers["cache-control"] == "no-store"
        assert "attachment" in bundle.headers["content-disposition"]
        assert check_bundle(bundle.content, key).verified


async def test_a_bundle_changed_by_one_byte_or_checked_without_the_pinned_key_fails(
    decided: tuple[Services, str, str],
) -> None:
    services, case_id, key = decided
    async with signed_in_console(services, "legal", log_verifier_key=key) as browser:
        data = (await browser.get(f"/cases/{case_id}/proof/bundle")).content
    # A byte of the first event's base64 leaf: still a bundle, no longer the stored bytes.
    at = data.index(b'"leaf": "') + len(b'"leaf": "') + 20
    tampered = data[:at] + (b"A" if data[at : at + 1] != b"A" else b"B") + data[at + 1 :]
    report = check_bundle(tampered, key)
    assert not report.verified
    assert [(c.name, c.state) for c in report.checks][2:4] == [
        ("signature", "passed"),
        ("events", "failed"),
    ]
    unpinned = check_bundle(data, None)
    assert not unpinned.verified
    assert unpinned.checks[1].state == "failed"
    async with signed_in_console(services, "legal") as browser:
        page = await browser.get(f"/cases/{case_id}/proof")
        assert 'data-check="key" data-state="failed"' in page.text


async def test_the_exhibit_pdf_holds_the_checkpoint_root_hash_in_both_languages(
    decided: tuple[Services, str, str],
) -> None:
    services, case_id, key = decided
    async with signed_in_console(services, "legal", log_verifier_key=key) as browser:
        data = (await browser.get(f"/cases/{case_id}/proof/bundle")).content
        root = check_bundle(data, key).root_hash
        assert root
        html = await browser.get(f"/cases/{case_id}/exhibit")
        assert html.headers["cache-control"] == "no-store"
        assert "caselog verify bundle.json --key" in html.text
        assert root in html.text
        assert "Exhibit: the record of case" in html.text
        pdf = await browser.get(f"/cases/{case_id}/exhibit.pdf")
        assert pdf.status_code == 200
        assert pdf.headers["cache-control"] == "no-store"
        assert pdf.content.startswith(b"%PDF")
        if shutil.which("pdftotext"):
            done = await asyncio.to_thread(
                subprocess.run,
                ["pdftotext", "-", "-"],
                input=pdf.content,
                capture_output=True,
                check=True,
            )
            text = done.stdout.decode()
            assert root[:16] in text.replace("\n", "")
        japanese = await browser.get(f"/cases/{case_id}/exhibit", headers={"Accept-Language": "ja"})
        assert "証拠資料" in japanese.text


async def test_an_agent_is_refused_the_proof_and_the_exhibit(
    decided: tuple[Services, str, str],
) -> None:
    services, case_id, key = decided
    async with signed_in_console(services, "agent", log_verifier_key=key) as browser:
        for path in ("proof", "proof/bundle", "exhibit", "exhibit.pdf"):
            answer = await browser.get(f"/cases/{case_id}/{path}")
            assert answer.status_code == 403, path
            assert b"%PDF" not in answer.content
