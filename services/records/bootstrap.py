"""Builds the records service from settings: its infrastructure now, its handlers as they come."""

from dataclasses import dataclass

from shared.infrastructure import Infrastructure, build_infrastructure
from shared.settings import CaselogSettings


@dataclass(frozen=True, slots=True)
class RecordsService:
    """Everything the records service runs on, built once at start-up."""

    settings: CaselogSettings
    infrastructure: Infrastructure


def bootstrap(
    settings: CaselogSettings, infrastructure: Infrastructure | None = None
) -> RecordsService:
    """Wire the service; tests pass infrastructure made of fakes."""
    return RecordsService(settings, infrastructure or build_infrastructure(settings))
