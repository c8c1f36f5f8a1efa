"""caselog.policy as intake reads it for the platforms' status: each decision kept as the
case's latest (`GET /v1/cases/{id}`). Decoded through the contracts (`INTAKE_READS_DECISIONS`):
a type or version intake does not know is dead-lettered with the reason, never dropped."""

from collections.abc import Awaitable, Callable, Sequence

from pydantic import BaseModel, ConfigDict

from services.intake.adapters.decision_status import DecisionStatus, SqlDecisionStatuses
from shared.bus.messages import ConsumedMessage
from shared.contracts.policy import CLOSURE_DECIDED, POLICY_DECIDED
from shared.contracts.reading import ConsumerReads
from shared.envelope import decode_envelope


class _ReasonRead(BaseModel):
    """A reason's rule and article; its evidence and notes may quote the customer: not read."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    rule: str
    article: str


class _DecisionRead(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    outcome: str
    reasons: tuple[_ReasonRead, ...]
    actions: tuple[str, ...]
    policy_version: str


INTAKE_READS_DECISIONS = ConsumerReads(
    "intake-decision-status",
    reads={POLICY_DECIDED.type: _DecisionRead, CLOSURE_DECIDED.type: _DecisionRead},
)


def decision_status_handler(
    statuses: SqlDecisionStatuses,
) -> Callable[[Sequence[ConsumedMessage]], Awaitable[None]]:
    """The bus's batch handler: keep each decision if it is its case's newest, the batch's in
    one transaction. Idempotent."""

    async def handle_batch(batch: Sequence[ConsumedMessage]) -> None:
        kept = [status for message in batch if (status := _status(message)) is not None]
        await statuses.keep_all(kept)

    return handle_batch


def _status(message: ConsumedMessage) -> DecisionStatus | None:
    envelope = decode_envelope(message.value)
    read = INTAKE_READS_DECISIONS.decode(envelope)
    if not isinstance(read, _DecisionRead):
        return None
    return DecisionStatus(
        case_id=envelope.case_id,
        decision_id=str(envelope.event_id),
        decision_type=envelope.type,
        caused_by=envelope.causation_id,
        outcome=read.outcome,
        rules=tuple(reason.rule for reason in read.reasons),
        articles=tuple(dict.fromkeys(reason.article for reason in read.reasons)),
        actions=read.actions,
        policy_version=read.policy_version,
        decided_at=envelope.recorded_at,
    )
