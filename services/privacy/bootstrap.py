"""Builds the privacy service from settings: its store and unit of work, key store, subject
index, rules, receipt signer and bus, wired into the dependencies every handler runs on.

Entry points (routes, the consumer, the schedules in `running`) hand messages to
`Privacy.handle`; tests pass a bus, a clock, topics and a consumer group of their own.
"""

import asyncio
import contextlib
import tomllib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TypeVar, cast

from services.privacy.adapters.copy_keys import SealedCopies, seal_plaintext_copies
from services.privacy.adapters.personal_data import CodecDecryptor, IndexedSubjects
from services.privacy.adapters.signing import NoteReceiptSigner, load_receipt_signer
from services.privacy.adapters.store import SqlPrivacyStore, SqlUnitOfWork
from services.privacy.domain.errors import RulesError
from services.privacy.domain.rules import PrivacyRules, privacy_rules
from services.privacy.domain.scrubber import Scrubber
from services.privacy.service_layer.epochs import close_epochs_when_due
from services.privacy.service_layer.handlers import HANDLERS
from services.privacy.service_layer.messages import CloseKeyEpoch, Message, RunSweep
from services.privacy.service_layer.ports import Clock, PrivacyDependencies
from services.privacy.service_layer.retention import sweep_every
from shared.crypto.runtime import PersonalData, build_personal_data
from shared.envelope import utc_now
from shared.infrastructure import Infrastructure, build_infrastructure
from shared.settings import DEFAULT_TOPICS, CaselogSettings, TopicNames

CONSUMER_GROUP = "caselog-privacy"
SCHEDULER = "privacy:schedule"
EPOCH_SCHEDULER = "privacy:epoch-schedule"

ResultT = TypeVar("ResultT")


@dataclass(frozen=True, slots=True)
class Topics:
    """The topics privacy reads (and, `privacy`, writes); the names: settings.topics."""

    intake: str = DEFAULT_TOPICS.intake
    policy: str = DEFAULT_TOPICS.policy
    privacy: str = DEFAULT_TOPICS.privacy
    records: str = DEFAULT_TOPICS.records

    @classmethod
    def named(cls, names: TopicNames) -> "Topics":
        return cls(names.intake, names.policy, names.privacy, names.records)


@dataclass(frozen=True, slots=True)
class Privacy:
    """The privacy service, wired: entry points hand it messages (`handle`)."""

    settings: CaselogSettings
    infrastructure: Infrastructure
    personal: PersonalData
    store: SqlPrivacyStore
    topics: Topics
    deps: PrivacyDependencies
    signer: NoteReceiptSigner
    consumer_group: str

    async def handle(self, message: Message[ResultT]) -> ResultT:
        """The message handled by its handler in privacy's table, with privacy's dependencies."""
        return cast(ResultT, await HANDLERS.handle(message, self.deps))

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Create tables, then sweep and close key epochs on schedule until shutdown."""
        await self.personal.start()
        await self.store.create_tables()
        await seal_plaintext_copies(self.infrastructure.engine, self.deps.copies)
        stop = asyncio.Event()

        async def sweep() -> None:
            await self.handle(RunSweep(actor=SCHEDULER))

        async def close_epoch(number: int) -> None:
            await self.handle(CloseKeyEpoch(actor=EPOCH_SCHEDULER, if_open=number))

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
    engine = infra.engine
    store = SqlPrivacyStore(engine)
    deps = PrivacyDependencies(
        store=store,
        unit_of_work=lambda: SqlUnitOfWork(engine),
        keys=personal_data.keys,
        copies=SealedCopies(personal_data.keys),
        subjects=IndexedSubjects(personal_data.subjects),
        decryptor=CodecDecryptor(personal_data.codec, personal_data.keys),
        signer=signer,
        publisher=infra.bus,
        privacy_topic=chosen.privacy,
        rules=rules,
        scrubber=Scrubber(rules.person_names),
        clock=clock,
        epochs=personal_data.keys,  # the key store's epochs (shared/crypto/epoch_rows.py)
        sweep_interval=timedelta(seconds=settings.privacy_sweep_interval_s),
    )
    return Privacy(settings, infra, personal_data, store, chosen, deps, signer, consumer_group)


def load_rules(path: Path | None) -> PrivacyRules:
    """Privacy's rules file (TOML); without one, the built-in defaults apply."""
    if path is None:
        return PrivacyRules()
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise RulesError(f"cannot read privacy rules {path}: {error}") from None
    try:
        return privacy_rules(document)
    except RulesError as error:
        raise RulesError(f"{path}: {error}") from None
