"""One SQLite connection driven from its own thread, with the durability settings the bus needs."""

import asyncio
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from shared.bus.errors import BusError
from shared.secret_files import private_data_file

T = TypeVar("T")
Work = Callable[[sqlite3.Connection], T]
BUSY_TIMEOUT_S = 10.0


def _connect(path: Path) -> sqlite3.Connection:
    private_data_file(path)
    # isolation_level=None: we issue BEGIN ourselves, so every write can take the lock up front.
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    (mode,) = conn.execute("PRAGMA journal_mode=WAL").fetchone()
    if str(mode).lower() != "wal":
        conn.close()
        raise BusError(f"embedded log {path}: the file system does not support WAL mode")
    # FULL: a publish that returned must survive a power cut, not only a process crash.
    conn.execute("PRAGMA synchronous=FULL")
    return conn


def _transaction(conn: sqlite3.Connection, begin: str, work: Work[T]) -> T:
    conn.execute(begin)
    try:
        result = work(conn)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return result


class Database:
    """Runs each transaction whole in a worker thread.

    A cancelled caller stops waiting, but the transaction it started still commits or rolls
    back in one piece: the connection is never left holding the write lock.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._executor: ThreadPoolExecutor | None = None
        self._conn: sqlite3.Connection | None = None

    @property
    def is_open(self) -> bool:
        return self._conn is not None

    async def open(self) -> None:
        """Connect (creating the file if needed); a second call does nothing."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="caselog-log")
        if self._conn is None:
            self._conn = await self._call(lambda: _connect(self.path))

    async def read(self, work: Work[T]) -> T:
        """Run `work` on one consistent snapshot."""
        conn = self._connection()
        return await self._call(lambda: _transaction(conn, "BEGIN", work))

    async def write(self, work: Work[T]) -> T:
        """Run `work` in one transaction holding the write lock from its start."""
        conn = self._connection()
        return await self._call(lambda: _transaction(conn, "BEGIN IMMEDIATE", work))

    async def close(self) -> None:
        """Close the connection once queued transactions have finished."""
        conn, self._conn = self._conn, None
        if conn is not None:
            await self._call(conn.close)
        self.abandon()

    def abandon(self) -> None:
        """Drop the connection without waiting, as a killed process would."""
        conn, self._conn = self._conn, None
        executor, self._executor = self._executor, None
        if executor is not None:
            if conn is not None:
                executor.submit(conn.close)
            executor.shutdown(wait=False)

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise BusError(f"embedded log {self.path} is not open; call start() first")
        return self._conn

    async def _call(self, fn: Callable[[], T]) -> T:
        if self._executor is None:
            raise BusError(f"embedded log {self.path} is closed")
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, fn)
        except sqlite3.Error as error:
            raise BusError(f"embedded log {self.path}: {error}") from error
