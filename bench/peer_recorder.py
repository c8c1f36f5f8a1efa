"""The peer of B4: the eventsourcing library's PostgreSQL recorder, given the same events."""

import importlib.metadata
from collections.abc import Sequence
from uuid import uuid4

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from sqlalchemy.engine import make_url

NAME = f"eventsourcing {importlib.metadata.version('eventsourcing')} PostgresApplicationRecorder"


class PeerRecorder:
    """One datastore (one connection, as the library's default pool) on the run's database."""

    def __init__(self, database_url: str) -> None:
        url = make_url(database_url)
        self._datastore = PostgresDatastore(
            dbname=url.database or "",
            host=url.host or "127.0.0.1",
            port=url.port or 5432,
            user=url.username or "",
            password=url.password or "",
            originator_id_type="text",  # our case ids are not UUIDs
        )

    def new_table(self) -> PostgresApplicationRecorder:
        recorder = PostgresApplicationRecorder(
            self._datastore, events_table_name=f"es_{uuid4().hex[:12]}"
        )
        recorder.create_table()
        return recorder

    def close(self) -> None:
        self._datastore.close()


def as_stored_event(case_id: str, case_position: int, event_type: str, leaf: bytes) -> StoredEvent:
    """Our event in the library's terms: the case is the aggregate, the leaf its state."""
    return StoredEvent(
        originator_id=case_id, originator_version=case_position, topic=event_type, state=leaf
    )


def insert_all(
    recorder: PostgresApplicationRecorder, events: Sequence[StoredEvent], batch: int
) -> None:
    for start in range(0, len(events), batch):
        recorder.insert_events(events[start : start + batch])
