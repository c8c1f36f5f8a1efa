"""Records' handlers, in its one table: append every event once (group commit, one unit of work
per batch, then the checkpoint if due and an acknowledgement per case), replay and reveal a
timeline, export a bundle, sign a checkpoint, and drop cached keys privacy destroyed.

A reveal is accounted for in the log itself: its `access.recorded` event is appended before
the plaintext is handed out, and a reveal whose access cannot be recorded fails, showing
nothing. The key store is asked whether a case was shredded before anything is decrypted.
"""

import dataclasses
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from services.records.domain.access import Reveal, View, access_event
from services.records.domain.acknowledgements import acknowledgements
from services.records.domain.checkpoints import LogIdentity, StoredCheckpoint
from services.records.domain.errors import CheckpointNotFoundError, UnreadableFieldsError
from services.records.domain.events import Appended, ReceivedEvent, StoredEvent
from services.records.domain.timeline import CaseEvent, TimelineEntry, Window
from services.records.domain.vocabulary import PERSONAL_FIELDS, SUBJECT_ERASED
from services.records.service_layer import reads
from services.records.service_layer.checkpoints import CheckpointIssuer
from services.records.service_layer.group_commit import GroupCommit
from services.records.service_layer.messages import (
    AppendBatch,
    CaseKeyDestroyed,
    ExportBundle,
    IssueCheckpoint,
    KeyEpochClosed,
    RecordEvent,
    ReplayTimeline,
    Timeline,
)
from services.records.service_layer.ports import EventStore, PersonalFields, Publisher
from services.records.service_layer.unit_of_work import RecordsUnitOfWork
from shared.bundle.format import Bundle, BundleConsistency, BundleEvent, RevealedEvent
from shared.bundle.reveal import (
    SALT_BYTES,
    FieldCommitment,
    RevealCommitments,
    ciphertext_digest,
    plaintext_digest,
    revealed_paths,
    value_at,
)
from shared.bus.envelopes import envelope_message
from shared.envelope import Envelope, utc_now
from shared.handling import HandlerTable
from shared.merkle import encoding


@dataclass(frozen=True, slots=True)
class RecordsDependencies:
    """What `bootstrap` gives every handler."""

    store: EventStore
    unit_of_work: Callable[[], RecordsUnitOfWork]
    issuer: CheckpointIssuer
    personal: PersonalFields
    publisher: Publisher
    topic: str
    identity: LogIdentity
    group_commit: GroupCommit = dataclasses.field(default_factory=GroupCommit)
    clock: Callable[[], datetime] = utc_now


RecordsAnswer = Appended | tuple[Appended, ...] | Timeline | Bundle | StoredCheckpoint | None
HANDLERS: HandlerTable[RecordsDependencies, RecordsAnswer] = HandlerTable("records")


@HANDLERS.handles(RecordEvent)
async def record_event(command: RecordEvent, deps: RecordsDependencies) -> Appended:
    """Appends the event with whatever else is pending; returns once it is acknowledged."""
    return await _record(command.event, deps)


@HANDLERS.handles(AppendBatch)
async def append_batch(command: AppendBatch, deps: RecordsDependencies) -> tuple[Appended, ...]:
    """Appends the events (a batch from the bus) with whatever else is pending."""
    return await _record_all(command.events, deps)


@HANDLERS.handles(ReplayTimeline)
async def replay_timeline(command: ReplayTimeline, deps: RecordsDependencies) -> Timeline:
    """Ciphertext as stored, unless `reveal`: then plaintext, and an access event (of the
    events returned: with `latest`, only those are revealed)."""
    events, admitted = await reads.latest_case_events(
        deps.store, command.case_id, command.window, command.latest
    )
    access_event_id = None
    if command.reveal is None:
        entries = [TimelineEntry(event, dict(event.envelope.payload)) for event in events]
    else:
        entries = await _revealed(events, deps.personal, command.reveal)
        access_event_id = await _record_access(
            deps, command.reveal, entries, command, view="timeline", window=command.window
        )
    destroyed = await deps.personal.key_destroyed(command.case_id)
    return Timeline(
        command.case_id, command.window, tuple(entries), destroyed, access_event_id, admitted
    )


