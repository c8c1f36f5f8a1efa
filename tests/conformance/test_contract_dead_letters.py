"""A consumer decoding through the contracts dead-letters what it does not know, with the
reason in the DLQ headers, on Kafka and on the embedded bus alike (ids `kafka`, `embedded`)."""

from pydantic import BaseModel, ConfigDict

from shared.bus.envelopes import envelope_handler
from shared.contracts.reading import ConsumerReads, UnknownEventError
from shared.envelope import Envelope
from tests.conformance.conftest import BusBackend
from tests.conformance.running import running
from tests.contract_events import UNDECLARED_TYPE, dead_letters, unknown_event_messages


class _Linked(BaseModel):
    model_config = ConfigDict(extra="ignore")

    subject_id: str


READS = ConsumerReads(
    "contract-tests",
    reads={"subject.linked": _Linked},
    ignores=frozenset({"records.acknowledged"}),
)


async def test_an_unknown_type_and_an_unknown_version_reach_the_dlq_with_the_reason(
    backend: BusBackend,
) -> None:
    topic = await backend.topic()
    bus = await backend.new_bus()
    decoded: list[BaseModel | None] = []

    async def handle(envelope: Envelope) -> None:
        decoded.append(READS.decode(envelope))

    group = backend.group("contracts")
    for message in unknown_event_messages(topic, "subject.linked"):
        await bus.publish(message)
    async with running(bus.subscribe(group, [topic], envelope_handler(handle))):
        letters = await dead_letters(bus, topic, expected=2, group=group)

    assert decoded == []
    assert {letter.error_type for letter in letters} == {UnknownEventError.__name__}
    reasons = sorted(letter.reason for letter in letters)
    assert reasons == [
        f"contract-tests: event type '{UNDECLARED_TYPE}' is not declared in shared/contracts",
        "contract-tests: subject.linked v2 is not declared (known: v1)",
    ]
    assert not any("not read by anyone" in letter.reason for letter in letters)
