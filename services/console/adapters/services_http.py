"""The four services' public HTTP APIs (httpx), called with the signed-in user's bearer token.

Only documented routes are called; an answer other than 2xx becomes a console error that
names the service and status, never the service's text.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from services.console.service_layer.errors import ServiceRefusedError, ServiceUnavailableError


@dataclass(frozen=True)
class ServiceUrls:
    """Base URLs, e.g. http://127.0.0.1:8103 (distributed) or http://host:8000/records."""

    intake: str
    policy: str
    records: str
    privacy: str


class HttpServicesApi:
    def __init__(self, client: httpx.AsyncClient, urls: ServiceUrls, token: str) -> None:
        self._client = client
        self._urls = urls
        self._headers = {"Authorization": f"Bearer {token}"}

    async def case(self, case_id: str, as_of: datetime | None) -> dict[str, Any]:
        params = {"as_of": as_of.isoformat()} if as_of else {}
        found: dict[str, Any] = await self._get(
            "records", f"{self._urls.records}/v1/cases/{case_id}", params
        )
        return found

    async def timeline(
        self,
        case_id: str,
        as_of: datetime | None,
        reveal_purpose: str | None = None,
        latest: int | None = None,
    ) -> dict[str, Any]:
        """`latest`: only the last so many events (records counts them all in `total_events`)."""
        params: dict[str, str] = {"as_of": as_of.isoformat()} if as_of else {}
        if latest is not None:
            params["latest"] = str(latest)
        if reveal_purpose is not None:
            params |= {"reveal": "true", "purpose": reveal_purpose}
        found: dict[str, Any] = await self._get(
            "records", f"{self._urls.records}/v1/cases/{case_id}/timeline", params
        )
        return found

    async def bundle(self, case_id: str) -> bytes:
        """Records' litigation bundle, as the file it serves (the bytes that are verified)."""
        url = f"{self._urls.records}/v1/cases/{case_id}/bundle"
        try:
            answer = await self._client.get(url, headers=self._headers)
        except httpx.HTTPError:
            raise ServiceUnavailableError("records") from None
        _refused("records", answer.status_code)
        return answer.content

    async def search_cases(self, params: dict[str, str]) -> dict[str, Any]:
        found: dict[str, Any] = await self._get("records", f"{self._urls.records}/v1/cases", params)
        return found

    async def retention_due(self) -> dict[str, Any]:
        # A dry run only reports (privacy acts on nothing and records nothing).
        return await self.sweep(dry_run=True)

    async def retention_due_by(self, as_of: datetime) -> dict[str, Any]:
        # A dry run as of a later time reports what will have expired by then.
        report: dict[str, Any] = await self._send(
            "privacy",
            "POST",
            f"{self._urls.privacy}/v1/retention/sweep",
            json={"dry_run": True, "as_of": as_of.isoformat()},
        )
        return report

    async def sweep(self, *, dry_run: bool) -> dict[str, Any]:
        report: dict[str, Any] = await self._send(
            "privacy", "POST", f"{self._urls.privacy}/v1/retention/sweep", json={"dry_run": dry_run}
        )
        return report

    async def hold(self, hold_id: str) -> dict[str, Any]:
        found: dict[str, Any] = await self._get(
            "privacy", f"{self._urls.privacy}/v1/holds/{hold_id}"
        )
        return found

    async def place_hold(
        self, target: dict[str, str], matter: str, reason: str
    ) -> list[dict[str, Any]]:
        """`target`: {"case_id": ...} or the subject's {"email": ...} / {"phone": ...}."""
        body = {**target, "matter": matter, "reason": reason}
        placed: list[dict[str, Any]] = await self._send(
            "privacy", "POST", f"{self._urls.privacy}/v1/holds", json=body
        )
        return placed

    async def release_hold(self, hold_id: str, note: str | None) -> dict[str, Any]:
        body = {"note": note} if note else None
        released: dict[str, Any] = await self._send(
            "privacy", "POST", f"{self._urls.privacy}/v1/holds/{hold_id}/release", json=body
        )
        return released

    async def holds(self) -> list[dict[str, Any]]:
        holds: list[dict[str, Any]] = await self._get("privacy", f"{self._urls.privacy}/v1/holds")
        return [hold for hold in holds if hold.get("released_at") is None]

    async def overdue_requests(self) -> dict[str, Any]:
        report: dict[str, Any] = await self._get(
            "privacy", f"{self._urls.privacy}/v1/requests/overdue"
        )
        return report

    async def record_on_case(
        self, case_id: str, action: str, body: dict[str, Any], idempotency_key: str
    ) -> dict[str, Any]:
        """An agent's write on a case (`action`: contacts, facts or close); the form's own
        Idempotency-Key, so a form sent twice (a double click, a retry) records once."""
        accepted: dict[str, Any] = await self._send(
            "intake",
            "POST",
            f"{self._urls.intake}/v1/cases/{case_id}/{action}",
            json=body,
            headers=self._headers | {"Idempotency-Key": idempotency_key},
        )
        return accepted

    async def privacy_requests(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = await self._get(
            "privacy", f"{self._urls.privacy}/v1/requests"
        )
        return found

    async def register_access(self, identities: dict[str, str]) -> dict[str, Any]:
        """An access request for the identities (in the body, never a URL)."""
        registered: dict[str, Any] = await self._send(
            "privacy", "POST", f"{self._urls.privacy}/v1/requests/access", json=identities
        )
        return registered

    async def search_subject(self, body: dict[str, str]) -> dict[str, Any]:
        """The cases of the subject of one e-mail or phone (in the body, never a URL), with a
        purpose; privacy records the search as an access on each case found."""
        found: dict[str, Any] = await self._send(
            "privacy", "POST", f"{self._urls.privacy}/v1/subjects/cases", json=body
        )
        return found

    async def export_access(self, request_id: str) -> dict[str, Any]:
        """Everything kept about the request's subject; privacy records it as an access."""
        exported: dict[str, Any] = await self._send(
            "privacy", "POST", f"{self._urls.privacy}/v1/requests/access/{request_id}/export"
        )
        return exported

    async def preview_erasure(self, identities: dict[str, str]) -> dict[str, Any]:
        preview: dict[str, Any] = await self._send(
            "privacy", "POST", f"{self._urls.privacy}/v1/requests/erasure/preview", json=identities
        )
        return preview

    async def erase(self, identities: dict[str, str]) -> dict[str, Any]:
        receipt: dict[str, Any] = await self._send(
            "privacy", "POST", f"{self._urls.privacy}/v1/requests/erasure", json=identities
        )
        return receipt

    async def receipt(self, request_id: str) -> dict[str, Any]:
        found: dict[str, Any] = await self._get(
            "privacy", f"{self._urls.privacy}/v1/requests/{request_id}/receipt"
        )
        return found

    async def erasure_binding(self, event_ids: Sequence[str]) -> dict[str, Any] | None:
        """Records' log binding of an erasure receipt's `subject.erased` events (decision
        0027); None while records has not logged them or signed a checkpoint over them."""
        try:
            found: dict[str, Any] = await self._get(
                "records",
                f"{self._urls.records}/v1/proofs/erasures",
                {"event_id": list(event_ids)},
            )
        except ServiceRefusedError as refused:
            if refused.status == 404:
                return None
            raise
        return found

    async def verify_receipt(self, receipt: dict[str, Any]) -> dict[str, Any]:
        """Privacy's check of the receipt with its own key pinned (`caselog verify-receipt`)."""
        result: dict[str, Any] = await self._send(
            "privacy", "POST", f"{self._urls.privacy}/v1/receipts/verify", json=receipt
        )
        return result

    async def _get(
        self, service: str, url: str, params: Mapping[str, str | list[str]] | None = None
    ) -> Any:
        return await self._send(service, "GET", url, params=params)

    async def _send(self, service: str, method: str, url: str, **options: Any) -> Any:
        try:
            options.setdefault("headers", self._headers)
            answer = await self._client.request(method, url, **options)
        except httpx.HTTPError:
            raise ServiceUnavailableError(service) from None
        _refused(service, answer.status_code, _field_of(answer))
        return answer.json()


def _refused(service: str, status: int, field: str | None = None) -> None:
    if status >= 500:
        raise ServiceUnavailableError(service)
    if status >= 400:
        raise ServiceRefusedError(service, status, field)


def _field_of(answer: httpx.Response) -> str | None:
    """The input a 422 problem names (`field`), never its reason text."""
    if answer.status_code != 422:
        return None
    try:
        problem = answer.json()
    except ValueError:
        return None
    field = problem.get("field") if isinstance(problem, dict) else None
    return field if isinstance(field, str) else None