@HANDLERS.handles(ExportBundle)
async def export_bundle(command: ExportBundle, deps: RecordsDependencies) -> Bundle:
    """The bundle of every event of the case, the access of a reveal included.

    The checkpoint is issued after the access is recorded, so it covers it; events appended
    after the checkpoint are left for the next bundle. The case's entry in the checkpoint's
    signed case map proves that the bundle holds every event the case had at that size.
    """
    case_id = command.case_id
    events = await reads.case_events(deps.store, case_id)
    revealed, access_event_id, commitments = None, None, None
    if command.reveal is not None:
        entries = await _revealed(events, deps.personal, command.reveal)
        access_event_id = await _record_access(
            deps, command.reveal, entries, command, view="bundle"
        )
        revealed, committed = _committed(entries)
        statement = RevealCommitments(deps.identity.origin, case_id, access_event_id, committed)
        commitments = deps.issuer.sign_statement(statement.text())
    checkpoint = await deps.issuer.issue()
    size = checkpoint.size
    stored = [event for event in await deps.store.case_events(case_id) if event.position < size]
    since = command.since_size
    return Bundle(
        case_id=case_id,
        origin=deps.identity.origin,
        generated_at=deps.clock(),
        verifier_key=deps.identity.verifier_key,
        checkpoint=checkpoint.note,
        tree_size=size,
        events=[await _proven(deps.store, event, size) for event in stored],
        consistency=await _consistency(deps.store, since, checkpoint) if since else None,
        case_map=await deps.issuer.case_map_entry(checkpoint, case_id),
        revealed=revealed,
        access_event_id=access_event_id,
        reveal_commitments=commitments,
    )


def _committed(
    entries: Sequence[TimelineEntry],
) -> tuple[list[RevealedEvent], tuple[FieldCommitment, ...]]:
    """Each revealed event with a fresh random salt per revealed field, and the commitments
    the log's key signs: the salted hash of the plaintext, the hash of its stored ciphertext."""
    revealed: list[RevealedEvent] = []
    committed: list[FieldCommitment] = []
    for entry in entries:
        envelope = entry.event.envelope
        event_id = str(envelope.event_id)
        salts = {path: secrets.token_bytes(SALT_BYTES) for path in entry.revealed_fields}
        committed += [
            FieldCommitment(
                event_id,
                path,
                plaintext_digest(salt, value_at(entry.payload, path)),
                ciphertext_digest(value_at(envelope.payload, path)),
            )
            for path, salt in salts.items()
        ]
        revealed.append(
            RevealedEvent(
                event_id=event_id,
                payload=entry.payload,
                revealed_fields=list(entry.revealed_fields),
                salts={path: encoding.encode(salt) for path, salt in salts.items()},
            )
        )
    return revealed, tuple(committed)


@HANDLERS.handles(IssueCheckpoint)
async def issue_checkpoint(command: IssueCheckpoint, deps: RecordsDependencies) -> StoredCheckpoint:
    return await deps.issuer.issue()


@HANDLERS.handles(CaseKeyDestroyed)
async def forget_case_key(event: CaseKeyDestroyed, deps: RecordsDependencies) -> None:
    """A reveal cannot show the case's plaintext from this process's cache any more."""
    deps.personal.forget_key(event.case_id)


@HANDLERS.handles(KeyEpochClosed)
async def forget_all_keys(event: KeyEpochClosed, deps: RecordsDependencies) -> None:
    deps.personal.forget_all_keys()


async def _record(event: ReceivedEvent, deps: RecordsDependencies) -> Appended:
    (appended,) = await _record_all([event], deps)
    return appended


async def _record_all(
    events: Sequence[ReceivedEvent], deps: RecordsDependencies
) -> tuple[Appended, ...]:
    async def append_all(pending: Sequence[ReceivedEvent]) -> tuple[Appended, ...]:
        return await _append_batch(pending, deps)

    return await deps.group_commit.submit_many(events, append_all)


