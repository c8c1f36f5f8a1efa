"""Over HTTP on the embedded services: the access export as a PDF (the subject's case in its
text, Japanese glyphs in an embedded CJK font, each download recorded by privacy, refused to
legal and agents by privacy), and the proof tab's check of a bundle someone was given (the
untouched file verifies, a one-byte change fails naming the check, a non-bundle is a 422,
nothing of the bundle's plaintext is shown)."""

import asyncio
import re
import shutil
import subprocess
import zlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.console.entrypoints.uploads import MAX_UPLOAD_BYTES
from services.intake.entrypoints.examples import JAPANESE
from shared.auth.roles import Role
from tests.integration.console_serving import (
    Services,
    csrf_of,
    embedded_services,
    signed_in_console,
)

SUBJECT = JAPANESE["customer"]["email"]
SETTLED_WITHIN_S = 30.0


async def _until(check: Any, what: str) -> Any:
    """Polls `check()` (an awaitable's factory) until it answers something true."""
    deadline = asyncio.get_running_loop().time() + SETTLED_WITHIN_S
    while asyncio.get_running_loop().time() < deadline:
        if found := await check():
            return found
        await asyncio.sleep(0.2)
    raise AssertionError(f"never: {what}")


@pytest.fixture
async def decided(tmp_path: Path) -> AsyncIterator[tuple[Services, str, str]]:
    """One Japanese consultation, decided by policy and known to privacy; its case id and the
    log's verifier key as records publishes it."""
    async with embedded_services(tmp_path) as services:
        officer, legal = services.headers(Role.PRIVACY_OFFICER), services.headers(Role.LEGAL)
        async with httpx.AsyncClient(base_url=services.url) as client:
            accepted = await client.post(
                "/intake/v1/consultations", json=JAPANESE, headers=services.headers(Role.PLATFORM)
            )
            assert accepted.status_code == 202, accepted.text
            case_id = accepted.json()["case_id"]

            async def is_decided() -> bool:
                found = await client.get(f"/records/v1/cases/{case_id}", headers=legal)
                return found.status_code == 200 and bool(found.json()["decisions"])

            async def known_to_privacy() -> bool:
                preview = await client.post(
                    "/privacy/v1/requests/erasure/preview", json={"email": SUBJECT}, headers=officer
                )
                return preview.status_code == 200

            await _until(is_decided, "policy decided the case")
            await _until(known_to_privacy, "privacy read the case")
            key = (await client.get("/records/v1/log", headers=legal)).json()["verifier_key"]
        yield services, case_id, key


def _inflated(pdf: bytes) -> bytes:
    """The PDF with each compressed stream inflated beside it (WeasyPrint packs its objects,
    font names included, into compressed streams)."""
    found = [pdf]
    for start in re.finditer(rb"stream\r?\n", pdf):
        try:
            found.append(zlib.decompressobj().decompress(pdf[start.end() :]))
        except zlib.error:
            continue
    return b"".join(found)


def _pdf_text(pdf: bytes) -> str | None:
    if not shutil.which("pdftotext"):
        return None
    done = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True)
    return done.stdout.decode()


async def _exports_recorded(services: Services, request_id: str) -> int:
    """The access.exported events records holds for the request (privacy's own record)."""
    async with httpx.AsyncClient(base_url=services.url) as client:
        timeline = await client.get(
            f"/records/v1/cases/{request_id}/timeline", headers=services.headers(Role.LEGAL)
        )
    if timeline.status_code != 200:
        return 0
    return sum(event["type"] == "access.exported" for event in timeline.json()["events"])


async def test_the_access_export_downloads_as_a_pdf_in_the_viewers_language_and_is_recorded(
    decided: tuple[Services, str, str],
) -> None:
    services, case_id, _key = decided
    async with signed_in_console(services, "privacy_officer") as console:
        csrf = csrf_of((await console.get("/requests")).text)
        page = await console.post("/requests/access", data={"csrf": csrf, "subject": SUBJECT})
        assert page.status_code == 200, page.text
        match = re.search(r'action="/requests/([^/"]+)/export\.pdf"', page.text)
        assert match, "the export page offers the PDF"
        request_id = match[1]
        await _until(lambda: _exports_recorded(services, request_id), "the page's export recorded")
        before = await _exports_recorded(services, request_id)
        english = await console.post(f"/requests/{request_id}/export.pdf", data={"csrf": csrf})
        japanese = await console.post(
            f"/requests/{request_id}/export.pdf",
            data={"csrf": csrf},
            headers={"Accept-Language": "ja"},
        )
        no_csrf = await console.post(f"/requests/{request_id}/export.pdf")

        async def both_recorded() -> bool:
            return await _exports_recorded(services, request_id) == before + 2

        await _until(both_recorded, "each PDF recorded as an access.exported")

    for pdf in (english, japanese):
        assert pdf.status_code == 200, pdf.text
        assert pdf.headers["content-type"] == "application/pdf"
        assert pdf.headers["cache-control"] == "no-store"
        disposition = pdf.headers["content-disposition"]
        assert disposition == f'attachment; filename="access-export-{request_id}.pdf"'
        assert pdf.content.startswith(b"%PDF")
    assert SUBJECT not in english.headers["content-disposition"]
    # The CJK font the print stylesheet names is the one embedded (else Japanese is boxes).
    assert re.search(rb"/FontName\s*/[A-Z]{6}\+IPAP?Gothic", _inflated(japanese.content))
    assert no_csrf.status_code == 403
    text_en, text_ja = _pdf_text(english.content), _pdf_text(japanese.content)
    if text_en is None or text_ja is None:
        # No pdftotext here: the PDF is the page's HTML printed; check what it printed.
        assert case_id in page.text
        assert JAPANESE["subject"] in page.text
    else:
        assert case_id in text_en.replace("\n", "")
        assert "Access export" in text_en
        assert "開示データ" in text_ja, "the viewer's language, its glyphs readable"
        assert JAPANESE["subject"] in text_ja, "the subject's own data, as privacy exported it"
        assert "Find cases" not in text_en, "the print stylesheet leaves the navigation out"


