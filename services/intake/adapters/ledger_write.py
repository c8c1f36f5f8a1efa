"""One transaction of intake's SQL ledger: a new case and its event, recorded at most once."""

from sqlalchemy.ext.asyncio import AsyncConnection

from services.intake.adapters.ledger_tables import (
    cases,
    find_accepted,
    outbox,
)
from services.intake.adapters.outbox_headers import event_type
from services.intake.domain.errors import InvalidRequestError
from services.intake.service_layer.commands import Accepted
from services.intake.service_layer.ports import CaseRef
from shared.bus.messages import OutgoingMessage, encode_headers
from shared.database import insert_or_ignore
from shared.envelope import utc_now


class SqlLedgerWrite:
    """One transaction's records; see `LedgerWrite`."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def record(
        self,
        key: str,
        accepted: Accepted,
        message: OutgoingMessage,
        new_case: CaseRef | None,
        request_digest: bytes | None = None,
    ) -> Accepted:
        # ON CONFLICT DO NOTHING, not an IntegrityError: the transaction stays usable to read
        # the first answer. A racing request's uncommitted row makes the insert wait for its
        # transaction to end, so that answer is committed (READ COMMITTED reads it).
        now = utc_now()
        if new_case is not None:
            opened = await self._connection.execute(
                insert_or_ignore(self._connection.dialect.name, cases),
                {
                    "case_id": new_case.case_id,
                    "subject_id": new_case.subject_id,
                    "platform": new_case.platform,
                    "external_id": new_case.external_id,
                    "opened_at": now,
                    "received_at": new_case.received_at,
                },
            )
            if opened.rowcount != 1:
                return await self._first_answer(key, request_digest)
        recorded = await self._connection.execute(
            insert_or_ignore(self._connection.dialect.name, outbox),
            {
                "key": key,
                "case_id": accepted.case_id,
                "event_id": accepted.event_id,
                "topic": message.topic,
                "event_type": event_type(message),
                "message_key": message.key,
                "value": message.value,
                "headers": encode_headers(message.headers),
                "recorded_at": now,
                "request_digest": request_digest,
            },
        )
        if recorded.rowcount == 1:
            return accepted
        return await self._first_answer(key, request_digest)

    async def _first_answer(self, key: str, request_digest: bytes | None) -> Accepted:
        found = await find_accepted(self._connection, key, request_digest)
        if found is None:
            # The ticket's case exists without an event under this key: not a retry of it.
            raise InvalidRequestError("source", "the ticket's case was recorded another way")
        return found
