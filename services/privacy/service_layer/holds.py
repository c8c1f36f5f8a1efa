"""Placing and releasing legal holds; each change is an event on `caselog.privacy`.

Releasing is separated from erasing: only legal releases, or (`holds.release =
"two_person"`) a privacy officer asks and a second person confirms; and for a cooling-off
period after a release the hold still keeps its cases from erasure and the sweep.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from services.privacy.domain.caller_input import refuse_contact_details, refuse_future
from services.privacy.domain.cases import CaseRecord
from services.privacy.domain.errors import (
    ConflictError,
    ForbiddenError,
    InvalidRequestError,
    NotFoundError,
)
from services.privacy.domain.events import (
    HOLD_PLACED,
    HOLD_RELEASE_REQUESTED,
    HOLD_RELEASED,
    EventKind,
    HoldPlaced,
    HoldReleased,
    HoldReleaseRequested,
)
from services.privacy.domain.holds import BlockingHold, Hold, HoldScope, ReleaseRule, blocking
from services.privacy.service_layer.messages import (
    HoldsDueForReview,
    PlaceHold,
    ReleaseHold,
)
from services.privacy.service_layer.ports import PrivacyDependencies
from services.privacy.service_layer.publishing import emit
from shared.auth.roles import Role
from shared.ids import new_identifier


async def place_hold(command: PlaceHold, deps: PrivacyDependencies) -> list[Hold]:
    """The holds placed: one, or one per subject when an e-mail and a phone name two."""
    refuse_contact_details("matter", command.matter)
    refuse_contact_details("reason", command.reason)
    rules = deps.rules.holds
    matter_type = command.matter_type or rules.default_matter_type
    if matter_type not in rules.limitations:
        types = ", ".join(sorted(rules.limitations))
        raise InvalidRequestError("matter_type", f"is not a configured matter type ({types})")
    now = deps.clock()
    known_at = refuse_future("known_at", command.known_at, now) or now
    targets = await _targets(deps, command)
    placed = []
    for case_id, subject_id in targets:
        act_at = refuse_future("act_at", command.act_at, now) or await _opened(deps, case_id, now)
        hold = Hold(
            hold_id=f"hold-{new_identifier()}",
            scope=HoldScope.CASE if case_id else HoldScope.SUBJECT,
            case_id=case_id,
            subject_id=subject_id,
            matter=command.matter,
            reason=command.reason,
            placed_by=command.actor,
            placed_at=now,
            recommendation_id=command.recommendation_id,
            matter_type=matter_type,
            review_at=rules.review_at(matter_type, known_at, act_at),
        )
        known = [] if case_id else await deps.store.cases([subject_id] if subject_id else [])
        payload = HoldPlaced(**hold.model_dump(), case_ids=tuple(c.case_id for c in known))
        await emit(
            deps,
            HOLD_PLACED,
            payload,
            case_id=case_id or hold.hold_id,
            subject_id=subject_id,
            correlation_id=command.correlation_id,
        )
        placed.append(hold)
    return placed


async def release_hold(command: ReleaseHold, deps: PrivacyDependencies) -> Hold:
    """Released (legal, or the second person under the two-person rule), or, for a privacy
    officer's first ask under the two-person rule, the hold with its release requested."""
    if command.note is not None:
        refuse_contact_details("note", command.note)
    hold = await deps.store.hold(command.hold_id)
    if hold is None:
        raise NotFoundError("hold", command.hold_id, "hold_id")
    if not hold.active:
        raise ConflictError(f"hold {hold.hold_id} was released already", "hold_id")
    if Role.LEGAL not in command.roles:
        if deps.rules.holds.release is not ReleaseRule.TWO_PERSON:
            raise ForbiddenError("releasing a hold needs the legal role", "hold_id")
        if hold.release_requested_by is None:
            return await _request_release(deps, hold, command)
        if hold.release_requested_by == command.actor:
            raise ConflictError(
                f"hold {hold.hold_id}: the release you asked for needs another person", "hold_id"
            )
    now = deps.clock()
    released = hold.model_copy(
        update={"released_by": command.actor, "released_at": now, "release_note": command.note}
    )
    payload = HoldReleased(
        **_named(hold),
        released_by=command.actor,
        released_at=now,
        release_note=command.note,
        release_requested_by=hold.release_requested_by,
    )
    await _announce(deps, HOLD_RELEASED, payload, hold, command.correlation_id)
    return released


async def holding(
    deps: PrivacyDependencies, at: datetime | None = None
) -> Callable[[CaseRecord], list[BlockingHold]]:
    """What keeps a case from erasure at `at` (default now): its active holds, and those
    released less than the cooling-off period before, which name when they end."""
    holds, moment = await deps.store.holds(active_only=False), at or deps.clock()
    cooling_off = deps.rules.holds.cooling_off

    def held_by(case: CaseRecord) -> list[BlockingHold]:
        return blocking(holds, case.case_id, case.subject_id, at=moment, cooling_off=cooling_off)

    return held_by


async def holds_due_for_review(query: HoldsDueForReview, deps: PrivacyDependencies) -> list[Hold]:
    """Active holds whose matter's limitation period has ended by `at` (default now): legal
    must decide to release or keep them; nothing lapses on its own."""
    moment = query.at or deps.clock()
    return [
        hold for hold in await deps.store.holds(active_only=True) if hold.due_for_review(moment)
    ]


async def _request_release(deps: PrivacyDependencies, hold: Hold, command: ReleaseHold) -> Hold:
    now = deps.clock()
    payload = HoldReleaseRequested(**_named(hold), requested_by=command.actor, requested_at=now)
    await _announce(deps, HOLD_RELEASE_REQUESTED, payload, hold, command.correlation_id)
    return hold.model_copy(
        update={"release_requested_by": command.actor, "release_requested_at": now}
    )


def _named(hold: Hold) -> dict[str, Any]:
    return hold.model_dump(include={"hold_id", "scope", "matter", "case_id", "subject_id"})


async def _announce(
    deps: PrivacyDependencies,
    kind: EventKind,
    payload: BaseModel,
    hold: Hold,
    correlation_id: str | None,
) -> None:
    """On the held case (or the hold's own id), keyed by its subject."""
    await emit(
        deps,
        kind,
        payload,
        case_id=hold.case_id or hold.hold_id,
        subject_id=hold.subject_id,
        correlation_id=correlation_id,
    )


async def _opened(deps: PrivacyDependencies, case_id: str | None, now: datetime) -> datetime:
    """The act a hold on a case serves began at the latest when the case opened."""
    case = await deps.store.case(case_id) if case_id else None
    return case.opened_at if case is not None and case.opened_at is not None else now


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
