"""Test support: everything a database holds, as bytes, for scans for personal values."""

from sqlalchemy import text

from shared.database import engine_for_url


async def table_dump(database_url: str) -> bytes:
    """Every value of every table of the database, bytes as stored: what a scan searches."""
    engine = engine_for_url(database_url)
    dumped = bytearray()
    try:
        async with engine.connect() as connection:
            catalogue = text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            for name in list((await connection.execute(catalogue)).scalars()):
                query = text(f'SELECT * FROM "{name}"')
                for row in await connection.execute(query):
                    for value in row:
                        raw = value if isinstance(value, bytes) else str(value).encode()
                        dumped += raw + b"\n"
        return bytes(dumped)
    finally:
        await engine.dispose()
