"""Builds the intake service from settings: its infrastructure now, its handlers as they come."""

from dataclasses import dataclass

from shared.infrastructure import Infrastructure, build_infrastructure
from shared.settings import CaselogSettings


@dataclass(frozen=True, slots=True)
class IntakeService:
    """Everything the intake service runs on, built once at start-up."""

    settings: CaselogSettings
    infrastructure: Infrastructure


def bootstrap(
    settings: CaselogSettings, infrastructure: Infrastructure | None = None
) -> IntakeService:
    """Wire the service; tests pass infrastructure made of fakes."""
    return IntakeService(settings, infrastructure or build_infrastructure(settings))
