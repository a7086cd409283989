"""From a URL (or nothing) to a configured SQLAlchemy engine: SQLite with WAL, or PostgreSQL."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path
from typing import Any

import platformdirs
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from whyrec.errors import ConfigError

__all__ = ["BUSY_TIMEOUT_S", "DEFAULT_FILE", "WRITE", "default_sqlite_path", "make_engine", "resolve_url"]

DEFAULT_FILE = "whyrec.sqlite3"
"""Name of the SQLite file in the data folder when no URL is given."""
BUSY_TIMEOUT_S = 30.0
"""How long a SQLite writer waits for another process's write transaction before giving up."""
WRITE = {"whyrec_write": True}
"""Execution options of a connection that will write (SQLite: its transactions begin IMMEDIATE)."""

_BACKENDS = ("sqlite", "postgresql")


def default_sqlite_path() -> Path:
    """The SQLite file used when no URL is given: ``$WHYREC_DATA_DIR`` or the platform's user data folder."""
    override = os.environ.get("WHYREC_DATA_DIR")
    root = Path(override) if override else Path(platformdirs.user_data_dir("whyrec"))
    return root / DEFAULT_FILE


def resolve_url(url: str | os.PathLike[str] | None) -> URL:
    """The SQLAlchemy URL for `url`.

    Args:
        url: None (the default SQLite file), a path to a SQLite file, or a URL: ``sqlite:///path``,
            ``postgresql+psycopg://user:password@host:port/database`` (``postgresql://`` means psycopg 3).

    Raises:
        ConfigError: the URL cannot be read, names another database, or is an in-memory SQLite database.
    """
    if url is None or isinstance(url, os.PathLike) or "://" not in url:
        path = default_sqlite_path() if url is None else Path(url)
        path = path.expanduser().absolute()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise ConfigError(f"database file {path}: cannot create its folder ({e.strerror}). Give a path in a "
                              "writable folder, or a URL.", field="db_url") from None
        return URL.create("sqlite", database=str(path))
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(f"database URL {url!r} cannot be read. Expected sqlite:///path/to/file.sqlite3 or "
                          "postgresql+psycopg://user:password@host:port/database.", field="db_url") from None
    backend = parsed.get_backend_name()
    if backend not in _BACKENDS:
        raise ConfigError(f"database URL {parsed.render_as_string(hide_password=True)!r} names {backend!r}. "
                          "Expected sqlite or postgresql.", field="db_url", allowed=_BACKENDS)
    if backend == "postgresql" and "+" not in parsed.drivername:
        parsed = parsed.set(drivername="postgresql+psycopg")  # psycopg 3 is the installed driver
    if backend == "sqlite":
        if parsed.database in (None, "", ":memory:") or parsed.database.startswith("file::memory:"):
            raise ConfigError(f"database URL {url!r} is an in-memory SQLite database, which worker processes cannot "
                              "share and which is lost at exit. Expected a file: sqlite:///path/to/file.sqlite3.",
                              field="db_url")
        if not parsed.query.get("uri"):
            Path(parsed.database).expanduser().absolute().parent.mkdir(parents=True, exist_ok=True)
    return parsed


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # SQLAlchemy emits BEGIN itself (_sqlite_on_begin), so that writers can ask for BEGIN IMMEDIATE
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        # WAL: readers do not block the writer and the writer does not block readers (several workers)
        _set_wal(cursor)
        # FULL: the WAL is fsynced at each commit, so an acknowledged event survives a killed process
        # (NORMAL would too) and also a power cut or kernel crash (NORMAL would not)
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()


def _set_wal(cursor: Any) -> None:
    """Put the database file in WAL mode (it stays so), waiting for other processes' locks.

    Switching the journal mode needs an exclusive lock, and SQLite answers "database is locked" at once
    rather than calling the busy handler; workers opening a new file together do meet, so retry here.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            if str(cursor.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
                cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _sqlite_on_begin(conn: Connection) -> None:
    # a deferred transaction that reads and then writes can fail at once with "database is locked"
    # when another process writes; IMMEDIATE takes the write lock first and waits up to busy_timeout
    immediate = conn.get_execution_options().get("whyrec_write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: URL) -> Engine:
    """An engine for `url` (from `resolve_url`), with the per-backend settings the store relies on."""
    if url.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_S, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    # pre_ping: a worker survives a database restart instead of failing its next request
    return create_engine(url, pool_pre_ping=True)
