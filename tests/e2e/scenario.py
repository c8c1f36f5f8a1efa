"""The end-to-end scenario, written once over HTTP: the runtime only supplies the base URLs."""

import asyncio
import io
import json
import secrets
import string
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx

from services.intake.entrypoints.examples import ENGLISH
from services.runtime.records_cli import verify_file
from shared.auth.development import development_issuer
from shared.auth.roles import Role
from tests.integration.personal_forms import full_width

TokenFactory = Callable[[Role], str]
T = TypeVar("T")
AUDIENCE = "caselog"
CONSULTATION = "consultation.received"
PURPOSE = "e2e litigation review"
# The distributed services' consumer groups may first chew through earlier tests' messages.
PATIENCE_S = 90.0


@dataclass(frozen=True, slots=True)
class ServiceUrls:
    intake: str
    policy: str
    records: str
    privacy: str


@dataclass(frozen=True, slots=True)
class Subject:
    """The scenario's person, unique per run; the body repeats the name and phone in the
    spellings a customer might type (full-width, hyphenated)."""

    name: str
    email: str
    phone: str

    @classmethod
    def new(cls) -> "Subject":
        surname = "".join(secrets.choice(string.ascii_lowercase) for _ in range(10)).title()
        # 090-0xxx is not a mobile range: the subscriber number starts with 1-9.
        digits = f"{1 + secrets.randbelow(9)}{secrets.randbelow(10**7):07d}"
        return cls(
            name=f"Hanako {surname}",
            email=f"e2e.subject.{uuid.uuid4().hex[:12]}@example.com",
            phone=f"090-{digits[:4]}-{digits[4:]}",
        )

    @property
    def name_in_body(self) -> str:
        return full_width(self.name).replace(" ", "\u3000")

    @property
    def phone_in_body(self) -> str:
        return full_width(self.phone)  # hyphens as U+FF0D

    @property
    def body(self) -> str:
        return (
            f"{ENGLISH['body']} This is {self.name_in_body}; please call me back on "
            f"{self.phone_in_body} or {self.phone}."
        )

    @property
    def personal_values(self) -> list[str]:
        """Every value to scan stored bytes for (each also in its other written forms)."""
        return [self.name, self.email, self.phone, self.name_in_body, self.phone_in_body]


def development_tokens(folder: Path) -> TokenFactory:
    """Tokens of the development issuer whose keys are in `folder` (made there if missing)."""
    issuer = development_issuer(folder)

    def token(role: Role) -> str:
        return issuer.token(f"e2e-{role.value}", [role], AUDIENCE)

    return token


# Called with the subject and case id once the case is decided, before the erasure.
BeforeErasure = Callable[[Subject, str], Awaitable[None]]


