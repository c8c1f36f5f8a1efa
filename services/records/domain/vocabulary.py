"""The event types records reads meaning from (every other type is stored and shown as it is);
docs/decisions/0006-records-store.md lists the payload fields read."""

PRODUCER = "records"

# intake (services/intake/domain/events.py)
CONSULTATION_RECEIVED = "consultation.received"
CONTACT_LOGGED = "contact.logged"
CLOSURE_REQUESTED = "closure.requested"
RECORDING_ATTACHED = "recording.attached"

# policy: every type ending in ".decided" is a decision ({outcome, reasons[].rule,
# policy_version}); an accepted "closure.decided" closes the case.
DECIDED_SUFFIX = ".decided"
CLOSURE_DECIDED = "closure.decided"
CASE_CLOSED = "case.closed"

# privacy: holds by `hold_id` (else `matter`); anonymization and erasure of the case.
HOLD_PLACED = "hold.placed"
HOLD_RELEASED = "hold.released"
CASE_ANONYMIZED = "case.anonymized"
SUBJECT_ERASED = "subject.erased"
KEYS_EPOCH_CLOSED = "keys.epoch_closed"

# records' own: a read that revealed personal data, and the acknowledgement of an append.
ACCESS_RECORDED = "access.recorded"
RECORDS_ACKNOWLEDGED = "records.acknowledged"
