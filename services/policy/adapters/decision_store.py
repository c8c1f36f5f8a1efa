"""The decision store in SQL (SQLite or PostgreSQL): processed inputs keyed by event id and
subject states replaced by compare-and-set, written together in one transaction."""

import base64
import json

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.policy.adapters.tables import processed_events, subject_states
from services.policy.service_layer.errors import StateConflictError
from services.policy.service_layer.ports import Processed, StoredState
from services.policy.service_layer.state import SubjectState
from shared.bus.messages import Headers, OutgoingMessage
from shared.envelope import utc_now


class SqlDecisionStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def recall(self, event_id: str, subject_key: str) -> Processed | StoredState:
        """One connection for the two reads every input needs (this runs once per message)."""
        async with self._engine.connect() as connection:
            done = await _processed(connection, event_id)
            return done if done is not None else await _load(connection, subject_key)

    async def processed(self, event_id: str) -> Processed | None:
        async with self._engine.connect() as connection:
            return await _processed(connection, event_id)

    async def load(self, subject_key: str) -> StoredState:
        async with self._engine.connect() as connection:
            return await _load(connection, subject_key)

    async def save(
        self,
        event_id: str,
        subject_key: str,
        loaded: StoredState,
        state: SubjectState,
        output: OutgoingMessage | None,
    ) -> Processed:
        try:
            async with self._engine.begin() as connection:
                await connection.execute(
                    insert(processed_events).values(
                        event_id=event_id,
                        subject_key=subject_key,
                        output_topic=output.topic if output else None,
                        output_key=output.key if output else None,
                        output_value=output.value if output else None,
                        output_headers=_encode_headers(output.headers) if output else None,
                        processed_at=utc_now(),
                    )
                )
                await _replace_state(connection, subject_key, loaded.version, state)
        except IntegrityError:
            # Another instance recorded this event, or created this subject, first.
            found = await self.processed(event_id)
            if found is None:
                raise StateConflictError(f"state of {subject_key} changed; retrying") from None
            return found
        return Processed(output)


async def _processed(connection: AsyncConnection, event_id: str) -> Processed | None:
    query = select(processed_events).where(processed_events.c.event_id == event_id)
    row = (await connection.execute(query)).first()
    if row is None:
        return None
    if row.output_topic is None:
        return Processed(None)
    headers = _decode_headers(row.output_headers)
    return Processed(OutgoingMessage(row.output_topic, row.output_value, row.output_key, headers))


async def _load(connection: AsyncConnection, subject_key: str) -> StoredState:
    query = select(subject_states.c.version, subject_states.c.state).where(
        subject_states.c.subject_key == subject_key
    )
    row = (await connection.execute(query)).first()
    if row is None:
        return StoredState(SubjectState())
    return StoredState(SubjectState.model_validate_json(row.state), row.version)


async def _replace_state(
    connection: AsyncConnection, subject_key: str, version: int, state: SubjectState
) -> None:
    values = {"state": state.model_dump_json(), "updated_at": utc_now(), "version": version + 1}
    if version == 0:
        await connection.execute(insert(subject_states).values(subject_key=subject_key, **values))
        return
    result = await connection.execute(
        update(subject_states)
        .where(subject_states.c.subject_key == subject_key)
        .where(subject_states.c.version == version)
        .values(**values)
    )
    if result.rowcount != 1:
        raise StateConflictError(f"state of {subject_key} changed; retrying")


def _encode_headers(headers: Headers) -> str:
    return json.dumps([[name, base64.b64encode(value).decode()] for name, value in headers])


def _decode_headers(text: str | None) -> Headers:
    pairs = json.loads(text or "[]")
    return tuple((str(name), base64.b64decode(value)) for name, value in pairs)
