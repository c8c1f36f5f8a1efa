"""Builds the privacy service from settings: store, key store, subject index, rules, signer."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

from services.privacy.adapters.copy_keys import SealedCopies
from services.privacy.adapters.personal_data import CodecDecryptor, IndexedSubjects
from services.privacy.adapters.plaintext_copies import seal_plaintext_copies
from services.privacy.adapters.rules_file import load_rules
from services.privacy.adapters.signing import NoteReceiptSigner, load_receipt_signer
from services.privacy.adapters.store import SqlPrivacyStore
from services.privacy.domain.scrubber import Scrubber
from services.privacy.service_layer.dependencies import PrivacyDependencies
from services.privacy.service_layer.key_epochs import close_epoch_now, close_epochs_when_due
from services.privacy.service_layer.ports import Clock
from services.privacy.service_layer.projection import Projection, Topics
from services.privacy.service_layer.publishing import PrivacyEvents
from services.privacy.service_layer.sweeping import RunSweep, run_sweep, sweep_every
from shared.crypto.runtime import PersonalData, build_personal_data
from shared.envelope import utc_now
from shared.infrastructure import Infrastructure, build_infrastructure
from shared.settings import CaselogSettings

CONSUMER_GROUP = "caselog-privacy"
SCHEDULER = "privacy:schedule"
EPOCH_SCHEDULER = "privacy:epoch-schedule"


@dataclass(frozen=True, slots=True)
class Privacy:
    """The privacy service, wired: entry points call its use cases with `deps`."""

    settings: CaselogSettings
    infrastructure: Infrastructure
    personal: PersonalData
    store: SqlPrivacyStore
    projection: Projection
    topics: Topics
    deps: PrivacyDependencies
    signer: NoteReceiptSigner
    consumer_group: str

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Create tables, then sweep and close key epochs on schedule until shutdown."""
        await self.personal.start()
        await self.store.create_tables()
        await seal_plaintext_copies(self.infrastructure.engine, self.deps.copies)
        stop = asyncio.Event()

        async def sweep() -> None:
            await run_sweep(self.deps, RunSweep(actor=SCHEDULER))

        async def close_epoch(number: int) -> None:
            await close_epoch_now(
                self.personal.keys, self.deps.events, actor=EPOCH_SCHEDULER, if_open=number
            )

        scheduled = [
            asyncio.create_task(sweep_every(self.settings.privacy_sweep_interval_s, sweep, stop)),
            asyncio.create_task(
                close_epochs_when_due(self.personal.keys, close_epoch, self.deps.clock, stop)
            ),
        ]
        try:
            yield
        finally:
            stop.set()
            await asyncio.gather(*scheduled)
            await self.personal.close()


def bootstrap(
    settings: CaselogSettings,
    infrastructure: Infrastructure | None = None,
    personal: PersonalData | None = None,
    *,
    clock: Clock = utc_now,
    topics: Topics | None = None,
    consumer_group: str = CONSUMER_GROUP,
) -> Privacy:
    """`clock`, `topics` and `consumer_group` are for tests (aging cases, isolated runs)."""
    infra = infrastructure or build_infrastructure(settings)
    personal_data = personal or build_personal_data(settings)
    rules = load_rules(settings.privacy_rules_file)
    signer = load_receipt_signer(settings)
    chosen = topics or Topics.named(settings.topics)
    store = SqlPrivacyStore(infra.engine)
    copies = SealedCopies(personal_data.keys)
    projection = Projection(store, personal_data.keys, copies, chosen, signer, clock)
    deps = PrivacyDependencies(
        store=store,
        keys=personal_data.keys,
        copies=copies,
        subjects=IndexedSubjects(personal_data.subjects),
        decryptor=CodecDecryptor(personal_data.codec, personal_data.keys),
        signer=signer,
        events=PrivacyEvents(infra.bus, projection, chosen.privacy, clock),
        rules=rules,
        scrubber=Scrubber(rules.person_names),
        clock=clock,
        epochs=personal_data.keys,  # the key store's epochs (shared/crypto/epoch_rows.py)
        sweep_interval=timedelta(seconds=settings.privacy_sweep_interval_s),
    )
    return Privacy(
        settings, infra, personal_data, store, projection, chosen, deps, signer, consumer_group
    )
