"""A service's personal-data machinery, built once from settings: key store, index, codec."""

import asyncio
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.crypto.codec import FieldCodec
from shared.crypto.key_store import KeyStore
from shared.crypto.startup import load_epoch_keyring, load_keyring, load_pepper
from shared.crypto.subjects import SubjectIndex
from shared.crypto.tables import create_tables, crypto_tables
from shared.database import engine_for_url
from shared.settings import CaselogSettings


@dataclass(frozen=True, slots=True)
class PersonalData:
    """Everything that encrypts, decrypts, pseudonymizes or shreds, over one key-store database."""

    engine: AsyncEngine
    keys: KeyStore
    subjects: SubjectIndex
    codec: FieldCodec

    async def start(self) -> None:
        """Create the key-store tables if missing; several services may start at once."""
        for attempt in range(3):
            try:
                await create_tables(self.engine, crypto_tables())
                await self.keys.current_epoch()
                return
            except DBAPIError:
                # Two processes creating one table race in the catalogue; the loser retries
                # and then finds the table there.
                if attempt == 2:
                    raise
                await asyncio.sleep(0.2 * (attempt + 1))

    async def close(self) -> None:
        await self.engine.dispose()


def build_personal_data(settings: CaselogSettings) -> PersonalData:
    """Loads the keyrings and pepper (refusing development keys in production) and wires them."""
    engine = engine_for_url(settings.keystore_url)
    tables = crypto_tables()
    keys = KeyStore(
        engine,
        tables,
        load_epoch_keyring(settings.crypto, settings.keystore_url, settings.environment),
        fixed=load_keyring(settings.crypto, settings.environment),
        epoch_length=timedelta(seconds=settings.crypto.epoch_length_s),
        cache_size=settings.crypto.key_cache_size,
        cache_ttl_s=settings.crypto.key_cache_ttl_s,
    )
    subjects = SubjectIndex(engine, tables, load_pepper(settings.crypto, settings.environment))
    return PersonalData(engine, keys, subjects, FieldCodec(keys))
