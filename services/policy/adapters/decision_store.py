"""The decision store in SQL (SQLite or PostgreSQL): processed inputs keyed by event id and
subject states replaced by compare-and-set, written together in one transaction; erasures
drop states and the erased cases' decision messages, and leave a marker."""

import json
from collections.abc import Sequence

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.policy.adapters.tables import erased_keys, processed_events, subject_states
from services.policy.service_layer.errors import StateConflictError
from services.policy.service_layer.events import case_key
from services.policy.service_layer.ports import Erasure, Processed, StoredState
from services.policy.service_layer.state import SubjectState
from shared.bus.messages import OutgoingMessage, decode_headers, encode_headers
from shared.envelope import utc_now


class SqlDecisionStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def recall(
        self, event_id: str, subject_key: str, erasure_keys: Sequence[str] = ()
    ) -> Processed | StoredState:
        """One connection for the reads every input needs (this runs once per message)."""
        async with self._engine.connect() as connection:
            done = await _processed(connection, event_id)
            if done is not None:
                return done
            loaded = await _load(connection, subject_key)
            if erasure_keys and await _any_erased(connection, erasure_keys):
                return StoredState(loaded.state, loaded.version, erased=True)
            return loaded

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
        state: SubjectState | None,
        output: OutgoingMessage | None,
        erasure_keys: Sequence[str] = (),
    ) -> Processed:
        try:
            async with self._engine.begin() as connection:
                if (
                    not loaded.erased
                    and erasure_keys
                    and await _any_erased(connection, erasure_keys)
                ):
                    # Erased since `recall`: a new subject's first state would be created, and
                    # the decision on erased text kept, after the erasure had dropped them.
                    raise StateConflictError("erased since the state was read; retrying")
                await connection.execute(
                    insert(processed_events).values(
                        event_id=event_id,
                        subject_key=subject_key,
                        output_topic=output.topic if output else None,
                        output_key=output.key if output else None,
                        output_value=output.value if output else None,
                        output_headers=encode_headers(output.headers) if output else None,
                        processed_at=utc_now(),
                    )
                )
                if state is not None:
                    await _replace_state(connection, subject_key, loaded.version, state)
        except IntegrityError:
            # Another instance recorded this event, or created this subject, first.
            found = await self.processed(event_id)
            if found is None:
                raise StateConflictError(f"state of {subject_key} changed; retrying") from None
            return found
        return Processed(output)

    async def forget(self, erasure: Erasure) -> None:
        case_keys = [case_key(case_id) for case_id in erasure.case_ids]
        subjects = erasure.subject_ids if erasure.complete else ()
        try:
            async with self._engine.begin() as connection:
                await _mark_erased(connection, [*case_keys, *subjects])
                if case_keys:
                    await connection.execute(
                        delete(subject_states).where(subject_states.c.subject_key.in_(case_keys))
                    )
                for subject_id in erasure.subject_ids:
                    await _prune(connection, subject_id, erasure)
                await _forget_decisions(connection, erasure, case_keys)
        except IntegrityError:
            # Another instance marked the same erasure first; the retry finds it done.
            raise StateConflictError("erasure recorded concurrently; retrying") from None


async def _processed(connection: AsyncConnection, event_id: str) -> Processed | None:
    query = select(processed_events).where(processed_events.c.event_id == event_id)
    row = (await connection.execute(query)).first()
    if row is None:
        return None
    if row.output_topic is None:
        return Processed(None)
    headers = decode_headers(row.output_headers or "[]")
    return Processed(OutgoingMessage(row.output_topic, row.output_value, row.output_key, headers))


async def _load(connection: AsyncConnection, subject_key: str) -> StoredState:
    query = select(subject_states.c.version, subject_states.c.state).where(
        subject_states.c.subject_key == subject_key
    )
    row = (await connection.execute(query)).first()
    if row is None:
        return StoredState(SubjectState())
    return StoredState(SubjectState.model_validate_json(row.state), row.version)


async def _any_erased(connection: AsyncConnection, keys: Sequence[str]) -> bool:
    query = select(erased_keys.c.erased_key).where(erased_keys.c.erased_key.in_(keys)).limit(1)
    return (await connection.execute(query)).first() is not None


async def _mark_erased(connection: AsyncConnection, keys: Sequence[str]) -> None:
    query = select(erased_keys.c.erased_key).where(erased_keys.c.erased_key.in_(keys))
    known = set((await connection.execute(query)).scalars())
    now = utc_now()
    for key in dict.fromkeys(keys):
        if key not in known:
            await connection.execute(insert(erased_keys).values(erased_key=key, erased_at=now))


async def _prune(connection: AsyncConnection, subject_id: str, erasure: Erasure) -> None:
    """The subject's state without the erased cases; the row goes when nothing is left. By
    compare-and-set, so a decision built on the state read before the erasure is refused."""
    loaded = await _load(connection, subject_id)
    if loaded.version == 0:
        return
    left = SubjectState() if erasure.complete else loaded.state.without_cases(erasure.case_ids)
    if left == loaded.state:
        return
    if left != SubjectState():
        await _replace_state(connection, subject_id, loaded.version, left)
        return
    result = await connection.execute(
        delete(subject_states)
        .where(subject_states.c.subject_key == subject_id)
        .where(subject_states.c.version == loaded.version)
    )
    if result.rowcount != 1:
        raise StateConflictError(f"state of {subject_id} changed; retrying")


async def _forget_decisions(
    connection: AsyncConnection, erasure: Erasure, case_keys: Sequence[str]
) -> None:
    """The decision messages kept for re-sending, of the erased cases: they cite offsets into
    text that is now erased, and the terms found there. The rows stay, without the message,
    so a redelivered input of an erased case is still known as processed: it is neither
    decided again nor answered with a decision (see `ErasureConsumer`)."""
    whole = set(erasure.subject_ids) if erasure.complete else set()
    erased_cases = set(erasure.case_ids)
    columns = processed_events.c
    query = (
        select(columns.event_id, columns.subject_key, columns.output_value)
        .where(columns.subject_key.in_([*erasure.subject_ids, *case_keys]))
        .where(columns.output_value.is_not(None))
    )
    forgotten = [
        row.event_id
        for row in await connection.execute(query)
        if row.subject_key in whole
        or row.subject_key in case_keys
        or json.loads(row.output_value).get("case_id") in erased_cases
    ]
    if forgotten:
        await connection.execute(
            update(processed_events)
            .where(columns.event_id.in_(forgotten))
            .values(output_topic=None, output_key=None, output_value=None, output_headers=None)
        )


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
