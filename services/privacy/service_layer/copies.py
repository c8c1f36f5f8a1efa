"""The anonymized copies for business use: served decrypted, corrected or withdrawn by the
privacy officer. Each change is an event without the copy's text (its digest only), and the
key of the version it replaces or withdraws is destroyed, so that version is gone from every
place it was ever stored (the store's files, backups) once the key epoch closes."""

from pydantic import BaseModel

from services.privacy.domain.caller_input import refuse_contact_details
from services.privacy.domain.copies import AnonymizedCopy
from services.privacy.domain.errors import InvalidRequestError, NotFoundError
from services.privacy.domain.events import (
    COPY_CORRECTED,
    COPY_WITHDRAWN,
    CopyCorrected,
    CopyWithdrawn,
    EventKind,
)
from services.privacy.service_layer.changes import CopyStored
from services.privacy.service_layer.messages import (
    CorrectCopy,
    ListCopies,
    RotateCopyKey,
    WithdrawCopy,
)
from services.privacy.service_layer.ports import KeptCopy, PrivacyDependencies
from services.privacy.service_layer.publishing import apply_changes, emit

ROTATION = "business-copy key rotated"


async def list_copies(query: ListCopies, deps: PrivacyDependencies) -> list[AnonymizedCopy]:
    """A page of copies by copy id, decrypted."""
    page = await deps.store.copies(query.after, query.limit)
    return [await deps.copies.open(sealed) for sealed in page]


async def correct_copy(command: CorrectCopy, deps: PrivacyDependencies) -> AnonymizedCopy:
    """Replace the copy by `corrected` (same copy id), sealed under a new key; the old
    version's key is destroyed. The corrected text is refused if it still looks like contact
    details, as kept text is everywhere in privacy."""
    refuse_contact_details("reason", command.reason)
    if command.corrected.copy_id != command.copy_id:
        raise InvalidRequestError("copy.copy_id", "must be the id of the copy corrected")
    for field, text in _texts(command.corrected):
        refuse_contact_details(field, text)
    kept = await _kept(deps, command.copy_id)
    old = kept.copy
    new = await deps.copies.seal(command.corrected, version=old.version + 1)
    stored = CopyStored(kept.case_id, new, kept.closed_at, kept.closure_reason)
    await apply_changes(deps, None, [stored])
    await deps.copies.destroy(old, actor=f"privacy:{command.actor}"[:128], reason=_why(command))
    payload = CopyCorrected(
        copy_id=command.copy_id,
        version=new.version,
        copy_sha256=new.sha256,
        replaced_sha256=old.sha256,
        reason=command.reason,
        corrected_by=command.actor,
        corrected_at=deps.clock(),
    )
    await _announce(deps, COPY_CORRECTED, payload, kept, command.correlation_id)
    return command.corrected


async def rotate_copy_key(command: RotateCopyKey, deps: PrivacyDependencies) -> AnonymizedCopy:
    """The same copy sealed under a new business-copy key, the old key destroyed: a
    correction that changes nothing but the key (its event's two digests are equal)."""
    current = await deps.copies.open((await _kept(deps, command.copy_id)).copy)
    correction = CorrectCopy(
        command.copy_id, current, ROTATION, command.actor, command.correlation_id
    )
    return await correct_copy(correction, deps)


async def withdraw_copy(command: WithdrawCopy, deps: PrivacyDependencies) -> CopyWithdrawn:
    """Take the copy out of business use: its key destroyed first, then the event, whose
    projection drops the row."""
    refuse_contact_details("reason", command.reason)
    kept = await _kept(deps, command.copy_id)
    await deps.copies.destroy(
        kept.copy, actor=f"privacy:{command.actor}"[:128], reason=_why(command)
    )
    payload = CopyWithdrawn(
        copy_id=command.copy_id,
        withdrawn_sha256=kept.copy.sha256,
        reason=command.reason,
        withdrawn_by=command.actor,
        withdrawn_at=deps.clock(),
    )
    await _announce(deps, COPY_WITHDRAWN, payload, kept, command.correlation_id)
    return payload


async def _kept(deps: PrivacyDependencies, copy_id: str) -> KeptCopy:
    kept = await deps.store.copy(copy_id)
    if kept is None:
        raise NotFoundError("anonymized copy", copy_id, "copy_id")
    return kept


async def _announce(
    deps: PrivacyDependencies,
    kind: EventKind,
    payload: BaseModel,
    kept: KeptCopy,
    correlation_id: str | None,
) -> None:
    """On the case's key (its subject's), so it follows the case's `case.anonymized`."""
    case = await deps.store.case(kept.case_id)
    subject_id = case.subject_id if case else None
    await emit(
        deps,
        kind,
        payload,
        case_id=kept.case_id,
        subject_id=subject_id,
        correlation_id=correlation_id,
    )


def _why(command: CorrectCopy | WithdrawCopy) -> str:
    verb = "corrected" if isinstance(command, CorrectCopy) else "withdrawn"
    return f"anonymized copy {command.copy_id} {verb}"


def _texts(copy: AnonymizedCopy) -> list[tuple[str, str | None]]:
    """The copy's free-text fields, by the path a problem names."""
    return [
        ("copy.subject", copy.subject),
        ("copy.body", copy.body),
        ("copy.demand.details", copy.demand.details if copy.demand else None),
        *((f"copy.closure_notes[{i}]", note) for i, note in enumerate(copy.closure_notes)),
        *((f"copy.contacts[{i}].body", c.body) for i, c in enumerate(copy.contacts)),
    ]
