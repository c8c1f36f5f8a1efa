"""The ingress topic: platforms that publish to Kafka (Salesforce CDC, or our own format)."""

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence

from pydantic import ValidationError

from services.intake.adapters.platforms import salesforce
from services.intake.adapters.platforms.payload import json_object
from services.intake.domain.consultation import Consultation
from services.intake.service_layer.messages import (
    INGRESS_PLATFORM,
    Accepted,
    IntakeCommand,
    RecordConsultation,
)
from shared.bus.errors import BusError, PermanentHandlingError
from shared.bus.messages import ConsumedMessage
from shared.database import DatabaseUnavailableError
from shared.errors import CaselogError
from shared.validation import summarize

PLATFORM_HEADER = "caselog.platform"
# Their tickets arrive signed on their webhook routes; a message on the topic may not claim one.
WEBHOOK_PLATFORMS = frozenset({"zendesk", "freshdesk", "intercom"})
Handle = Callable[[IntakeCommand], Awaitable[Accepted]]


class InvalidIngressMessageError(PermanentHandlingError):
    """Retrying cannot help: the message goes to the dead-letter topic with this reason."""


def command_from(message: ConsumedMessage) -> IntakeCommand:
    """Map one ingress message by its `caselog.platform` header (default: our own JSON)."""
    platform = (message.header(PLATFORM_HEADER) or b"caselog").decode("ascii", "replace")
    try:
        if platform == "caselog":
            return _own_consultation(Consultation.model_validate_json(message.value))
        if platform == "salesforce":
            consultation = salesforce.normalize(json_object(message.value))
            return RecordConsultation(consultation, salesforce.PLATFORM)
    except ValidationError as error:
        raise InvalidIngressMessageError(f"invalid consultation: {summarize(error)}") from None
    except CaselogError as error:
        raise InvalidIngressMessageError(f"{platform}: {error}") from None
    # The header's value is the producer's and could be anything: it is not repeated.
    raise InvalidIngressMessageError(f"no ingress mapping for this {PLATFORM_HEADER} header")


def _own_consultation(consultation: Consultation) -> RecordConsultation:
    # The topic is written by trusted bridges only, so their platform names stand, except a
    # webhook platform's: those tickets are claimed by the signed webhook alone.
    named = consultation.source.platform
    if named in WEBHOOK_PLATFORMS:
        raise InvalidIngressMessageError(
            "source.platform: a webhook platform's tickets arrive on its webhook"
        )
    return RecordConsultation(consultation, named or INGRESS_PLATFORM)


def ingress_handler(handle: Handle) -> Callable[[Sequence[ConsumedMessage]], Awaitable[None]]:
    """The bus's batch handler: map each message, then record them (idempotent by the
    platform's ticket id), the messages of different keys at once, so that they share intake's
    group commits, and those of one key in their order. A message that cannot be mapped or
    recorded fails the batch; the bus then hands it over one message at a time, and only that
    one reaches the DLQ (the others are found recorded)."""

    async def handle_message(message: ConsumedMessage) -> None:
        command = command_from(message)
        try:
            await handle(command)
        except CaselogError as error:
            if isinstance(error, PermanentHandlingError) or not _retryable(error):
                raise InvalidIngressMessageError(str(error)) from None
            raise

    async def in_order(messages: list[ConsumedMessage]) -> None:
        for message in messages:
            await handle_message(message)

    async def handle_batch(batch: Sequence[ConsumedMessage]) -> None:
        by_key: dict[bytes | None, list[ConsumedMessage]] = defaultdict(list)
        for message in batch:
            by_key[message.key].append(message)
        outcomes = await asyncio.gather(
            *(in_order(messages) for messages in by_key.values()), return_exceptions=True
        )
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome

    return handle_batch


def _retryable(error: CaselogError) -> bool:
    # Bus or database outages pass; a refusal of the content (bad phone...) never will.
    return isinstance(error, BusError | DatabaseUnavailableError)
