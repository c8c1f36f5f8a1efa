"""Configured platform fields that carry one of caselog's choices: the requester's relationship
(platforms know nothing of purchases, so an admin adds a field for it) and the reason a ticket
was solved. Each platform names its field differently (a Zendesk custom field id, a Freshdesk
custom field name, an Intercom conversation attribute); what its values mean is mapped here."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Generic, TypeVar

from services.intake.adapters.platforms.errors import PlatformPayloadError
from services.intake.domain.consultation import Relationship
from services.intake.domain.contacts import ClosureReason

E = TypeVar("E", bound=StrEnum)


@dataclass(frozen=True, slots=True)
class Choice(Generic[E]):
    """The platform's value (its own labels through `values`, or ours), or `default` when the
    field is absent or empty; an unknown value is a setup mistake to surface (422), not a
    guess that would decide the case on a wrong relationship."""

    choices: type[E]
    default: E
    values: Mapping[str, E] = field(default_factory=dict)

    def of(self, raw: object, path: str) -> E:
        value = "" if raw is None else str(raw).strip().lower()
        if not value:
            return self.default
        labels = {label.strip().lower(): choice for label, choice in self.values.items()}
        ours = {choice.value: choice for choice in self.choices}
        chosen = labels.get(value) or ours.get(value)
        if chosen is None:
            known = ", ".join(sorted({*labels, *ours}))
            raise PlatformPayloadError(path, f"expected one of {known} or empty")
        return chosen


@dataclass(frozen=True, slots=True)
class PlatformFields:
    """Where one platform carries the relationship and the closure reason, and their values."""

    relationship_field: str | None = None
    relationship: Choice[Relationship] = Choice(Relationship, Relationship.UNKNOWN)
    closure_reason_field: str | None = None
    closure_reason: Choice[ClosureReason] = Choice(ClosureReason, ClosureReason.SATISFIED)


UNCONFIGURED = PlatformFields()
