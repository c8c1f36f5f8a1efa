"""Builds the policy service from settings: the policy file, the unit of work over its store,
the intake reader, the handlers' dependencies and the two consumers. The policy file is read
first, so a bad one stops start-up. Tests pass their own infrastructure (bus, engine) here;
production passes nothing."""

import contextlib
import functools
from collections.abc import AsyncIterator
from dataclasses import dataclass

from services.policy.adapters.decision_store import SqlDecisionStore
from services.policy.adapters.policy_versions import SqlPolicyVersions, read_policy_file
from services.policy.adapters.read_models import IntakeEventReader
from services.policy.adapters.tables import create_tables
from services.policy.entrypoints import consumers
from services.policy.service_layer.handlers import EngineThread, PolicyDependencies
from services.policy.service_layer.ports import LoadedPolicy
from services.policy.service_layer.unit_of_work import PolicyUnitOfWork
from shared.bus.interface import Consumer
from shared.crypto.runtime import PersonalData, build_personal_data
from shared.infrastructure import Infrastructure, build_infrastructure
from shared.settings import DEFAULT_TOPICS, CaselogSettings, TopicNames


@dataclass(frozen=True, slots=True)
class PolicyTopics:
    """Where policy reads and writes; tests run on prefixed copies of the real topics."""

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
    """The policy service, wired: what its entry points hand to the handlers."""

    settings: CaselogSettings
    infrastructure: Infrastructure
    personal: PersonalData
    loaded: LoadedPolicy
    versions: SqlPolicyVersions
    topics: PolicyTopics
    deps: PolicyDependencies

    def decision_consumer(self) -> Consumer:
        """The consume-decide-produce member: each polled batch decided in one go, in one
        Kafka transaction (a failed batch is decided again one event at a time, by the bus)."""
        transform = functools.partial(consumers.decide, deps=self.deps)
        return self.infrastructure.bus.transform_batch(
            self.topics.group, [self.topics.intake], transform
        )

    def erasure_consumer(self) -> Consumer:
        """Forgets an erased subject's state on `subject.erased` (idempotent, at-least-once)."""
        handler = functools.partial(consumers.act_on_privacy, deps=self.deps)
        return self.infrastructure.bus.subscribe(
            self.topics.erasure_group, [self.topics.privacy], handler
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
            self.deps.decision_thread.close()
            self.deps.request_thread.close()
            await self.personal.close()


def bootstrap(
    settings: CaselogSettings,
    *,
    infrastructure: Infrastructure | None = None,
    personal: PersonalData | None = None,
    topics: PolicyTopics | None = None,
) -> PolicyService:
    loaded = read_policy_file(settings.policy_file)
    infra = infrastructure or build_infrastructure(settings)
    personal_data = personal or build_personal_data(settings)
    chosen = topics or PolicyTopics.named(settings.topics)
    versions = SqlPolicyVersions(infra.engine)
    deps = PolicyDependencies(
        policy=loaded.policy,
        unit_of_work=functools.partial(PolicyUnitOfWork, infra.engine, SqlDecisionStore),
        reader=IntakeEventReader(personal_data.codec),
        versions=versions,
        cached_keys=personal_data.keys,
        decisions_topic=chosen.decisions,
        decision_thread=EngineThread("policy-decisions"),
        request_thread=EngineThread("policy-requests"),
    )
    return PolicyService(settings, infra, personal_data, loaded, versions, chosen, deps)
