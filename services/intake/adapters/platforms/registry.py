"""Which platforms intake takes webhooks from, each with its check and mapping bound to settings."""

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from services.intake.adapters.platforms import freshdesk, intercom, zendesk
from services.intake.adapters.platforms.zendesk_users import ZendeskRequesters
from services.intake.domain.consultation import Consultation
from services.intake.domain.contacts import PlatformFollowUp
from shared.settings import CaselogSettings

Verify = Callable[[Mapping[str, str], bytes, datetime], None]
Normalize = Callable[[Mapping[str, Any]], Consultation | PlatformFollowUp]
Enrich = Callable[[Mapping[str, Any]], Awaitable[Mapping[str, Any]]]


S = TypeVar("S")


def _with_secret(
    verify: Callable[[Mapping[str, str], bytes, S, datetime], None], secret: S
) -> Verify:
    def verify_with_secret(headers: Mapping[str, str], body: bytes, now: datetime) -> None:
        verify(headers, body, secret, now)

    return verify_with_secret


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
    )
    return requesters.enrich


def webhook_platforms(settings: CaselogSettings) -> dict[str, WebhookPlatform]:
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
            zendesk.normalize,
            _zendesk_enrichment(settings),
        ),
        "freshdesk": WebhookPlatform(
            _with_secret(freshdesk.verify, freshdesk_secret), freshdesk.normalize
        ),
        "intercom": WebhookPlatform(
            _with_secret(intercom.verify, settings.intercom_client_secret.get_secret_value()),
            intercom.normalize,
        ),
    }
