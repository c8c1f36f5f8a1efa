"""The privacy console against the embedded services over HTTP: a hold placed from the page
and released only after its matter is typed again; a sweep run only when the number typed is
the number of records a fresh dry run finds due."""

from pathlib import Path

import httpx

from services.intake.entrypoints.examples import ENGLISH
from shared.auth.roles import Role
from tests.integration.console_serving import csrf_of, embedded_services, signed_in_console

MATTER = "L-2026-0042"


async def test_a_hold_is_placed_from_the_page_and_released_after_its_matter_is_typed(
    tmp_path: Path,
) -> None:
    async with embedded_services(tmp_path) as services:
        async with httpx.AsyncClient(
            base_url=services.url, headers=services.headers(Role.PLATFORM)
        ) as client:
            body = {**ENGLISH, "source": {"external_id": "hold-1"}}
            case_id = (await client.post("/intake/v1/consultations", json=body)).json()["case_id"]
        async with signed_in_console(services, "legal") as console:
            page = await console.get("/privacy")
            placed = await console.post(
                "/holds",
                data={
                    "csrf": csrf_of(page.text),
                    "case_id": case_id,
                    "matter": MATTER,
                    "reason": "pending litigation on the kettle recall",
                },
            )
            [hold] = (
                await httpx.AsyncClient(base_url=services.url).get(
                    "/privacy/v1/holds", headers=services.headers(Role.LEGAL)
                )
            ).json()
            release = f"/holds/{hold['hold_id']}/release"
            csrf = csrf_of(placed.text)
            mistyped = await console.post(release, data={"csrf": csrf, "confirm_matter": "L-2"})
            still = await console.get("/privacy")
            released = await console.post(release, data={"csrf": csrf, "confirm_matter": MATTER})

    assert placed.status_code == 200, placed.text
    assert "The hold was placed." in placed.text
    assert (hold["case_id"], hold["matter"]) == (case_id, MATTER)
    assert mistyped.status_code == 422
    assert "confirm_matter" in mistyped.text
    assert MATTER in still.text, "a mistyped confirmation releases nothing"
    assert released.status_code == 200, released.text
    assert "The hold was released" in released.text


async def test_a_hold_on_a_subject_covers_their_cases_and_exactly_one_target_is_taken(
    tmp_path: Path,
) -> None:
    email = ENGLISH["customer"]["email"]
    async with embedded_services(tmp_path) as services:
        async with httpx.AsyncClient(
            base_url=services.url, headers=services.headers(Role.PLATFORM)
        ) as client:
            body = {**ENGLISH, "source": {"external_id": "hold-subject-1"}}
            case_id = (await client.post("/intake/v1/consultations", json=body)).json()["case_id"]
        async with signed_in_console(services, "privacy_officer") as console:
            csrf = csrf_of((await console.get("/privacy")).text)
            reason = {"matter": MATTER, "reason": "pending litigation on the kettle recall"}
            both = await console.post(
                "/holds", data={"csrf": csrf, "case_id": case_id, "subject": email, **reason}
            )
            neither = await console.post("/holds", data={"csrf": csrf, **reason})
            placed = await console.post("/holds", data={"csrf": csrf, "subject": email, **reason})
            async with httpx.AsyncClient(
                base_url=services.url, headers=services.headers(Role.LEGAL)
            ) as privacy:
                holds = (await privacy.get("/privacy/v1/holds")).json()
                blocking = (await privacy.get(f"/privacy/v1/cases/{case_id}")).json()["holds"]

    assert (both.status_code, neither.status_code) == (422, 422)
    assert "subject" in both.text
    assert "case_id" in neither.text
    assert placed.status_code == 200, placed.text
    assert "The hold was placed." in placed.text
    assert email not in placed.text
    [hold] = holds
    assert (hold["scope"], hold["matter"]) == ("subject", MATTER), hold
    assert hold["hold_id"] in str(blocking), "the subject's case is held by it"


async def test_a_sweep_runs_only_on_the_number_a_fresh_dry_run_finds(tmp_path: Path) -> None:
    async with embedded_services(tmp_path) as services:
        async with signed_in_console(services, "privacy_officer") as console:
            page = await console.get("/privacy")
            refused = await console.post(
                "/retention/sweep", data={"csrf": csrf_of(page.text), "confirm_count": "3"}
            )
            not_a_number = await console.post(
                "/retention/sweep", data={"csrf": csrf_of(page.text), "confirm_count": "all"}
            )
        async with signed_in_console(services, "legal") as console:
            page = await console.get("/privacy")
            legal = await console.post(
                "/retention/sweep", data={"csrf": csrf_of(page.text), "confirm_count": "0"}
            )

    assert page.status_code == 200
    assert 'action="/retention/sweep"' not in page.text, "nothing due: no sweep to confirm"
    assert refused.status_code == 409
    assert "Nothing was run" in refused.text
    assert not_a_number.status_code == 422
    assert legal.status_code == 403, "only a privacy officer sweeps; privacy decides"
