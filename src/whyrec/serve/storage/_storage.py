"""`Storage`: the service's events, per-user settings and removed tags, and service-wide state."""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Concatenate, ParamSpec, TypeVar

from alembic.util import CommandError
from sqlalchemy import Connection, Engine, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from whyrec.errors import DataError, StorageError
from whyrec.serve.storage._engine import WRITE, make_engine, resolve_url
from whyrec.serve.storage._migrate import upgrade_to_head
from whyrec.serve.storage._records import NOT_INTERESTED, NewEvent, StoredEvent, UserSettings
from whyrec.serve.storage._schema import (
    Event,
    RemovedTag,
    ServiceState,
    UserSettingsRow,
    UserVersion,
    VersionClock,
)
from whyrec.serve.storage._validate import MAX_EVENT_TYPE, check_text, check_timestamp, check_value

__all__ = ["Storage"]

logger = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

# rows per multi-row upsert: far below SQLite's limit of 32,766 bound parameters
_CHUNK = 500


def _db_errors(method: Callable[Concatenate[Storage, P], R]) -> Callable[Concatenate[Storage, P], R]:
    """Turn a driver's failure inside `method` into a `StorageError` that names the database."""

    @functools.wraps(method)
    def wrapper(self: Storage, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(self, *args, **kwargs)
        except SQLAlchemyError as e:  # every SQLAlchemy error, driver ones included (STYLE: none leaks)
            raise StorageError(self.url, method.__name__, _reason(e)) from e

    return wrapper


def _reason(error: SQLAlchemyError) -> str:
    """The driver's own message when there is one (without SQLAlchemy's SQL and parameters)."""
    if isinstance(error, DBAPIError) and error.orig is not None:
        return str(error.orig).strip() or type(error.orig).__name__
    return str(error).strip() or type(error).__name__


class Storage:
    """The event store of the REST service, on SQLite (default) or PostgreSQL.

    Every method is one transaction; a method that returns has committed (on SQLite with
    ``synchronous=FULL``, on PostgreSQL with its default ``synchronous_commit=on``). One `Storage` is safe to
    share between threads; every worker process opens its own.

    Example:
        >>> from datetime import UTC, datetime
        >>> store = Storage.open(f"sqlite:///{tmp}/events.sqlite3")  # doctest: +SKIP
        >>> store.append_events([NewEvent("u1", "i9", "view", None, datetime.now(UTC))])  # doctest: +SKIP
        [1]
    """

    def __init__(self, engine: Engine) -> None:
        """Wrap an engine whose database is already migrated; use `Storage.open` instead."""
        self._engine = engine
        self._backend = engine.dialect.name
        self.url: str = engine.url.render_as_string(hide_password=True)
        """The database URL, with any password hidden."""

    @classmethod
    def open(cls, url: str | os.PathLike[str] | None = None) -> Storage:
        """Connect to a database and migrate it to the newest schema.

        Args:
            url: None for the SQLite file ``whyrec.sqlite3`` in ``$WHYREC_DATA_DIR`` or the user data folder
                (``platformdirs.user_data_dir("whyrec")``); a path to a SQLite file; or a URL,
                ``sqlite:///path`` or ``postgresql+psycopg://user:password@host:port/database``.

        Raises:
            ConfigError: the URL cannot be used (another database kind, in-memory SQLite, unreadable).
            StorageError: the database cannot be reached or migrated.
        """
        engine = make_engine(resolve_url(url))
        shown = engine.url.render_as_string(hide_password=True)
        try:
            upgrade_to_head(engine)
        except SQLAlchemyError as e:
            engine.dispose()
            raise StorageError(shown, "open", _reason(e)) from e
        except CommandError as e:  # e.g. a database migrated by a newer whyrec, at a revision unknown here
            engine.dispose()
            raise StorageError(shown, "migrate", str(e), hint="A newer whyrec may have migrated this database: "
                                                               "upgrade whyrec, or use another database.") from e
        except BaseException:
            engine.dispose()
            raise
        logger.info("opened the event store at %s", shown)
        return cls(engine)

    @property
    def backend(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self._backend

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine (for health checks and tests; the tables are private to this package)."""
        return self._engine

    def __repr__(self) -> str:
        return f"Storage({self.url!r})"

    def __enter__(self) -> Storage:
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

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self._engine.connect() as conn:
            conn = conn.execution_options(**WRITE)  # SQLite: BEGIN IMMEDIATE
            with conn.begin():
                yield conn

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
        for start in range(0, len(users), _CHUNK):
            stmt = self._insert(UserVersion).values([{"user_id": u, "version": version}
                                                     for u in users[start:start + _CHUNK]])
            conn.execute(stmt.on_conflict_do_update(index_elements=[UserVersion.user_id],
                                                    set_={"version": stmt.excluded.version}))

    # ---- events -------------------------------------------------------------------------------------

    @_db_errors
    def append_events(self, events: Sequence[NewEvent]) -> list[int]:
        """Append events in one transaction: all of them are stored, or (on any error) none.

        Args:
            events: the events, in any order and for any users.

        Returns:
            The new events' ids, in the order of `events`. They are durable when this returns.

        Raises:
            DataError: an event is invalid (the message gives its index and field); nothing was written.
            StorageError: the database failed; nothing was written.
        """
        rows = [_event_row(i, e) for i, e in enumerate(events)]
        if not rows:
            return []
        with self._write() as conn:
            ids = conn.execute(insert(Event).returning(Event.id, sort_by_parameter_order=True), rows).scalars().all()
            self._bump(conn, (r["user_id"] for r in rows))
        return list(ids)

    @_db_errors
    def events_of(self, user_id: str) -> list[StoredEvent]:
        """A user's events, oldest first (ties in time: in insertion order); [] for an unknown user.

        Raises:
            DataError: `user_id` is not a non-empty string.
        """
        user_id = check_text(user_id, "user_id")
        with self._read() as conn:
            found = conn.execute(
                select(Event.id, Event.user_id, Event.item_id, Event.event_type, Event.value, Event.timestamp)
                .where(Event.user_id == user_id).order_by(Event.timestamp, Event.id)
            ).all()
        return [StoredEvent(user_id=r.user_id, item_id=r.item_id, event_type=r.event_type, value=r.value,
                            timestamp=r.timestamp, id=r.id) for r in found]

    @_db_errors
    def hidden_items(self, user_id: str) -> frozenset[str]:
        """Items the user marked ``not_interested`` (`NOT_INTERESTED` events).

        Raises:
            DataError: `user_id` is not a non-empty string.
        """
        user_id = check_text(user_id, "user_id")
        with self._read() as conn:
            items = conn.execute(
                select(Event.item_id).distinct().where(Event.user_id == user_id, Event.event_type == NOT_INTERESTED)
            ).scalars().all()
        return frozenset(items)

    @_db_errors
    def count_events(self) -> int:
        """How many events the store holds, over all users."""
        with self._read() as conn:
            return int(conn.execute(select(func.count()).select_from(Event)).scalar_one())

    # ---- per-user state ------------------------------------------------------------------------------

    @_db_errors
    def user_version(self, user_id: str) -> int:
        """A number that changes whenever the user's events, settings or removed tags change.

        Compare it with the value a cache was built at: equal means nothing changed, in any worker process.
        It is 0 for a user with nothing stored (never seen, or erased), and otherwise never repeats a value
        it had before, even across an erasure.

        Raises:
            DataError: `user_id` is not a non-empty string.
        """
        user_id = check_text(user_id, "user_id")
        with self._read() as conn:
            version = conn.execute(select(UserVersion.version).where(UserVersion.user_id == user_id)).scalar()
        return int(version or 0)

    @_db_errors
    def delete_user(self, user_id: str) -> int:
        """Erase everything stored about a user: events, settings, removed tags and version.

        Returns:
            How many events, settings rows and removed tags were deleted (0 for an unknown user).

        Raises:
            DataError: `user_id` is not a non-empty string.
        """
        user_id = check_text(user_id, "user_id")
        removed = 0
        with self._write() as conn:
            for table in (Event, UserSettingsRow, RemovedTag):
                removed += conn.execute(delete(table).where(table.user_id == user_id)).rowcount
            conn.execute(delete(UserVersion).where(UserVersion.user_id == user_id))
        return removed

    @_db_errors
    def settings(self, user_id: str) -> UserSettings:
        """The user's settings; the defaults when they never set any.

        Raises:
            DataError: `user_id` is not a non-empty string.
        """
        user_id = check_text(user_id, "user_id")
        with self._read() as conn:
            stored = conn.execute(select(UserSettingsRow.settings).where(UserSettingsRow.user_id == user_id)).scalar()
        if stored is None:
            return UserSettings()
        # fields a newer version wrote and this one does not know are ignored
        return UserSettings.model_validate({k: v for k, v in stored.items() if k in UserSettings.model_fields})

    @_db_errors
    def put_settings(self, user_id: str, settings: UserSettings) -> None:
        """Replace the user's settings.

        Raises:
            DataError: `user_id` is not a non-empty string, or `settings` is not a `UserSettings`.
        """
        user_id = check_text(user_id, "user_id")
        if not isinstance(settings, UserSettings):
            raise DataError(f"settings: expected a UserSettings, got {type(settings).__name__} instead.")
        doc = settings.model_dump(mode="json")
        with self._write() as conn:
            stmt = self._insert(UserSettingsRow).values(user_id=user_id, settings=doc)
            conn.execute(stmt.on_conflict_do_update(index_elements=[UserSettingsRow.user_id],
                                                    set_={"settings": stmt.excluded.settings}))
            self._bump(conn, [user_id])

    @_db_errors
    def removed_tags(self, user_id: str) -> frozenset[str]:
        """The tags the user removed from their recommendations.

        Raises:
            DataError: `user_id` is not a non-empty string.
        """
        user_id = check_text(user_id, "user_id")
        with self._read() as conn:
            tags = conn.execute(select(RemovedTag.tag).where(RemovedTag.user_id == user_id)).scalars().all()
        return frozenset(tags)

    @_db_errors
    def remove_tag(self, user_id: str, tag: str) -> None:
        """Remove a tag from the user's recommendations (removing it twice changes nothing).

        Raises:
            DataError: `user_id` or `tag` is not a non-empty string.
        """
        user_id = check_text(user_id, "user_id")
        tag = check_text(tag, "tag")
        with self._write() as conn:
            stmt = self._insert(RemovedTag).values(user_id=user_id, tag=tag).on_conflict_do_nothing()
            # RETURNING rather than rowcount, which drivers report differently for a skipped row
            if conn.execute(stmt.returning(RemovedTag.tag)).first() is not None:
                self._bump(conn, [user_id])

    @_db_errors
    def restore_tag(self, user_id: str, tag: str) -> None:
        """Undo `remove_tag` (restoring a tag that is not removed changes nothing).

        Raises:
            DataError: `user_id` or `tag` is not a non-empty string.
        """
        user_id = check_text(user_id, "user_id")
        tag = check_text(tag, "tag")
        with self._write() as conn:
            gone = conn.execute(delete(RemovedTag).where(RemovedTag.user_id == user_id, RemovedTag.tag == tag))
            if gone.rowcount:
                self._bump(conn, [user_id])

    # ---- service-wide state --------------------------------------------------------------------------

    @_db_errors
    def get_state(self, key: str) -> str | None:
        """A service-wide value (for example the active run directory), or None when it was never set.

        Raises:
            DataError: `key` is not a non-empty string.
        """
        key = check_text(key, "key")
        with self._read() as conn:
            return conn.execute(select(ServiceState.value).where(ServiceState.key == key)).scalar()

    @_db_errors
    def set_state(self, key: str, value: str) -> None:
        """Set a service-wide value, visible to every process that uses this database.

        Raises:
            DataError: `key` is not a non-empty string, or `value` is not a string.
        """
        key = check_text(key, "key")
        if not isinstance(value, str):
            raise DataError(f"state {key!r}: expected a string value, got {type(value).__name__} {value!r} instead.")
        with self._write() as conn:
            stmt = self._insert(ServiceState).values(key=key, value=value)
            conn.execute(stmt.on_conflict_do_update(index_elements=[ServiceState.key],
                                                    set_={"value": stmt.excluded.value}))


def _event_row(index: int, event: object) -> dict[str, Any]:
    """The insert parameters of `events[index]`, checked."""
    where = f"events[{index}]"
    if not isinstance(event, NewEvent):
        raise DataError(f"{where}: expected a NewEvent, got {type(event).__name__} instead.")
    return {
        "user_id": check_text(event.user_id, f"{where}.user_id"),
        "item_id": check_text(event.item_id, f"{where}.item_id"),
        "event_type": check_text(event.event_type, f"{where}.event_type", max_len=MAX_EVENT_TYPE),
        "value": check_value(event.value, f"{where}.value"),
        "timestamp": check_timestamp(event.timestamp, f"{where}.timestamp"),
    }
