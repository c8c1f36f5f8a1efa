"""The privacy officer's requests through the console against the embedded services over
HTTP: an access export that holds the subject's case, an erasure refused on a mistyped
confirmation and done on the right one, and its receipt listed as verified; the receipt file
downloaded carries records' log binding and verifies bound to the log."""

import asyncio
import io
import json
import re
from pathlib import Path

import httpx

from services.intake.entrypoints.examples import ENGLISH
from services.runtime.privacy_cli import verify_receipt_file
from shared.auth.roles import Role
from tests.integration.console_serving import csrf_of, embedded_services, signed_in_console

SUBJECT = ENGLISH["customer"]["email"]
KNOWN_WITHIN_S = 30.0


async def _known_to_privacy(console: httpx.AsyncClient, csrf: str) -> httpx.Response:
    """The erasure preview, once privacy has read the case's events (it consumes them)."""
    deadline = asyncio.get_running_loop().time() + KNOWN_WITHIN_S
    while True:
        preview = await console.post(
            "/requests/erasure/preview", data={"csrf": csrf, "subject": SUBJECT}
        )
        if preview.status_code == 200 or asyncio.get_running_loop().time() > deadline:
            return preview
        await asyncio.sleep(0.5)


async def test_export_then_erasure_after_the_subject_is_typed_again(tmp_path: Path) -> None:
    async with embedded_services(tmp_path) as services:
        async with httpx.AsyncClient(
            base_url=services.url, headers=services.headers(Role.PLATFORM)
        ) as client:
            body = {**ENGLISH, "source": {"external_id": "dsar-1"}}
            case_id = (await client.post("/intake/v1/consultations", json=body)).json()["case_id"]
        async with signed_in_console(services, "legal") as console:
            legal_page = await console.get("/requests")
            legal_export = await console.post(
                "/requests/access",
                data={"csrf": csrf_of(legal_page.text), "subject": SUBJECT},
            )
        async with signed_in_console(services, "privacy_officer") as console:
            csrf = csrf_of((await console.get("/requests")).text)
            preview = await _known_to_privacy(console, csrf)
            export_page = await console.post(
                "/requests/access", data={"csrf": csrf, "subject": SUBJECT}
            )
            queue = await console.get("/requests")
            [access] = (
                await httpx.AsyncClient(base_url=services.url).get(
                    "/privacy/v1/requests", headers=services.headers(Role.PRIVACY_OFFICER)
                )
            ).json()
            export_json = await console.post(
                f"/requests/{access['request_id']}/export.json", data={"csrf": csrf}
            )
            mistyped = await console.post(
                "/requests/erasure",
                data={"csrf": csrf, "subject": SUBJECT, "confirm_subject": "jane@example.com"},
            )
            after_mistype = await console.post(
                "/requests/erasure/preview", data={"csrf": csrf, "subject": SUBJECT}
            )
            erased = await console.post(
                "/requests/erasure",
                data={"csrf": csrf, "subject": SUBJECT, "confirm_subject": SUBJECT.upper()},
            )
            listed = await console.get("/requests")
            [erasure] = [
                request
                for request in (
                    await httpx.AsyncClient(base_url=services.url).get(
                        "/privacy/v1/requests", headers=services.headers(Role.PRIVACY_OFFICER)
                    )
                ).json()
                if request["kind"] == "erasure"
            ]
            receipt = await _bound_receipt(console, erasure["request_id"])
            listed_bound = await console.get("/requests")
            keys = {
                service: (
                    await httpx.AsyncClient(base_url=services.url).get(
                        url, headers=services.headers(Role.PRIVACY_OFFICER)
                    )
                ).json()["verifier_key"]
                for service, url in (
                    ("privacy", "/privacy/v1/receipts/key"),
                    ("records", "/records/v1/log"),
                )
            }

    assert legal_page.status_code == 200
    assert 'action="/requests/access"' not in legal_page.text, "no forms for legal"
    assert legal_export.status_code == 403
    assert preview.status_code == 200, preview.text
    assert case_id in preview.text, "the preview lists the case whose key is destroyed"
    assert export_page.status_code == 200, export_page.text
    assert case_id in export_page.text
    assert SUBJECT not in queue.text, "the queue shows no identity"
    assert "Days left" in queue.text
    assert access["request_id"] in queue.text
    assert export_json.headers["cache-control"] == "no-store"
    assert "attachment" in export_json.headers["content-disposition"]
    assert case_id in [case["case_id"] for case in export_json.json()["cases"]]
    assert mistyped.status_code == 422
    assert "confirm_subject" in mistyped.text
    assert case_id in after_mistype.text, "a mistyped confirmation erases nothing"
    assert erased.status_code == 200, erased.text
    assert "The subject was erased." in erased.text
    assert "verified" in erased.text
    assert "does not verify" not in erased.text
    assert erasure["request_id"] in listed.text
    assert "does not verify" not in listed.text
    assert ">verified<" in listed.text
    assert receipt.headers["cache-control"] == "no-store"
    assert case_id in json.loads(receipt.text)["receipt"]["erased_case_ids"]
    # The download carries records' log binding: verify-receipt --bound proves it in the log.
    path = tmp_path / "receipt.json"
    path.write_text(receipt.text)
    out = io.StringIO()
    bound = verify_receipt_file(
        path, keys["privacy"], out=out, records_key=keys["records"], bound=True
    )
    assert bound == 0, out.getvalue()
    checkpoint = json.loads(receipt.text)["log_binding"]["tree_size"]
    assert f"bound to the log at checkpoint {checkpoint}" in out.getvalue()
    # ... and privacy, with records' key pinned, says so on the console's list.
    assert "does not verify" not in listed_bound.text
    assert re.search(r"bound to the log at checkpoint \d+", listed_bound.text)


async def _bound_receipt(console: httpx.AsyncClient, request_id: str) -> httpx.Response:
    """The receipt download, once records has logged its events and the console puts their
    log binding in (records reads them from the bus, after the erasure answered)."""
    deadline = asyncio.get_running_loop().time() + KNOWN_WITHIN_S
    while True:
        receipt = await console.get(f"/requests/{request_id}/receipt.json")
        bound = receipt.status_code == 200 and "log_binding" in receipt.json()
        if bound or asyncio.get_running_loop().time() > deadline:
            return receipt
        await asyncio.sleep(0.5)