async def _append_batch(
    events: Sequence[ReceivedEvent], deps: RecordsDependencies
) -> tuple[Appended, ...]:
    """One unit of work for the batch; the checkpoint, if due, follows in another. A crash
    between the two loses nothing: the next batch (or the timer) finds it due again."""
    async with deps.unit_of_work() as work:
        appended = await work.log.append(events)
        await work.commit()
    checkpoint = await deps.issuer.issue_if_due()
    if checkpoint is None and any(e.envelope.type == SUBJECT_ERASED for e in events):
        # An erasure receipt cites the signed checkpoint that includes its own events:
        # sign one now rather than at the next scheduled one, so the receipt binds at once.
        checkpoint = await deps.issuer.issue()
    checkpoint = checkpoint or await deps.store.latest_checkpoint()
    size = await deps.store.size()
    acks = acknowledgements(
        events, appended, tree_size=size, checkpoint=checkpoint, now=deps.clock()
    )
    await deps.publisher.publish_many([envelope_message(deps.topic, ack) for ack in acks])
    return appended


async def _record_own(envelope: Envelope, deps: RecordsDependencies) -> Appended:
    """Appends an event records itself writes, then publishes it on the records topic.

    Keyed by its own id: the topic is compacted by key, and an access record must never be
    compacted away behind the case's next acknowledgement.
    """
    appended = await _record(ReceivedEvent(envelope), deps)
    message = envelope_message(deps.topic, envelope)
    own_key = f"{envelope.type}:{envelope.event_id}".encode()
    await deps.publisher.publish(dataclasses.replace(message, key=own_key))
    return appended


async def _revealed(
    events: Sequence[CaseEvent], personal: PersonalFields, reveal: Reveal
) -> list[TimelineEntry]:
    """Each event with its personal fields in plaintext, or `[erased]` after shredding.

    The key store is asked first, once for the whole read: a reveal that starts after an
    erasure answered MUST NOT show plaintext, though a key destroyed by privacy may still be
    cached in this process until privacy's event arrives here.
    """
    destroyed = await personal.destroyed_keys({event.envelope.case_id for event in events})
    entries: list[TimelineEntry] = []
    for event in events:
        envelope = event.envelope
        payload = dict(envelope.payload)
        schema = PERSONAL_FIELDS.get(envelope.type)
        if schema is None:
            entries.append(TimelineEntry(event, payload))
            continue
        try:
            shown = await personal.reveal(
                payload,
                schema,
                case_id=envelope.case_id,
                event_id=str(envelope.event_id),
                reader=reveal.reader,
                key_destroyed=envelope.case_id in destroyed,
            )
        except UnreadableFieldsError:
            entries.append(TimelineEntry(event, payload, unreadable=True))
            continue
        entries.append(TimelineEntry(event, shown, revealed_paths(payload, shown)))
    return entries


async def _record_access(
    deps: RecordsDependencies,
    reveal: Reveal,
    entries: Sequence[TimelineEntry],
    command: ReplayTimeline | ExportBundle,
    *,
    view: View,
    window: Window | None = None,
) -> str:
    """Appends (and publishes) the `access.recorded` event of a reveal of `command`'s case;
    returns its id."""
    subject_id = next(
        (e.event.envelope.subject_id for e in entries if e.event.envelope.subject_id), None
    )
    fields = {str(entry.event.envelope.event_id): entry.revealed_fields for entry in entries}
    envelope = access_event(
        reveal,
        case_id=command.case_id,
        subject_id=subject_id,
        view=view,
        window=window or Window(),
        fields=fields,
        correlation_id=command.correlation_id,
        now=deps.clock(),
    )
    await _record_own(envelope, deps)
    return str(envelope.event_id)


async def _proven(store: EventStore, event: StoredEvent, size: int) -> BundleEvent:
    proof = await store.inclusion_proof(event.event_id, size)
    return BundleEvent(
        event_id=event.event_id,
        leaf_index=event.position,
        case_position=event.case_position,
        leaf=encoding.encode(event.leaf),
        prev_hash=encoding.encode(event.prev_hash),
        chain_hash=encoding.encode(event.chain_hash),
        inclusion_proof=[encoding.encode(digest) for digest in proof.hashes],
    )


async def _consistency(
    store: EventStore, since_size: int, newer: StoredCheckpoint
) -> BundleConsistency:
    older = await store.checkpoint(since_size) if since_size <= newer.size else None
    if older is None:
        raise CheckpointNotFoundError(
            "no checkpoint of this since_size was issued by this log", field="since_size"
        )
    proof = await store.consistency_proof(since_size, newer.size)
    return BundleConsistency(
        checkpoint=older.note, proof=[encoding.encode(digest) for digest in proof.hashes]
    )
