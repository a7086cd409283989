"""The plumbing under `Storage`: the engine, read and write transactions, the file check, user versions."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, Self, TypeVar

from sqlalchemy import Connection, Engine, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from whyrec.errors import StorageError
from whyrec.serve.storage._engine import BUSY_TIMEOUT_S, WRITE
from whyrec.serve.storage._schema import UserVersion, VersionClock

__all__ = ["Connected", "db_errors", "driver_reason"]

P = ParamSpec("P")
R = TypeVar("R")
C = TypeVar("C", bound="Connected")

# rows per multi-row upsert: far below SQLite's limit of 32,766 bound parameters
CHUNK = 500


def db_errors(method: Callable[Concatenate[C, P], R]) -> Callable[Concatenate[C, P], R]:
    """Turn a driver's failure inside `method` into a `StorageError` that names the database."""

    @functools.wraps(method)
    def wrapper(self: C, /, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(self, *args, **kwargs)
        except SQLAlchemyError as e:  # every SQLAlchemy error, driver ones included (STYLE: none leaks)
            raise StorageError(self.url, method.__name__, driver_reason(e)) from e

    return wrapper


def driver_reason(error: SQLAlchemyError) -> str:
    """The driver's own message when there is one (without SQLAlchemy's SQL and parameters)."""
    if isinstance(error, DBAPIError) and error.orig is not None:
        return str(error.orig).strip() or type(error.orig).__name__
    return str(error).strip() or type(error).__name__


class Connected:
    """An engine with the transactions `Storage` is built from (see `Storage` for the guarantees)."""

    def __init__(self, engine: Engine) -> None:
        """Wrap an engine whose database is already migrated; use `Storage.open` instead."""
        self._engine = engine
        self._backend = engine.dialect.name
        self.url: str = engine.url.render_as_string(hide_password=True)
        """The database URL, with any password hidden."""
        self._file: Path | None = None
        self._identity: tuple[int, int] | None = None
        if self._backend == "sqlite" and engine.url.database:
            self._file = Path(engine.url.database).absolute()
            found = self._file.stat()
            self._identity = (found.st_dev, found.st_ino)

    @property
    def backend(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self._backend

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine (for health checks and tests; the tables are private to this package)."""
        return self._engine

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.url!r})"

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close every pooled connection. The object must not be used afterwards."""
        self._engine.dispose()

    # ---- transactions -------------------------------------------------------------------------------

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self._engine.connect() as conn, conn.begin():
            yield conn

    def check_file(self) -> None:
        """SQLite: check that the database file is still the one opened (same device and inode) and writable.

        A file deleted or replaced under the service would take writes that are lost at the next start.

        Raises:
            StorageError: the file is gone, replaced or read-only.
        """
        if self._file is None:
            return
        try:
            found = self._file.stat()
        except OSError:
            raise StorageError(self.url, "check", "the database file was deleted since the service opened it",
                               hint="Nothing more is written: restore the file or restart the service.") from None
        if (found.st_dev, found.st_ino) != self._identity:
            raise StorageError(self.url, "check", "the database file was replaced since the service opened it",
                               hint="Nothing more is written: restart the service to open the new file.")
        if not os.access(self._file, os.W_OK):
            raise StorageError(self.url, "check", "the database file is not writable",
                               hint="Give the service write access to the file.")

    def health(self, *, integrity: bool = False) -> None:
        """Check that the store can take writes: the file (:meth:`check_file`), a query, and with `integrity`
        SQLite's ``PRAGMA quick_check`` (which reads the whole file: run it every few seconds at most).

        Raises:
            StorageError: the database is gone, unreachable, read-only or corrupt.
        """
        self.check_file()
        try:
            with self._engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1").scalar_one()
                if self._backend == "postgresql":
                    if conn.exec_driver_sql("SELECT pg_is_in_recovery()").scalar_one():
                        raise StorageError(self.url, "check", "the database is a read-only standby")
                elif integrity:
                    found = [str(row[0]) for row in conn.exec_driver_sql("PRAGMA quick_check").fetchall()]
                    if found != ["ok"]:
                        raise StorageError(self.url, "check", f"the database is corrupt ({found[0][:200]})",
                                           hint="Restore it from a backup.")
        except SQLAlchemyError as e:
            raise StorageError(self.url, "check", driver_reason(e)) from e

    @contextmanager
    def _write(self, *, wait: bool = True) -> Iterator[Connection]:
        """One write transaction; on SQLite the file is checked before and after it (a commit into a deleted
        file is not durable), and with ``wait=False`` BEGIN fails at once when another writer holds the lock."""
        self.check_file()
        with self._engine.connect() as conn:
            conn = conn.execution_options(**WRITE)  # SQLite: BEGIN IMMEDIATE
            raw = conn.connection.driver_connection if not wait and self._backend == "sqlite" else None
            if raw is not None:
                raw.execute("PRAGMA busy_timeout = 0")
            try:
                with conn.begin():
                    yield conn
            finally:
                if raw is not None:
                    raw.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        self.check_file()

    def _insert(self, table: Any) -> Any:
        """The backend's INSERT, which has ``on_conflict_do_update`` / ``on_conflict_do_nothing``."""
        return postgresql.insert(table) if self._backend == "postgresql" else sqlite.insert(table)

    def _bump(self, conn: Connection, user_ids: Iterable[str]) -> None:
        """Give each user a new version: the next value of the version clock (same transaction)."""
        users = sorted(set(user_ids))
        if not users:
            return
        version = conn.execute(
            update(VersionClock).where(VersionClock.id == 1).values(value=VersionClock.value + 1)
            .returning(VersionClock.value)
        ).scalar_one()
        for start in range(0, len(users), CHUNK):
            stmt = self._insert(UserVersion).values([{"user_id": u, "version": version}
                                                     for u in users[start:start + CHUNK]])
            conn.execute(stmt.on_conflict_do_update(index_elements=[UserVersion.user_id],
                                                    set_={"version": stmt.excluded.version}))