async def consultation_through_erasure(
    urls: ServiceUrls,
    token: TokenFactory,
    folder: Path,
    before_erasure: BeforeErasure | None = None,
) -> tuple[Subject, str]:
    """Intake -> policy decision -> records timeline; legal replays as of before the decision
    and exports a bundle that verifies offline; the privacy officer erases the subject -> the
    revealed timeline shows `[erased]` and a fresh bundle still verifies.
    Returns the subject and the case id."""
    run = uuid.uuid4().hex[:12]
    subject = Subject.new()
    email = subject.email
    consultation = {
        **ENGLISH,
        "source": {"platform": "rest", "external_id": f"e2e-{run}"},
        "customer": {
            **ENGLISH["customer"],
            "name": subject.name,
            "email": email,
            "phone": subject.phone,
        },
        "body": subject.body,
    }
    async with httpx.AsyncClient(timeout=30.0) as http:
        accepted = await http.post(
            f"{urls.intake}/v1/consultations", json=consultation, headers=_as(token, Role.PLATFORM)
        )
        assert accepted.status_code == 202, accepted.text
        case_id = accepted.json()["case_id"]
        legal = _as(token, Role.LEGAL)
        timeline_url = f"{urls.records}/v1/cases/{case_id}/timeline"

        async def decided() -> dict[str, Any] | None:
            answer = await http.get(timeline_url, headers=legal)
            if answer.status_code != 200:
                return None
            found: dict[str, Any] = answer.json()
            types = [event["type"] for event in found["events"]]
            return found if CONSULTATION in types and _decision(found) else None

        timeline = await eventually(decided, f"case {case_id} decided in records")
        received, decision = _event(timeline, CONSULTATION), _decision(timeline)
        assert decision is not None
        assert decision["recorded_at"] > received["recorded_at"]
        # JSON-encoded, so a "+" in the offset stays a plus sign and not a space.
        earlier = await http.get(
            timeline_url, params={"as_of": received["recorded_at"]}, headers=legal
        )
        assert earlier.status_code == 200, earlier.text
        assert [event["type"] for event in earlier.json()["events"]] == [CONSULTATION]

        revealed = await http.get(
            timeline_url, params={"reveal": "true", "purpose": PURPOSE}, headers=legal
        )
        assert revealed.status_code == 200, revealed.text
        assert email in revealed.text
        assert subject.name in revealed.text
        await _bundle_verifies(http, urls.records, case_id, legal, folder / "before.json")
        if before_erasure is not None:
            await before_erasure(subject, case_id)

        officer = _as(token, Role.PRIVACY_OFFICER)

        async def known_to_privacy() -> bool | None:
            answer = await http.get(f"{urls.privacy}/v1/cases/{case_id}", headers=officer)
            return True if answer.status_code == 200 else None

        await eventually(known_to_privacy, f"case {case_id} known to privacy")
        erasure = await http.post(
            f"{urls.privacy}/v1/requests/erasure",
            json={"email": email, "reference": f"e2e-{run}"},
            headers=officer,
        )
        assert erasure.status_code == 200, erasure.text
        assert case_id in erasure.json()["receipt"]["erased_case_ids"]
        assert email not in erasure.text

        async def shredded() -> str | None:
            answer = await http.get(
                timeline_url, params={"reveal": "true", "purpose": PURPOSE}, headers=legal
            )
            if answer.status_code != 200:
                return None
            payload = json.dumps(_event(answer.json(), CONSULTATION)["payload"])
            return answer.text if "[erased]" in payload else None

        after = await eventually(shredded, f"case {case_id} shown [erased] by records")
        assert email not in after
        assert subject.name not in after
        await _bundle_verifies(http, urls.records, case_id, legal, folder / "after.json")
    return subject, case_id


def _as(token: TokenFactory, role: Role) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(role)}"}


def _event(timeline: dict[str, Any], event_type: str) -> dict[str, Any]:
    (found,) = [event for event in timeline["events"] if event["type"] == event_type]
    return dict(found)


def _decision(timeline: dict[str, Any]) -> dict[str, Any] | None:
    decisions = [event for event in timeline["events"] if event["type"].endswith(".decided")]
    return dict(decisions[0]) if decisions else None


async def _bundle_verifies(
    http: httpx.AsyncClient, records: str, case_id: str, headers: dict[str, str], path: Path
) -> None:
    answer = await http.get(f"{records}/v1/cases/{case_id}/bundle", headers=headers)
    assert answer.status_code == 200, answer.text
    log = await http.get(f"{records}/v1/log", headers=headers)
    assert log.status_code == 200, log.text
    key = log.json()["verifier_key"]  # as a user pins it: from the log, not from the bundle
    status, report = await asyncio.to_thread(_verify_offline, path, answer.content, key)
    assert status == 0, report
    assert f"verified: case {case_id}" in report


def _verify_offline(path: Path, bundle: bytes, key: str) -> tuple[int, str]:
    """`caselog verify --key` on the bundle saved as a file: the exit status and what it
    printed."""
    path.write_bytes(bundle)
    report = io.StringIO()
    return verify_file(path, [key], out=report), report.getvalue()


async def eventually(probe: Callable[[], Awaitable[T | None]], what: str) -> T:
    deadline = time.monotonic() + PATIENCE_S
    while time.monotonic() < deadline:
        if (found := await probe()) is not None:
            return found
        await asyncio.sleep(0.25)
    raise AssertionError(f"not within {PATIENCE_S:.0f} s: {what}")
