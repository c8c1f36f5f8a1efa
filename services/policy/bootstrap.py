"""Builds the policy service from settings: the policy file, its store, the intake reader, the
decision and erasure consumers. The policy file is read first, so a bad one stops start-up."""

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from services.policy.adapters.decision_store import SqlDecisionStore
from services.policy.adapters.intake_reader import IntakeEventReader
from services.policy.adapters.policy_source import read_policy_file
from services.policy.adapters.policy_versions import SqlPolicyVersions
from services.policy.adapters.tables import create_tables
from services.policy.service_layer.consuming import DecisionConsumer
from services.policy.service_layer.engine_thread import EngineThread
from services.policy.service_layer.erasing import ErasureConsumer
from services.policy.service_layer.ports import LoadedPolicy
from shared.bus.interface import Consumer
from shared.crypto.runtime import PersonalData, build_personal_data
from shared.infrastructure import Infrastructure, build_infrastructure
from shared.settings import DEFAULT_TOPICS, CaselogSettings, TopicNames


@dataclass(frozen=True, slots=True)
class PolicyTopics:
    """Where policy reads and writes (the names: settings.topics); tests run on prefixed copies
    of the real topics."""

    intake: str = DEFAULT_TOPICS.intake
    decisions: str = DEFAULT_TOPICS.policy
    group: str = "caselog-policy"
    privacy: str = DEFAULT_TOPICS.privacy
    # A group of its own: the erasure handler commits on its own, not in the decisions'
    # Kafka transactions, and must not share partitions with them.
    erasure_group: str = "caselog-policy-erasures"

    @classmethod
    def named(cls, names: TopicNames) -> "PolicyTopics":
        """The topics `names` gives (settings.topics), in the default groups."""
        return cls(intake=names.intake, decisions=names.policy, privacy=names.privacy)

    @classmethod
    def prefixed(cls, prefix: str) -> "PolicyTopics":
        real = cls()
        return cls(
            prefix + real.intake,
            prefix + real.decisions,
            prefix + real.group,
            prefix + real.privacy,
            prefix + real.erasure_group,
        )


@dataclass(frozen=True, slots=True)
class PolicyService:
    """The policy service, wired."""

    settings: CaselogSettings
    infrastructure: Infrastructure
    personal: PersonalData
    loaded: LoadedPolicy
    versions: SqlPolicyVersions
    reader: IntakeEventReader
    consumer: DecisionConsumer
    topics: PolicyTopics
    eraser: ErasureConsumer
    # The engine runs off the event loop: the consumer's decisions on one thread, the API's
    # evaluations and replays on another, so that callers of the API cannot queue ahead of
    # the decisions of intake's events.
    decision_thread: EngineThread
    request_thread: EngineThread

    def decision_consumer(self) -> Consumer:
        """The consume-decide-produce member (one Kafka transaction per batch)."""
        return self.infrastructure.bus.transform(
            self.topics.group, [self.topics.intake], self.consumer.transform
        )

    def erasure_consumer(self) -> Consumer:
        """Drops an erased subject's state on `subject.erased` (idempotent, at-least-once)."""
        return self.infrastructure.bus.subscribe(
            self.topics.erasure_group, [self.topics.privacy], self.eraser.handle
        )

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Create tables and record the policy version in force, before any decision."""
        await self.personal.start()
        try:
            await create_tables(self.infrastructure.engine)
            await self.versions.remember(self.loaded)
            yield
        finally:
            self.decision_thread.close()
            self.request_thread.close()
            await self.personal.close()


def bootstrap(
    settings: CaselogSettings,
    infrastructure: Infrastructure | None = None,
    personal: PersonalData | None = None,
    topics: PolicyTopics | None = None,
) -> PolicyService:
    loaded = read_policy_file(settings.policy_file)
    infra = infrastructure or build_infrastructure(settings)
    personal_data = personal or build_personal_data(settings)
    chosen = topics or PolicyTopics.named(settings.topics)
    reader = IntakeEventReader(personal_data.codec)
    store = SqlDecisionStore(infra.engine)
    decision_thread = EngineThread("policy-decisions")
    consumer = DecisionConsumer(loaded.policy, reader, store, chosen.decisions, decision_thread)
    versions = SqlPolicyVersions(infra.engine)
    eraser = ErasureConsumer(store, personal_data.keys)
    return PolicyService(
        settings,
        infra,
        personal_data,
        loaded,
        versions,
        reader,
        consumer,
        chosen,
        eraser,
        decision_thread,
        EngineThread("policy-requests"),
    )
