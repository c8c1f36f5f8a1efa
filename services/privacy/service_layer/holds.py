"""Placing and releasing legal holds; each change is an event on `caselog.privacy`."""

from dataclasses import dataclass

from services.privacy.domain.errors import ConflictError, InvalidRequestError, NotFoundError
from services.privacy.domain.events import HOLD_PLACED, HOLD_RELEASED, HoldPlaced, HoldReleased
from services.privacy.domain.holds import Hold, HoldScope
from services.privacy.service_layer.dependencies import PrivacyDependencies
from services.privacy.service_layer.kept_text import refuse_contact_details
from services.privacy.service_layer.ports import Identities
from shared.ids import new_identifier


@dataclass(frozen=True, slots=True)
class PlaceHold:
    """Exactly one target: a case, a subject, the subject of an e-mail/phone, or a
    recommendation (its case)."""

    matter: str
    reason: str
    actor: str
    case_id: str | None = None
    subject_id: str | None = None
    identities: Identities | None = None
    recommendation_id: str | None = None


@dataclass(frozen=True, slots=True)
class ReleaseHold:
    hold_id: str
    actor: str
    note: str | None = None


async def place_hold(
    deps: PrivacyDependencies, command: PlaceHold, correlation_id: str | None = None
) -> list[Hold]:
    """The holds placed: one, or one per subject when an e-mail and a phone name two."""
    refuse_contact_details("matter", command.matter)
    refuse_contact_details("reason", command.reason)
    targets = await _targets(deps, command)
    placed = []
    for case_id, subject_id in targets:
        hold = Hold(
            hold_id=f"hold-{new_identifier()}",
            scope=HoldScope.CASE if case_id else HoldScope.SUBJECT,
            case_id=case_id,
            subject_id=subject_id,
            matter=command.matter,
            reason=command.reason,
            placed_by=command.actor,
            placed_at=deps.clock(),
            recommendation_id=command.recommendation_id,
        )
        known = [] if case_id else await deps.store.cases([subject_id] if subject_id else [])
        payload = HoldPlaced(**hold.model_dump(), case_ids=tuple(c.case_id for c in known))
        await deps.events.emit(
            HOLD_PLACED,
            payload,
            case_id=case_id or hold.hold_id,
            subject_id=subject_id,
            correlation_id=correlation_id,
        )
        placed.append(hold)
    return placed


async def release_hold(
    deps: PrivacyDependencies, command: ReleaseHold, correlation_id: str | None = None
) -> Hold:
    if command.note is not None:
        refuse_contact_details("note", command.note)
    hold = await deps.store.hold(command.hold_id)
    if hold is None:
        raise NotFoundError("hold", command.hold_id, "hold_id")
    if not hold.active:
        raise ConflictError(f"hold {hold.hold_id} was released already", "hold_id")
    released = hold.model_copy(
        update={
            "released_by": command.actor,
            "released_at": deps.clock(),
            "release_note": command.note,
        }
    )
    payload = HoldReleased(
        hold_id=hold.hold_id,
        scope=hold.scope,
        matter=hold.matter,
        case_id=hold.case_id,
        subject_id=hold.subject_id,
        released_by=command.actor,
        released_at=released.released_at or deps.clock(),
        release_note=command.note,
    )
    await deps.events.emit(
        HOLD_RELEASED,
        payload,
        case_id=hold.case_id or hold.hold_id,
        subject_id=hold.subject_id,
        correlation_id=correlation_id,
    )
    return released


async def _targets(
    deps: PrivacyDependencies, command: PlaceHold
) -> list[tuple[str | None, str | None]]:
    given = [
        command.case_id,
        command.subject_id,
        command.identities,
        command.recommendation_id,
    ]
    if sum(target is not None for target in given) != 1:
        raise InvalidRequestError(
            "case_id", "give exactly one of case_id, subject_id, email/phone, recommendation_id"
        )
    if command.recommendation_id is not None:
        found = await deps.store.recommendation(command.recommendation_id)
        if found is None:
            raise NotFoundError("recommendation", command.recommendation_id, "recommendation_id")
        if found.hold_id is not None:
            raise ConflictError(
                f"recommendation {found.recommendation_id} was confirmed by {found.hold_id}",
                "recommendation_id",
            )
        return [(found.case_id, found.subject_id)]
    if command.case_id is not None:
        case = await deps.store.case(command.case_id)
        if case is None:
            raise NotFoundError("case", command.case_id, "case_id")
        return [(case.case_id, case.subject_id)]
    if command.subject_id is not None:
        return [(None, command.subject_id)]
    assert command.identities is not None  # exactly one target was given
    subjects = await deps.subjects.lookup(command.identities)
    if not subjects:
        raise NotFoundError("subject", "of this e-mail or phone", "email")
    return [(None, subject) for subject in subjects]
