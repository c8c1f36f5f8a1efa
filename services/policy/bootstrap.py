"""Builds the policy service from settings: its infrastructure now, its handlers as they come."""

from dataclasses import dataclass

from shared.infrastructure import Infrastructure, build_infrastructure
from shared.settings import CaselogSettings


@dataclass(frozen=True, slots=True)
class PolicyService:
    """Everything the policy service runs on, built once at start-up."""

    settings: CaselogSettings
    infrastructure: Infrastructure


def bootstrap(
    settings: CaselogSettings, infrastructure: Infrastructure | None = None
) -> PolicyService:
    """Wire the service; tests pass infrastructure made of fakes."""
    return PolicyService(settings, infrastructure or build_infrastructure(settings))
