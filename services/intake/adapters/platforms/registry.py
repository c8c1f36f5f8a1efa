"""Which platforms intake takes webhooks from, each with its check and mapping bound to settings."""

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import httpx

from services.intake.adapters.platforms import freshdesk, intercom, zendesk
from services.intake.adapters.platforms.errors import WebhookError
from services.intake.adapters.platforms.fields import Choice, PlatformFields
from services.intake.adapters.platforms.resilience import (
    CircuitBreaker,
    PlatformApi,
    RetryPolicy,
    Sleep,
)
from services.intake.adapters.platforms.writers import (
    FreshdeskWriter,
    IntercomWriter,
    ZendeskWriter,
)
from services.intake.adapters.platforms.zendesk import ZendeskRequesters
from services.intake.domain.consultation import Consultation, Relationship
from services.intake.domain.contacts import ClosureReason, PlatformClosure, PlatformFollowUp
from services.intake.service_layer.ports import TicketWriter
from shared.settings import CaselogSettings

Verify = Callable[[Mapping[str, str], bytes, datetime], None]
Mapped = Consultation | PlatformFollowUp | PlatformClosure
Normalize = Callable[[Mapping[str, Any]], Mapped]
NormalizeWith = Callable[[Mapping[str, Any], PlatformFields], Mapped]
Enrich = Callable[[Mapping[str, Any]], Awaitable[Mapping[str, Any]]]


S = TypeVar("S")


def _with_secret(
    verify: Callable[[Mapping[str, str], bytes, S, datetime], None], secret: S
) -> Verify:
    def verify_with_secret(headers: Mapping[str, str], body: bytes, now: datetime) -> None:
        verify(headers, body, secret, now)

    return verify_with_secret


def _with_fields(normalize: NormalizeWith, fields: PlatformFields) -> Normalize:
    def normalize_with_fields(payload: Mapping[str, Any]) -> Mapped:
        return normalize(payload, fields)

    return normalize_with_fields


def platform_fields(
    settings: CaselogSettings, relationship_field: str | None, closure_reason_field: str | None
) -> PlatformFields:
    """One platform's fields, with the value mappings every platform shares."""
    relationship = Choice(
        Relationship,
        Relationship(settings.platform_relationship_default),
        {
            label: Relationship(value)
            for label, value in settings.platform_relationship_values.items()
        },
    )
    reasons = settings.platform_closure_reason_values.items()
    closure_reason = Choice(
        ClosureReason,
        ClosureReason.SATISFIED,
        {label: ClosureReason(value) for label, value in reasons},
    )
    return PlatformFields(relationship_field, relationship, closure_reason_field, closure_reason)


async def unchanged(payload: Mapping[str, Any]) -> Mapping[str, Any]:
    return payload


@dataclass(frozen=True, slots=True)
class WebhookPlatform:
    verify: Verify
    normalize: Normalize
    # Runs after verification, before normalizing: fetches what the event only refers to.
    enrich: Enrich = unchanged


def _zendesk_enrichment(settings: CaselogSettings) -> Enrich:
    if not settings.zendesk_api_url:
        return unchanged  # then tickets must arrive with detail.requester (docs/webhooks.md)
    requesters = ZendeskRequesters(
        settings.zendesk_api_url,
        settings.zendesk_api_email,
        settings.zendesk_api_token.get_secret_value(),
        reads_custom_fields=bool(
            settings.zendesk_relationship_field or settings.zendesk_closure_reason_field
        ),
    )
    return requesters.enrich


# What the platforms generate is longer (Zendesk: 44 base64 characters, Intercom: 36); a
# secret the admin types for Freshdesk must be as hard to guess. Checked in development too:
# a webhook URL on a laptop is as reachable as anywhere else on its network.
MIN_SECRET_CHARS = 32
MIN_DISTINCT_CHARS = 10


class WebhookSecretTooWeakError(WebhookError):
    """A configured webhook secret is guessable: the service refuses to start."""


def require_strong(setting: str, secret: str) -> None:
    """Empty (the platform is off, every request 401) or at least MIN_SECRET_CHARS long with
    MIN_DISTINCT_CHARS different characters; the message names the setting, never the value."""
    if not secret:
        return
    if len(secret) < MIN_SECRET_CHARS or len(set(secret)) < MIN_DISTINCT_CHARS:
        raise WebhookSecretTooWeakError(
            f"{setting} is too weak: use at least {MIN_SECRET_CHARS} characters with"
            f" {MIN_DISTINCT_CHARS} or more different ones (e.g. `openssl rand -base64 32`),"
            " or leave it empty to refuse that platform"
        )


