"""Privacy's one handler table: every message type (service_layer/messages.py) and the function
that handles it. The functions live with their family (holds, access, erasure, ...); routes,
schedules and the consumer reach them only through `HANDLERS`."""

from typing import Any

from services.privacy.service_layer import (
    access,
    consumed,
    consumed_batches,
    copies,
    epochs,
    erasure,
    holds,
    own_events,
    receipts,
    retention,
)
from services.privacy.service_layer import messages as m
from services.privacy.service_layer.ports import PrivacyDependencies
from shared.handling import Handler, HandlerTable

HANDLERS: HandlerTable[PrivacyDependencies, Any] = HandlerTable("privacy")

_TABLE: tuple[tuple[type[Any], Handler[Any, PrivacyDependencies, Any]], ...] = (
    (m.PlaceHold, holds.place_hold),
    (m.ReleaseHold, holds.release_hold),
    (m.HoldsDueForReview, holds.holds_due_for_review),
    (m.RegisterAccess, access.register_access),
    (m.ExportAccess, access.export_access),
    (m.OverdueRequests, access.overdue_requests),
    (m.SearchSubject, access.search_subject),
    (m.EraseSubject, erasure.erase_subject),
    (m.PreviewErasure, erasure.preview_erasure),
    (m.ReceiptFile, receipts.receipt_file),
    (m.SubjectErasures, receipts.subject_erasures),
    (m.RunSweep, retention.run_sweep),
    (m.ListCopies, copies.list_copies),
    (m.CorrectCopy, copies.correct_copy),
    (m.RotateCopyKey, copies.rotate_copy_key),
    (m.WithdrawCopy, copies.withdraw_copy),
    (m.CloseKeyEpoch, epochs.close_key_epoch),
    (m.AnnounceEpochCloses, epochs.announce_closures),
    (m.IntakeEventArrived, consumed.intake_event_arrived),
    (m.PolicyEventArrived, consumed.policy_event_arrived),
    (m.RecordsAcknowledged, consumed.records_acknowledged),
    (m.OwnEventsArrived, own_events.own_events_arrived),
    (m.EventsConsumed, consumed_batches.events_consumed),
)
for _message_type, _handler in _TABLE:
    HANDLERS.handles(_message_type)(_handler)
