"""Every event type caselog's services send each other, one declaration per type and version.

The declaration says what a consumer may rely on: who produces the event, on which topic, what
its message key is, and (through the committed JSON Schema `schemas/<type>/<version>.json`,
exported from the producer's own model) its payload and which fields are personal. The
producer's model stays the producer's (it is also what intake validates a request with, what
privacy's domain works with); no service imports another's code, and CI holds both ends to the
committed schema: the producer's model may only change compatibly, every consumer's read model
must be able to read it (`shared.contracts.reading.check_reads`).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from shared.errors import CaselogError


class ContractError(CaselogError):
    """A declaration or a reader that does not fit the catalogue (a wiring mistake)."""


class MessageKey(StrEnum):
    """How the envelope's message key is chosen, and so what stays in order on a partition."""

    SUBJECT_OR_CASE = "subject_or_case"  # the subject where known, else the case
    CASE = "case"  # the case (a compacted topic keeps the newest per case)


@dataclass(frozen=True, slots=True)
class EventContract:
    """One version of one event type."""

    type: str
    version: int
    producer: str
    topic: str
    summary: str
    key: MessageKey = MessageKey.SUBJECT_OR_CASE

    @property
    def name(self) -> str:
        return f"{self.type} v{self.version}"


INTAKE_TOPIC = "caselog.intake"
POLICY_TOPIC = "caselog.policy"
RECORDS_TOPIC = "caselog.records"
PRIVACY_TOPIC = "caselog.privacy"


def _intake(event_type: str, summary: str) -> EventContract:
    return EventContract(event_type, 1, "intake", INTAKE_TOPIC, summary)


def _privacy(event_type: str, summary: str, version: int = 1) -> EventContract:
    return EventContract(event_type, version, "privacy", PRIVACY_TOPIC, summary)


CONTRACTS: tuple[EventContract, ...] = (
    _intake("consultation.received", "a consultation opened a case (its first event)"),
    _intake("contact.logged", "a follow-up on a case: the customer again, or an agent's answer"),
    _intake("closure.requested", "someone asked to close the case, with the reason"),
    _intake("recording.attached", "a call recording's reference and digest (never the audio)"),
    _intake("subject.linked", "identities of one consultation led to several subjects: one person"),
    EventContract(
        "policy.decided", 1, "policy", POLICY_TOPIC, "policy's decision on a consultation/contact"
    ),
    EventContract(
        "closure.decided", 1, "policy", POLICY_TOPIC, "policy's decision on a close request"
    ),
    EventContract(
        "access.recorded", 1, "records", RECORDS_TOPIC, "a read that revealed personal data"
    ),
    EventContract(
        "records.acknowledged",
        1,
        "records",
        RECORDS_TOPIC,
        "an event is in the log: its position and the latest signed checkpoint",
        MessageKey.CASE,
    ),
    _privacy("hold.placed", "a legal hold placed on a case or a subject"),
    _privacy("hold.release_requested", "two-person rule: a first person asked to release a hold"),
    _privacy("hold.released", "a legal hold released"),
    _privacy("case.anonymized", "v1: the anonymized copy itself in the log (read, never written)"),
    _privacy("case.anonymized", "the case anonymized; its copy sealed in privacy's store", 2),
    _privacy("anonymized_copy.corrected", "an anonymized copy replaced by a corrected version"),
    _privacy("anonymized_copy.withdrawn", "an anonymized copy taken out of business use"),
    _privacy("subject.erased", "a subject's case erased (its key destroyed), one per case"),
    _privacy("access.exported", "an access request answered with an export"),
    _privacy("retention.swept", "what one retention sweep did"),
    _privacy("keys.epoch_closed", "a key epoch closed: live keys re-wrapped, the old KEK gone"),
)


class Catalogue:
    """The contracts by type and version."""

    def __init__(self, contracts: Iterable[EventContract]) -> None:
        self._by_key: dict[tuple[str, int], EventContract] = {}
        for contract in contracts:
            key = (contract.type, contract.version)
            if key in self._by_key:
                raise ContractError(f"{contract.name} is declared twice")
            self._by_key[key] = contract
        for event_type in self.types():
            versions = self.versions(event_type)
            if versions != list(range(1, len(versions) + 1)):
                raise ContractError(f"{event_type}: versions {versions} have a gap")

    def __iter__(self) -> "Iterable[EventContract]":
        return iter(sorted(self._by_key.values(), key=lambda c: (c.type, c.version)))

    def types(self) -> list[str]:
        return sorted({event_type for event_type, _ in self._by_key})

    def versions(self, event_type: str) -> list[int]:
        return sorted(version for kind, version in self._by_key if kind == event_type)

    def knows(self, event_type: str, version: int | None = None) -> bool:
        if version is None:
            return bool(self.versions(event_type))
        return (event_type, version) in self._by_key

    def get(self, event_type: str, version: int) -> EventContract:
        try:
            return self._by_key[(event_type, version)]
        except KeyError:
            raise ContractError(f"{event_type} v{version} is not a declared contract") from None

    def latest(self, event_type: str) -> EventContract:
        versions = self.versions(event_type)
        if not versions:
            raise ContractError(f"{event_type!r} is not a declared event type")
        return self._by_key[(event_type, versions[-1])]

    def produced_by(self, producer: str) -> list[str]:
        """The types `producer` publishes (each once, whatever its versions)."""
        return sorted({c.type for c in self._by_key.values() if c.producer == producer})

    def on_topic(self, topic: str) -> list[str]:
        return sorted({c.type for c in self._by_key.values() if c.topic == topic})


CATALOGUE = Catalogue(CONTRACTS)
"""Every contract; the one place an event type or version is declared."""

DECISION_TYPES: frozenset[str] = frozenset(CATALOGUE.produced_by("policy"))
"""Policy's decisions ({outcome, reasons[].rule, actions, policy_version}), every type."""


def by_type(types: Iterable[str]) -> Mapping[str, EventContract]:
    """The latest contract of each of `types` (a consumer's list checked against the catalogue)."""
    return {event_type: CATALOGUE.latest(event_type) for event_type in types}
