"""The decision store in SQL (SQLite or PostgreSQL), on one unit of work's connection: processed
inputs keyed by event id, subject states replaced by compare-and-set; erasures drop states and
the erased cases' decision messages, and leave a marker."""

import json
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, case, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from services.policy.adapters.tables import erased_keys, processed_events, subject_states
from services.policy.domain.state import SubjectState, case_key
from services.policy.service_layer.errors import StateConflictError
from services.policy.service_layer.messages import ForgetErasedCases
from services.policy.service_layer.ports import DecidedInput, NextState, Processed, StoredState
from shared.bus.messages import OutgoingMessage, decode_headers, encode_headers
from shared.envelope import utc_now


class SqlDecisionStore:
    """`DecisionStore` on `connection`, inside the transaction its unit of work opened."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def processed(self, event_id: str) -> Processed | None:
        return (await self.processed_among([event_id])).get(event_id)

    async def processed_among(self, event_ids: Collection[str]) -> dict[str, Processed]:
        if not event_ids:
            return {}
        query = select(processed_events).where(processed_events.c.event_id.in_(event_ids))
        return {row.event_id: _processed(row) for row in await self._connection.execute(query)}

    async def state(self, subject_key: str, erasure_keys: Sequence[str] = ()) -> StoredState:
        loaded = (await self.states([subject_key]))[subject_key]
        if erasure_keys and await self.erased_among(erasure_keys):
            return StoredState(loaded.state, loaded.version, erased=True)
        return loaded

    async def states(self, subject_keys: Collection[str]) -> dict[str, StoredState]:
        if not subject_keys:
            return {}
        columns = subject_states.c
        query = select(columns.subject_key, columns.version, columns.state).where(
            columns.subject_key.in_(subject_keys)
        )
        stored = {
            row.subject_key: StoredState(SubjectState.model_validate_json(row.state), row.version)
            for row in await self._connection.execute(query)
        }
        return {key: stored.get(key, StoredState(SubjectState())) for key in subject_keys}

    async def erased_among(self, erasure_keys: Collection[str]) -> frozenset[str]:
        if not erasure_keys:
            return frozenset()
        column = erased_keys.c.erased_key
        query = select(column).where(column.in_(erasure_keys))
        return frozenset((await self._connection.execute(query)).scalars())

    async def record_all(self, outcomes: Sequence[DecidedInput]) -> None:
        if not outcomes:
            return
        now = utc_now()
        rows = [_record_row(outcome, now) for outcome in outcomes]
        try:
            await self._connection.execute(insert(processed_events), rows)
        except IntegrityError:
            # Recorded by another instance since it was read: this transaction cannot go on (on
            # PostgreSQL it is aborted), so the retry finds the record and re-sends its message.
            raise StateConflictError("an input was recorded concurrently; retrying") from None

    async def replace_states(self, states: Sequence[NextState]) -> None:
        """New states in one INSERT (a racing creator fails it on the key); stored ones in one
        UPDATE whose rows match only at the version read, so a count short of all of them is a
        state that moved on, and nothing of the statement is kept (the transaction is dropped).
        The INSERTs are executemany: compiled once and cached whatever the batch's size."""
        now = utc_now()
        created = [next_state for next_state in states if next_state.loaded.version == 0]
        replaced = {
            next_state.subject_key: next_state for next_state in states if next_state.loaded.version
        }
        if created:
            rows = [
                {
                    "subject_key": next_state.subject_key,
                    "state": next_state.state.model_dump_json(),
                    "updated_at": now,
                    "version": 1,
                }
                for next_state in created
            ]
            try:
                await self._connection.execute(insert(subject_states), rows)
            except IntegrityError:
                raise StateConflictError("a state was created concurrently; retrying") from None
        if replaced:
            columns = subject_states.c
            json_of = {key: value.state.model_dump_json() for key, value in replaced.items()}
            version_of = {key: value.loaded.version for key, value in replaced.items()}
            result = await self._connection.execute(
                update(subject_states)
                .where(columns.subject_key.in_(replaced))
                .where(columns.version == case(version_of, value=columns.subject_key))
                .values(
                    state=case(json_of, value=columns.subject_key),
                    version=columns.version + 1,
                    updated_at=now,
                )
            )
            if result.rowcount != len(replaced):
                raise StateConflictError("a state changed since it was read; retrying")

    async def forget(self, erasure: ForgetErasedCases) -> None:
        case_keys = [case_key(case_id) for case_id in erasure.case_ids]
        subjects = erasure.subject_ids if erasure.complete else ()
        try:
            await self._mark_erased([*case_keys, *subjects])
        except IntegrityError:
            # Another instance marked the same erasure first; the retry finds it done.
            raise StateConflictError("erasure recorded concurrently; retrying") from None
        if case_keys:
            await self._connection.execute(
                delete(subject_states).where(subject_states.c.subject_key.in_(case_keys))
            )
        for subject_id in erasure.subject_ids:
            await self._prune(subject_id, erasure)
        await self._forget_decisions(erasure, case_keys)

    async def _mark_erased(self, keys: Sequence[str]) -> None:
        query = select(erased_keys.c.erased_key).where(erased_keys.c.erased_key.in_(keys))
        known = set((await self._connection.execute(query)).scalars())
        now = utc_now()
        for key in dict.fromkeys(keys):
            if key not in known:
                await self._connection.execute(
                    insert(erased_keys).values(erased_key=key, erased_at=now)
                )

    async def _prune(self, subject_id: str, erasure: ForgetErasedCases) -> None:
        """The subject's state without the erased cases; the row goes when nothing is left. By
        compare-and-set, so a decision built on the state read before the erasure is refused."""
        loaded = await self.state(subject_id)
        if loaded.version == 0:
            return
        left = SubjectState() if erasure.complete else loaded.state.without_cases(erasure.case_ids)
        if left == loaded.state:
            return
        if left != SubjectState():
            await self.replace_states([NextState(subject_id, loaded, left)])
            return
        result = await self._connection.execute(
            delete(subject_states)
            .where(subject_states.c.subject_key == subject_id)
            .where(subject_states.c.version == loaded.version)
        )
        if result.rowcount != 1:
            raise StateConflictError(f"state of {subject_id} changed; retrying")

    async def _forget_decisions(self, erasure: ForgetErasedCases, case_keys: Sequence[str]) -> None:
        """The decision messages kept for re-sending, of the erased cases: they cite offsets
        into text that is now erased, and the terms found there. The rows stay, without the
        message, so a redelivered input of an erased case is still known as processed: it is
        neither decided again nor answered with a decision."""
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
            for row in await self._connection.execute(query)
            if row.subject_key in whole
            or row.subject_key in case_keys
            or json.loads(row.output_value).get("case_id") in erased_cases
        ]
        if forgotten:
            await self._connection.execute(
                update(processed_events)
                .where(columns.event_id.in_(forgotten))
                .values(output_topic=None, output_key=None, output_value=None, output_headers=None)
            )


def _processed(row: Row[Any]) -> Processed:
    if row.output_topic is None:
        return Processed(None)
    headers = decode_headers(row.output_headers or "[]")
    return Processed(OutgoingMessage(row.output_topic, row.output_value, row.output_key, headers))


def _record_row(outcome: DecidedInput, now: datetime) -> dict[str, object]:
    output = outcome.output
    return {
        "event_id": outcome.event_id,
        "subject_key": outcome.subject_key,
        "output_topic": output.topic if output else None,
        "output_key": output.key if output else None,
        "output_value": output.value if output else None,
        "output_headers": encode_headers(output.headers) if output else None,
        "processed_at": now,
    }
