"""A PostgreSQL server of the test's own, whose data directory and WAL it may read byte by byte:
the shared server serves every other test. The same `deploy/postgres/postgres.sh` as
`make postgres`, on a free port, with its cluster in a folder of the test's own."""

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from tests.e2e.broker import free_port
from tests.support.infra import POSTGRES_SCRIPT, run_script

SCRIPT_S = 180.0


@dataclass(frozen=True, slots=True)
class OwnPostgres:
    """One cluster: `postgres.sh` with POSTGRES_RUN_DIR and PGPORT."""

    folder: Path
    url: str  # postgresql+asyncpg://caselog@127.0.0.1:<port>/caselog

    @property
    def data_directory(self) -> Path:
        """The cluster's files: every database's tables under base/, and pg_wal/."""
        return self.folder / "data"

    async def checkpoint(self) -> None:
        """Write every dirty page to the table files now, so the data directory holds them."""
        await self._execute("CHECKPOINT")

    async def plant(self, marker: str) -> None:
        """Stores `marker` as plain text in a table of the server's own maintenance database:
        a scan of the data directory that cannot find it there cannot find anything."""
        await self._execute("CREATE TABLE IF NOT EXISTS leak_scan_canary (value text)")
        await self._execute("INSERT INTO leak_scan_canary VALUES ($1)", marker)

    async def _execute(self, statement: str, *arguments: object) -> None:
        superuser = make_url(self.url).set(
            drivername="postgresql", username="postgres", database="postgres"
        )
        connection = await asyncpg.connect(superuser.render_as_string(hide_password=False))
        try:
            await connection.execute(statement, *arguments)
        finally:
            await connection.close()


@contextlib.contextmanager
def own_postgres() -> Iterator[OwnPostgres]:
    """A cluster on a free loopback port for the block, destroyed afterwards. Its folder is
    under the system's temporary directory: run as root, the server runs as `postgres`, which
    may not enter pytest's (0700) folders."""
    folder = Path(tempfile.mkdtemp(prefix="caselog-e2e-postgres-"))
    environment = {"POSTGRES_RUN_DIR": str(folder), "PGPORT": str(free_port())}
    try:
        url = run_script(POSTGRES_SCRIPT, SCRIPT_S, "start", environment)
        yield OwnPostgres(folder, url)
    finally:
        with contextlib.suppress(Exception):
            run_script(POSTGRES_SCRIPT, SCRIPT_S, "destroy", environment)
        shutil.rmtree(folder, ignore_errors=True)
