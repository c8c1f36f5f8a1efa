"""The events privacy publishes on `caselog.privacy`: declared in shared/contracts/privacy.py.

docs/decisions/0007-privacy.md documents each; records projects them by type name.
"""

from shared.contracts.declaring import EventContract
from shared.contracts.privacy import (
    ACCESS_EXPORTED,
    CASE_ANONYMIZED,
    CASE_ANONYMIZED_V1,
    CONTRACTS,
    COPY_CORRECTED,
    COPY_WITHDRAWN,
    HOLD_PLACED,
    HOLD_RELEASE_REQUESTED,
    HOLD_RELEASED,
    KEYS_EPOCH_CLOSED,
    PRODUCER,
    RETENTION_SWEPT,
    SUBJECT_ERASED,
    SUBJECT_SEARCHED,
    AccessExported,
    CaseAnonymized,
    CaseAnonymizedV1,
    CopyCorrected,
    CopyWithdrawn,
    EpochClosed,
    HoldPlaced,
    HoldReleased,
    HoldReleaseRequested,
    RetentionSwept,
    SubjectErased,
    SubjectSearched,
    SweptItem,
)

ALL_EVENTS = tuple(contract for contract in CONTRACTS if contract is not CASE_ANONYMIZED_V1)
"""What privacy writes: the latest version of each type."""
BY_TYPE = {kind.type: kind for kind in ALL_EVENTS}
READABLE = {(kind.type, kind.version): kind for kind in CONTRACTS}

__all__ = [
    "ACCESS_EXPORTED",
    "ALL_EVENTS",
    "BY_TYPE",
    "CASE_ANONYMIZED",
    "CASE_ANONYMIZED_V1",
    "COPY_CORRECTED",
    "COPY_WITHDRAWN",
    "HOLD_PLACED",
    "HOLD_RELEASED",
    "HOLD_RELEASE_REQUESTED",
    "KEYS_EPOCH_CLOSED",
    "PRODUCER",
    "READABLE",
    "RETENTION_SWEPT",
    "SUBJECT_ERASED",
    "SUBJECT_SEARCHED",
    "AccessExported",
    "CaseAnonymized",
    "CaseAnonymizedV1",
    "CopyCorrected",
    "CopyWithdrawn",
    "EpochClosed",
    "EventContract",
    "HoldPlaced",
    "HoldReleaseRequested",
    "HoldReleased",
    "RetentionSwept",
    "SubjectErased",
    "SubjectSearched",
    "SweptItem",
]
