"""The write-back of a decision to the ticket it came from, through each platform's REST API
(docs/webhooks.md): Zendesk's Tickets API (a private comment and added tags in one update),
Freshdesk's notes and ticket update, Intercom's conversation reply (a note) and tags.

Tags are set before the note: setting them again is harmless, while a note posted twice is
what the write-back table exists to prevent. Each writer answers the platform's note id.
"""

import html
from typing import Any
from urllib.parse import quote

import httpx

from services.intake.adapters.platforms.resilience import PlatformApi, WriteBackFailedError
from services.intake.domain.writeback import WriteBackNote


def _id(value: str) -> str:
    return quote(value, safe="")


def _as_html(text: str) -> str:
    return "<br>".join(html.escape(line) for line in text.split("\n"))


def _note_id(platform: str, found: Any) -> str:
    if found is None or isinstance(found, (dict, list)):
        raise WriteBackFailedError(f"{platform} answered without the note's id")
    return str(found)


class ZendeskWriter:
    """`PUT /api/v2/tickets/{id}.json`: `comment.public: false` is an internal note,
    `additional_tags` adds tags without replacing the ticket's (API token, basic auth)."""

    platform = "zendesk"

    def __init__(self, api: PlatformApi) -> None:
        self._api = api

    @staticmethod
    def auth(email: str, token: str) -> httpx.Auth:
        return httpx.BasicAuth(f"{email}/token", token)

    async def write(self, ticket_id: str, note: WriteBackNote) -> str:
        body = {
            "ticket": {
                "comment": {"body": note.body, "public": False},
                "additional_tags": list(note.tags),
            }
        }
        answer = await self._api.call("PUT", f"/api/v2/tickets/{_id(ticket_id)}.json", body)
        events = (answer or {}).get("audit", {}).get("events", [])
        comment = next((e for e in events if e.get("type") == "Comment"), None)
        return _note_id(self.platform, None if comment is None else comment.get("id"))


class FreshdeskWriter:
    """Tags: `GET` then `PUT /api/v2/tickets/{id}` with the union (Freshdesk's `tags` replaces
    them); the note: `POST /api/v2/tickets/{id}/notes` with `private: true` (API key, basic
    auth with the password `X`)."""

    platform = "freshdesk"

    def __init__(self, api: PlatformApi) -> None:
        self._api = api

    @staticmethod
    def auth(api_key: str) -> httpx.Auth:
        return httpx.BasicAuth(api_key, "X")

    async def write(self, ticket_id: str, note: WriteBackNote) -> str:
        path = f"/api/v2/tickets/{_id(ticket_id)}"
        ticket = await self._api.call("GET", path)
        tags = list((ticket or {}).get("tags") or [])
        if missing := [tag for tag in note.tags if tag not in tags]:
            await self._api.call("PUT", path, {"tags": [*tags, *missing]})
        created = await self._api.call(
            "POST", f"{path}/notes", {"body": _as_html(note.body), "private": True}
        )
        return _note_id(self.platform, (created or {}).get("id"))


class IntercomWriter:
    """Each tag: `POST /tags` (creates it or answers the existing one) then
    `POST /conversations/{id}/tags`; the note: `POST /conversations/{id}/reply` with
    `message_type: note` as the configured admin (access token, bearer auth)."""

    platform = "intercom"
    VERSION = "2.11"

    def __init__(self, api: PlatformApi, admin_id: str) -> None:
        self._api = api
        self._admin_id = admin_id

    @staticmethod
    def auth(token: str) -> httpx.Auth:
        return _Bearer(token)

    async def write(self, ticket_id: str, note: WriteBackNote) -> str:
        path = f"/conversations/{_id(ticket_id)}"
        for name in note.tags:
            tag = await self._api.call("POST", "/tags", {"name": name})
            tag_id = _note_id(self.platform, (tag or {}).get("id"))
            await self._api.call("POST", f"{path}/tags", {"id": tag_id, "admin_id": self._admin_id})
        reply = {
            "message_type": "note",
            "type": "admin",
            "admin_id": self._admin_id,
            "body": _as_html(note.body),
        }
        conversation = await self._api.call("POST", f"{path}/reply", reply)
        parts = (conversation or {}).get("conversation_parts", {}).get("conversation_parts", [])
        return _note_id(self.platform, parts[-1].get("id") if parts else None)


class _Bearer(httpx.Auth):
    def __init__(self, token: str) -> None:
        self._header = f"Bearer {token}"

    def __repr__(self) -> str:
        return "_Bearer(<token>)"

    def auth_flow(self, request: httpx.Request) -> Any:
        request.headers["Authorization"] = self._header
        yield request
