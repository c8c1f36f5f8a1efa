"""The ingress dead-letter quarantine: a poison message is kept on `caselog.ingress.dlq` only
encrypted, under a key of its own in the key store, tagged with the subjects its identities
resolve to. Destroying the key (on erasure of a tagged subject, or once the DLQ retention
has passed) leaves the dead letter unreadable, in the topic and in every copy of it.
"""

import json
from datetime import datetime, timedelta
from typing import Any
from uuid import uuid4

import structlog
from sqlalchemy import Column, MetaData, String, Table, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.bus.delivery import (
    DLQ_HEADER_ERROR,
    DLQ_HEADER_ERROR_TYPE,
    DLQ_HEADER_GROUP,
    DLQ_HEADER_OFFSET,
    DLQ_HEADER_PARTITION,
    DLQ_HEADER_TOPIC,
)
from shared.bus.messages import OutgoingMessage
from shared.crypto.ciphertext import FieldBinding, open_sealed, parse, seal
from shared.crypto.errors import InvalidIdentityError
from shared.crypto.identities import IdentityKey, email_identity, phone_identity
from shared.crypto.key_store import KeyStore
from shared.crypto.subjects import SubjectIndex
from shared.envelope import utc_now
from shared.sql_types import UtcDateTime

log = structlog.get_logger(__name__)

QUARANTINE_FORMAT = "caselog.quarantine.v1"
KEY_PREFIX = "quarantine:"
ACTOR = "intake"
# Headers that tell an operator where a dead letter came from and why; nothing of its content.
KEPT_HEADERS = frozenset(
    {
        "caselog.platform",
        DLQ_HEADER_TOPIC,
        DLQ_HEADER_PARTITION,
        DLQ_HEADER_OFFSET,
        DLQ_HEADER_GROUP,
        DLQ_HEADER_ERROR,
        DLQ_HEADER_ERROR_TYPE,
    }
)
# Where our JSON and Salesforce CDC carry the customer's e-mail and phone.
IDENTITY_PATHS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("email", ("customer", "email")),
    ("phone", ("customer", "phone")),
    ("email", ("data", "payload", "SuppliedEmail")),
    ("phone", ("data", "payload", "SuppliedPhone")),
)

metadata = MetaData()
quarantined = Table(
    "intake_quarantine",
    metadata,
    Column("quarantine_id", String(64), primary_key=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
)
# Subject ids are random (never personal): what an erasure names.
quarantine_subjects = Table(
    "intake_quarantine_subjects",
    metadata,
    Column("quarantine_id", String(64), primary_key=True),
    Column("subject_id", String(64), primary_key=True, index=True),
)


class Quarantine:
    """Seals ingress dead letters (a `DeliveryPolicy.seal_dead_letter`) and destroys their keys."""

    def __init__(
        self,
        engine: AsyncEngine,
        keys: KeyStore,
        subjects: SubjectIndex,
        retention: timedelta,
        phone_region: str = "JP",
    ) -> None:
        self._engine = engine
        self._keys = keys
        self._subjects = subjects
        self._retention = retention
        self._region = phone_region

    async def create_tables(self) -> None:
        async with self._engine.begin() as connection:
            await connection.run_sync(metadata.create_all)

    async def seal(self, dead: OutgoingMessage) -> OutgoingMessage:
        """The dead letter with its value encrypted under a new quarantine key, the original
        key dropped (producers may key by e-mail) and only the origin headers kept."""
        quarantine_id = uuid4().hex
        key_name = KEY_PREFIX + quarantine_id
        subject_ids = await self._subjects_in(dead.value)
        now = utc_now()
        async with self._engine.begin() as connection:
            await connection.execute(
                insert(quarantined).values(
                    quarantine_id=quarantine_id,
                    created_at=now,
                    expires_at=now + self._retention,
                )
            )
            if subject_ids:
                await connection.execute(
                    insert(quarantine_subjects),
                    [{"quarantine_id": quarantine_id, "subject_id": s} for s in subject_ids],
                )
        data_key = await self._keys.create_or_get(key_name)
        binding = FieldBinding(case_id=key_name, event_id=quarantine_id, path="value")
        document = {
            "format": QUARANTINE_FORMAT,
            "quarantine_id": quarantine_id,
            "value": seal(data_key, dead.value, binding),
        }
        headers = tuple((name, value) for name, value in dead.headers if name in KEPT_HEADERS)
        log.info("ingress dead letter quarantined", subjects=len(subject_ids))
        return OutgoingMessage(dead.topic, json.dumps(document).encode(), None, headers)

    async def open(self, value: bytes) -> bytes:
        """The original bytes of a sealed dead letter (to inspect or replay it); raises
        KeyDestroyedError once its key is gone."""
        document = json.loads(value)
        quarantine_id = str(document["quarantine_id"])
        key_name = KEY_PREFIX + quarantine_id
        binding = FieldBinding(case_id=key_name, event_id=quarantine_id, path="value")
        data_key = await self._keys.get(key_name)
        return open_sealed(data_key, parse(document["value"], "value"), binding)

    async def destroy_for_subjects(self, subject_ids: tuple[str, ...], reason: str) -> int:
        """Destroy the keys of every dead letter tagged with one of `subject_ids`; idempotent."""
        if not subject_ids:
            return 0
        query = select(quarantine_subjects.c.quarantine_id).where(
            quarantine_subjects.c.subject_id.in_(subject_ids)
        )
        return await self._destroy(query, reason)

    async def destroy_expired(self, now: datetime | None = None) -> int:
        """Destroy the keys of dead letters older than the DLQ retention."""
        query = select(quarantined.c.quarantine_id).where(
            quarantined.c.expires_at <= (now or utc_now())
        )
        return await self._destroy(query, "ingress DLQ retention passed")

    async def _destroy(self, query: Any, reason: str) -> int:
        async with self._engine.connect() as connection:
            ids = sorted({row[0] for row in await connection.execute(query)})
        if not ids:
            return 0
        await self._keys.destroy_many([KEY_PREFIX + i for i in ids], actor=ACTOR, reason=reason)
        async with self._engine.begin() as connection:
            await connection.execute(
                delete(quarantine_subjects).where(quarantine_subjects.c.quarantine_id.in_(ids))
            )
            await connection.execute(
                delete(quarantined).where(quarantined.c.quarantine_id.in_(ids))
            )
        return len(ids)

    async def _subjects_in(self, value: bytes) -> list[str]:
        found: list[str] = []
        for identity in self._identities(value):
            subject_id = await self._subjects.lookup(identity)
            if subject_id is not None and subject_id not in found:
                found.append(subject_id)
        return found

    def _identities(self, value: bytes) -> list[IdentityKey]:
        try:
            document = json.loads(value)
        except (UnicodeDecodeError, ValueError, RecursionError):
            return []  # not JSON: nothing to match; the key expires with the DLQ retention
        identities = []
        for kind, path in IDENTITY_PATHS:
            raw = _at(document, path)
            if not isinstance(raw, str):
                continue
            try:
                identities.append(
                    email_identity(raw) if kind == "email" else phone_identity(raw, self._region)
                )
            except InvalidIdentityError:
                continue
        return identities


def _at(document: Any, path: tuple[str, ...]) -> Any:
    for part in path:
        if not isinstance(document, dict):
            return None
        document = document.get(part)
    return document
