"""Sending one Standard Webhooks message with httpx: signed by the `standardwebhooks` package
(so the signature is the spec's, not ours), with a timeout, and never following redirects (a
redirect could lead past the address check)."""

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

import httpx
from standardwebhooks import Webhook

from services.records.domain.webhooks import SendOutcome, UnsafeWebhookUrlError


def signed_headers(secret: str, message_id: str, sent_at: datetime, body: str) -> dict[str, str]:
    return {
        "content-type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, sent_at, body),
    }


@dataclass(frozen=True)
class HttpxSender:
    """The service's sender over one httpx client (its timeout set by the caller). In
    production the URL's address is checked again before every call, so a host that has come
    to resolve to a private address since it was subscribed is refused (and retried, then
    disabled like any failing subscriber)."""

    client: httpx.AsyncClient
    production: bool = False
    allowed_hosts: tuple[str, ...] = ()

    async def __call__(
        self, url: str, secret: str, message_id: str, sent_at: datetime, body: str
    ) -> SendOutcome:
        if self.production:
            try:
                await asyncio.to_thread(
                    check_url, url, production=True, allowed_hosts=self.allowed_hosts
                )
            except UnsafeWebhookUrlError:
                return SendOutcome(False, None, "UnsafeWebhookUrlError")
        return await send(self.client, url, secret, message_id, sent_at, body)


async def send(
    client: httpx.AsyncClient, url: str, secret: str, message_id: str, sent_at: datetime, body: str
) -> SendOutcome:
    """One attempt. The error kept is the exception's class or the status, never the answer's
    body (a receiver's answer is not ours to log)."""
    try:
        response = await client.post(
            url, content=body.encode(), headers=signed_headers(secret, message_id, sent_at, body)
        )
    except httpx.HTTPError as error:
        return SendOutcome(False, None, type(error).__name__)
    if 200 <= response.status_code < 300:
        return SendOutcome(True, response.status_code, None)
    return SendOutcome(False, response.status_code, f"HTTP {response.status_code}")


def check_url(url: str, *, production: bool, allowed_hosts: tuple[str, ...]) -> None:
    """http(s) with a host; in production, a host that resolves only to public addresses unless
    it is allow-listed (a subscription must not make caselog call its own network: SSRF)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeWebhookUrlError("a webhook URL is http:// or https:// with a host")
    if not production or parts.hostname in allowed_hosts:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)
    except OSError:
        raise UnsafeWebhookUrlError("the webhook URL's host does not resolve") from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise UnsafeWebhookUrlError(
                "the webhook URL's host is a loopback, private or reserved address"
            )
