"""The policy file read at start-up (any problem stops the service, naming the file and every
problem by its path in the file), and every policy version this service has run, kept by its
hash: the file text for people, the canonical JSON (which the hash is over) to load the exact
policy again for replay."""

import json
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from services.policy.adapters.tables import policy_versions
from services.policy.domain.errors import PolicyFileError
from services.policy.domain.policy import Policy
from services.policy.domain.policy_file import load_policy
from services.policy.service_layer.errors import PolicySourceError, UnknownPolicyVersionError
from services.policy.service_layer.ports import LoadedPolicy, StoredPolicy
from shared.envelope import utc_now


def read_policy_file(path: Path) -> LoadedPolicy:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise PolicySourceError(f"cannot read policy file {path}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise PolicySourceError(f"policy file {path} is not UTF-8 text") from None
    try:
        return LoadedPolicy(load_policy(text), text)
    except PolicyFileError as error:
        raise PolicySourceError(f"policy file {path} cannot be used: {error}") from None


class SqlPolicyVersions:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._policies: dict[str, Policy] = {}  # versions are immutable: safe to keep

    async def remember(self, loaded: LoadedPolicy) -> None:
        """Keep this version's text (the first text seen of a version is kept)."""
        self._policies[loaded.version] = loaded.policy
        if await self.stored(loaded.version) is not None:
            return
        row = {
            "version": loaded.version,
            "file_text": loaded.text,
            "canonical_json": loaded.policy.canonical_json(),
            "first_seen_at": utc_now(),
        }
        try:
            async with self._engine.begin() as connection:
                await connection.execute(insert(policy_versions).values(**row))
        except IntegrityError:
            return  # another instance started with the same version at the same moment

    async def stored(self, version: str) -> StoredPolicy | None:
        query = select(policy_versions).where(policy_versions.c.version == version)
        async with self._engine.connect() as connection:
            row = (await connection.execute(query)).first()
        if row is None:
            return None
        return StoredPolicy(row.version, row.file_text, row.canonical_json, row.first_seen_at)

    async def policy(self, version: str) -> Policy:
        """The policy of a version seen before; UnknownPolicyVersionError otherwise."""
        if (known := self._policies.get(version)) is not None:
            return known
        stored = await self.stored(version)
        if stored is None:
            raise UnknownPolicyVersionError(version)
        policy = Policy.model_validate(json.loads(stored.canonical_json))
        if policy.version != version:
            # The engine changed how it reads a policy since this version was stored; using
            # it would make decisions that version never made.
            raise UnknownPolicyVersionError(version)
        self._policies[version] = policy
        return policy