def _check_secrets(settings: CaselogSettings) -> None:
    basic = settings.freshdesk_basic_auth.get_secret_value()
    for setting, secret in (
        ("CASELOG_ZENDESK_WEBHOOK_SECRET", settings.zendesk_webhook_secret.get_secret_value()),
        ("CASELOG_FRESHDESK_WEBHOOK_SECRET", settings.freshdesk_webhook_secret.get_secret_value()),
        ("CASELOG_FRESHDESK_BASIC_AUTH (password)", basic.partition(":")[2] if basic else ""),
        ("CASELOG_INTERCOM_CLIENT_SECRET", settings.intercom_client_secret.get_secret_value()),
    ):
        require_strong(setting, secret)


def webhook_platforms(settings: CaselogSettings) -> dict[str, WebhookPlatform]:
    """The platforms, with their secrets checked (WebhookSecretTooWeakError stops start-up)."""
    _check_secrets(settings)
    freshdesk_secret: freshdesk.FreshdeskSecret
    if settings.freshdesk_basic_auth.get_secret_value():
        freshdesk_secret = freshdesk.BasicAuth.from_setting(
            settings.freshdesk_basic_auth.get_secret_value()
        )
    else:
        freshdesk_secret = freshdesk.SharedSecretHeader(
            settings.freshdesk_webhook_secret.get_secret_value()
        )
    return {
        "zendesk": WebhookPlatform(
            _with_secret(zendesk.verify, settings.zendesk_webhook_secret.get_secret_value()),
            _with_fields(
                zendesk.normalize,
                platform_fields(
                    settings,
                    settings.zendesk_relationship_field,
                    settings.zendesk_closure_reason_field,
                ),
            ),
            _zendesk_enrichment(settings),
        ),
        "freshdesk": WebhookPlatform(
            _with_secret(freshdesk.verify, freshdesk_secret),
            _with_fields(
                freshdesk.normalize,
                # Freshdesk's rule sends created tickets only: no closure reason to read.
                platform_fields(settings, settings.freshdesk_relationship_field, None),
            ),
        ),
        "intercom": WebhookPlatform(
            _with_secret(intercom.verify, settings.intercom_client_secret.get_secret_value()),
            _with_fields(
                intercom.normalize,
                platform_fields(
                    settings,
                    settings.intercom_relationship_attribute,
                    settings.intercom_closure_reason_attribute,
                ),
            ),
        ),
    }


def _api(
    settings: CaselogSettings,
    platform: str,
    base_url: str,
    auth: httpx.Auth,
    sleep: Sleep,
    headers: Mapping[str, str] | None = None,
) -> PlatformApi:
    retry = RetryPolicy(
        settings.writeback_max_attempts,
        settings.writeback_backoff_s,
        settings.writeback_max_retry_after_s,
    )
    circuit = CircuitBreaker(
        platform, settings.writeback_circuit_failures, settings.writeback_circuit_cooldown_s
    )
    return PlatformApi(
        platform,
        base_url,
        auth,
        timeout_s=settings.writeback_timeout_s,
        retry=retry,
        circuit=circuit,
        headers=headers,
        sleep=sleep,
    )


def ticket_writers(
    settings: CaselogSettings, sleep: Sleep = asyncio.sleep
) -> dict[str, TicketWriter]:
    """A writer per platform whose API URL and credential are set (one circuit each)."""
    writers: dict[str, TicketWriter] = {}
    zendesk_token = settings.zendesk_api_token.get_secret_value()
    if settings.zendesk_api_url and zendesk_token:
        auth = ZendeskWriter.auth(settings.zendesk_api_email, zendesk_token)
        writers["zendesk"] = ZendeskWriter(
            _api(settings, "zendesk", settings.zendesk_api_url, auth, sleep)
        )
    freshdesk_key = settings.freshdesk_api_key.get_secret_value()
    if settings.freshdesk_api_url and freshdesk_key:
        auth = FreshdeskWriter.auth(freshdesk_key)
        writers["freshdesk"] = FreshdeskWriter(
            _api(settings, "freshdesk", settings.freshdesk_api_url, auth, sleep)
        )
    intercom_token = settings.intercom_access_token.get_secret_value()
    if settings.intercom_api_url and intercom_token:
        auth = IntercomWriter.auth(intercom_token)
        version = {"Intercom-Version": IntercomWriter.VERSION}
        api = _api(settings, "intercom", settings.intercom_api_url, auth, sleep, version)
        writers["intercom"] = IntercomWriter(api, settings.intercom_admin_id)
    return writers
