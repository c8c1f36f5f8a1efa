"""The event types records reads meaning from (every other type is stored and shown as it is),
named by their contracts (shared/contracts/); docs/decisions/0006-records-store.md lists the
payload fields read."""

from shared.contracts import intake, policy, privacy, records

PRODUCER = records.PRODUCER

CONSULTATION_RECEIVED = intake.CONSULTATION_RECEIVED.type
CONTACT_LOGGED = intake.CONTACT_LOGGED.type
CLOSURE_REQUESTED = intake.CLOSURE_REQUESTED.type
RECORDING_ATTACHED = intake.RECORDING_ATTACHED.type

# policy: every decision type ({outcome, reasons[].rule, policy_version}); an accepted
# "closure.decided" closes the case.
DECISION_TYPES = policy.DECISION_TYPES
CLOSURE_DECIDED = policy.CLOSURE_DECIDED.type

# privacy: holds by `hold_id` (else `matter`); anonymization and erasure of the case.
HOLD_PLACED = privacy.HOLD_PLACED.type
HOLD_RELEASED = privacy.HOLD_RELEASED.type
CASE_ANONYMIZED = privacy.CASE_ANONYMIZED.type
SUBJECT_ERASED = privacy.SUBJECT_ERASED.type
KEYS_EPOCH_CLOSED = privacy.KEYS_EPOCH_CLOSED.type

# records' own: a read that revealed personal data, and the acknowledgement of an append.
ACCESS_RECORDED = records.ACCESS_RECORDED.type
RECORDS_ACKNOWLEDGED = records.RECORDS_ACKNOWLEDGED.type
