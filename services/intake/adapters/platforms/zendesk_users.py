"""Fills in a Zendesk ticket's requester from the Users API: ticket events carry only its id."""

import copy
from collections.abc import Mapping
from typing import Any

import httpx

from services.intake.adapters.platforms.errors import PlatformPayloadError, WebhookError
from services.intake.adapters.platforms.payload import text
from services.intake.adapters.platforms.zendesk import TICKET_CREATED


class PlatformUnavailableError(WebhookError):
    """The platform's API did not answer; the webhook is refused (503) so the platform retries."""


class ZendeskRequesters:
    """`GET /api/v2/users/{id}` with an API token (`email/token:secret` basic auth)."""

    def __init__(self, base_url: str, email: str, api_token: str, timeout_s: float = 5.0) -> None:
        self._base_url = base_url.rstrip("/")
        self._auth = httpx.BasicAuth(f"{email}/token", api_token)
        self._timeout = timeout_s

    def __repr__(self) -> str:
        return f"ZendeskRequesters(base_url={self._base_url!r})"

    async def enrich(self, payload: Mapping[str, Any]) -> Mapping[str, Any]:
        """The payload with `detail.requester` added for a created ticket that lacks one."""
        detail = payload.get("detail")
        if payload.get("type") != TICKET_CREATED or not isinstance(detail, Mapping):
            return payload
        if isinstance(detail.get("requester"), Mapping):
            return payload
        requester_id = text(payload, ("detail", "requester_id"))
        user = await self._user(requester_id)
        enriched = copy.deepcopy(dict(payload))
        enriched["detail"]["requester"] = {
            key: user.get(key) for key in ("id", "name", "email", "phone")
        }
        return enriched

    async def _user(self, requester_id: str) -> Mapping[str, Any]:
        url = f"{self._base_url}/api/v2/users/{requester_id}.json"
        try:
            async with httpx.AsyncClient(auth=self._auth, timeout=self._timeout) as client:
                response = await client.get(url)
        except httpx.HTTPError as error:
            raise PlatformUnavailableError(f"Zendesk users API: {type(error).__name__}") from None
        if response.status_code == 404:
            raise PlatformPayloadError("detail.requester_id", "no such Zendesk user")
        if response.status_code != 200:
            raise PlatformUnavailableError(f"Zendesk users API answered {response.status_code}")
        body = response.json()
        user = body.get("user") if isinstance(body, dict) else None
        if not isinstance(user, dict):
            raise PlatformUnavailableError("Zendesk users API answered without a user")
        return user
