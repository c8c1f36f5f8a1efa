"""What intake's handlers are given: the ports they use and the topic they publish to."""

from dataclasses import dataclass

from services.intake.domain.client_times import ClientTimeRules
from services.intake.service_layer.outbox import OutboxRelay
from services.intake.service_layer.ports import CaseOpener, FieldEncryptor, Ledger, RequestDigests


@dataclass(frozen=True, slots=True)
class IntakeDependencies:
    ledger: Ledger
    encryptor: FieldEncryptor
    cases: CaseOpener
    relay: OutboxRelay
    topic: str
    request_digests: RequestDigests
    client_times: ClientTimeRules