@pytest.mark.parametrize("role", ["legal", "agent"])
async def test_privacy_refuses_the_pdf_to_legal_and_agents(
    decided: tuple[Services, str, str], role: str
) -> None:
    services, _case_id, _key = decided
    async with httpx.AsyncClient(base_url=services.url) as client:
        registered = await client.post(
            "/privacy/v1/requests/access",
            json={"email": SUBJECT},
            headers=services.headers(Role.PRIVACY_OFFICER),
        )
    request_id = registered.json()["request_id"]
    async with signed_in_console(services, role) as console:
        csrf = csrf_of((await console.get("/")).text)
        refused = await console.post(f"/requests/{request_id}/export.pdf", data={"csrf": csrf})
    assert refused.status_code == 403
    assert not refused.content.startswith(b"%PDF")
    assert await _exports_recorded(services, request_id) == 0, "nothing was exported"


def _one_byte_changed(data: bytes) -> bytes:
    """A byte of the first event's base64 leaf: still a bundle, no longer the stored bytes."""
    at = data.index(b'"leaf": "') + len(b'"leaf": "') + 20
    return data[:at] + (b"A" if data[at : at + 1] != b"A" else b"B") + data[at + 1 :]


async def _records_bundle(
    services: Services, case_id: str, params: dict[str, str]
) -> httpx.Response:
    """The case's bundle as records gives it to legal (`reveal`: with plaintext)."""
    async with httpx.AsyncClient(base_url=services.url) as client:
        return await client.get(
            f"/records/v1/cases/{case_id}/bundle",
            params=params,
            headers=services.headers(Role.LEGAL),
        )


def _checks(page: str) -> dict[str, str]:
    """The given file's checks as the page shows them: name -> passed/failed/not_run."""
    section = page[page.index('data-testid="upload-checks"') :]
    return dict(re.findall(r'data-check="(\w+)" data-state="(\w+)"', section))


async def test_legal_verifies_a_bundle_they_were_given_and_a_changed_byte_names_the_check(
    decided: tuple[Services, str, str],
) -> None:
    services, case_id, key = decided
    revealed = await _records_bundle(
        services, case_id, {"reveal": "true", "purpose": "court order 2026-17"}
    )
    assert revealed.status_code == 200, revealed.text
    assert SUBJECT.encode() in revealed.content, "the given bundle holds plaintext"
    async with signed_in_console(services, "legal", log_verifier_key=key) as console:
        proof = await console.get(f"/cases/{case_id}/proof")
        csrf = csrf_of(proof.text)
        url = f"/cases/{case_id}/proof/verify"

        async def given(data: bytes, name: str = "bundle.json") -> httpx.Response:
            return await console.post(
                url, data={"csrf": csrf}, files={"bundle": (name, data, "application/json")}
            )

        untouched = await given(revealed.content)
        tampered = await given(_one_byte_changed(revealed.content))
        not_a_bundle = await given(b"%PDF-1.7 this is an invoice, not a bundle", "invoice.pdf")
        no_file = await console.post(url, data={"csrf": csrf}, files={"other": ("x", b"{}")})
        no_csrf = await console.post(url, files={"bundle": ("b.json", revealed.content)})
        too_large = await given(b" " * (MAX_UPLOAD_BYTES + 1))
    assert 'enctype="multipart/form-data"' in proof.text

    assert untouched.status_code == 200, untouched.text
    assert untouched.headers["cache-control"] == "no-store"
    assert set(_checks(untouched.text).values()) == {"passed"}
    assert "The file you gave verifies." in untouched.text
    assert tampered.status_code == 200
    assert _checks(tampered.text) == {
        "format": "passed",
        "key": "passed",
        "signature": "passed",
        "events": "failed",
        "consistency": "not_run",
    }
    assert "does NOT verify" in tampered.text
    for page in (untouched, tampered):
        assert SUBJECT not in page.text, "the bundle's plaintext is never shown"
        assert JAPANESE["customer"]["name"] not in page.text
        assert f'data-testid="upload-case">{case_id}<' in page.text
    assert not_a_bundle.status_code == 422
    assert _checks(not_a_bundle.text)["format"] == "failed"
    assert "is not a caselog bundle" in not_a_bundle.text
    assert "invoice" not in not_a_bundle.text, "the file's text is not repeated"
    assert no_file.status_code == 422
    assert "<code>bundle</code>" in no_file.text
    assert no_csrf.status_code == 403
    assert too_large.status_code == 413
    assert "larger than the console accepts" in too_large.text


async def test_an_agent_cannot_use_the_proof_tabs_check(
    decided: tuple[Services, str, str],
) -> None:
    services, case_id, key = decided
    bundle = await _records_bundle(services, case_id, {})
    async with signed_in_console(services, "agent", log_verifier_key=key) as console:
        csrf = csrf_of((await console.get("/")).text)
        refused = await console.post(
            f"/cases/{case_id}/proof/verify",
            data={"csrf": csrf},
            files={"bundle": ("bundle.json", bundle.content)},
        )
    assert refused.status_code == 403
    assert 'data-testid="upload-checks"' not in refused.text
