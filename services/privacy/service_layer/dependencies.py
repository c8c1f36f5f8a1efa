"""Everything privacy's use cases run on, wired once by bootstrap (fakes in unit tests)."""

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta

from services.privacy.domain.rules import PrivacyRules
from services.privacy.domain.scrubber import Scrubber
from services.privacy.service_layer.ports import (
    Clock,
    CopySealer,
    Decryptor,
    EpochSource,
    KeyShredder,
    PrivacyStore,
    ReceiptSigner,
    SubjectDirectory,
)
from services.privacy.service_layer.publishing import PrivacyEvents


@dataclass(frozen=True, slots=True)
class PrivacyDependencies:
    store: PrivacyStore
    keys: KeyShredder
    copies: CopySealer
    subjects: SubjectDirectory
    decryptor: Decryptor
    signer: ReceiptSigner
    events: PrivacyEvents
    rules: PrivacyRules
    scrubber: Scrubber
    clock: Clock
    # The key epoch open now: when an erasure's residual copies stop being readable.
    epochs: EpochSource
    # An item expired longer ago than this was missed by the scheduled sweep: overdue.
    sweep_interval: timedelta
    # One sweep or erasure at a time per process: both decide from the same holds and cases.
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
