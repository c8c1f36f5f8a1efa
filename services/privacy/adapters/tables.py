"""Privacy's tables (SQLite or PostgreSQL). No column holds a personal value in plaintext:
kept envelopes are ciphertext as received, copies are anonymized and sealed, subjects are
pseudonyms."""

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()
Id = String(160)
Moment = DateTime(timezone=True)

seen_events = Table(
    "privacy_seen_events",
    metadata,
    Column("event_id", Id, primary_key=True),
    Column("seen_at", Moment, nullable=False),
)
cases = Table(
    "privacy_cases",
    metadata,
    Column("case_id", Id, primary_key=True),
    Column("subject_id", Id, nullable=True, index=True),
    Column("opened_at", Moment, nullable=True),
    Column("closed_at", Moment, nullable=True),
    Column("closure_reason", String(64), nullable=True),
    Column("closure_event_id", Id, nullable=True),
    Column("has_recording", Boolean, nullable=False, default=False),
    Column("disposition", String(16), nullable=False),
    Column("anonymized_at", Moment, nullable=True),
    Column("erased_at", Moment, nullable=True),
    Column("key_destroyed_at", Moment, nullable=True),
    Column("recording_expired_at", Moment, nullable=True),
)
# Envelopes as received (personal fields are ciphertext), dropped once the case is shredded.
kept_events = Table(
    "privacy_kept_events",
    metadata,
    Column("event_id", Id, primary_key=True),
    Column("case_id", Id, nullable=False),
    Column("type", String(128), nullable=False),
    Column("occurred_at", Moment, nullable=False),
    Column("causation_id", Id, nullable=True, index=True),
    Column("envelope", Text, nullable=False),
    Index("privacy_kept_events_case", "case_id", "occurred_at"),
)
holds = Table(
    "privacy_holds",
    metadata,
    Column("hold_id", Id, primary_key=True),
    Column("active", Boolean, nullable=False),
    Column("document", Text, nullable=False),
)
recommendations = Table(
    "privacy_recommendations",
    metadata,
    Column("recommendation_id", Id, primary_key=True),
    Column("hold_id", Id, nullable=True),
    Column("document", Text, nullable=False),
)
# The anonymized copies, sealed: `sealed` is ciphertext under the key store's key `key_slot`
# (one per copy version), so a withdrawn or replaced version is destroyed with its key.
# (Before version 2 of `case.anonymized`, `privacy_copies` held them in plaintext.)
copies = Table(
    "privacy_sealed_copies",
    metadata,
    Column("copy_id", Id, primary_key=True),
    Column("case_id", Id, nullable=False, unique=True),
    Column("closed_at", Moment, nullable=False),
    Column("closure_reason", String(64), nullable=True),
    Column("version", Integer, nullable=False),
    Column("key_slot", Id, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("sealed", Text, nullable=False),
)
requests = Table(
    "privacy_requests",
    metadata,
    Column("request_id", Id, primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("document", Text, nullable=False),
    Column("receipt", Text, nullable=True),
)
erased_subjects = Table(
    "privacy_erased_subjects",
    metadata,
    Column("subject_id", Id, primary_key=True),
    Column("request_id", Id, nullable=False),
    Column("erased_at", Moment, nullable=False),
)
checkpoint = Table(
    "privacy_records_checkpoint",
    metadata,
    Column("slot", Integer, primary_key=True),  # one row: the newest acknowledgement
    Column("tree_size", BigInteger, nullable=False),
    Column("document", Text, nullable=False),
)


# Per erasure receipt: its key epoch, its events, whether a records checkpoint that includes
# them is bound into it, and the epoch whose close completed it.
receipt_states = Table(
    "privacy_receipt_states",
    metadata,
    Column("request_id", Id, primary_key=True),
    Column("epoch", BigInteger, nullable=True),
    Column("event_ids", Text, nullable=False),  # JSON list
    Column("bound", Boolean, nullable=False, index=True),  # read on every acknowledgement
    Column("completed_epoch", BigInteger, nullable=True, index=True),
)
# The log position records acknowledged for each `subject.erased` event.
erasure_positions = Table(
    "privacy_erasure_positions",
    metadata,
    Column("event_id", Id, primary_key=True),
    Column("position", BigInteger, nullable=False),
)
completions = Table(
    "privacy_completions",
    metadata,
    Column("closed_epoch", BigInteger, primary_key=True),
    Column("document", Text, nullable=False),
)
