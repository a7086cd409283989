"""`Storage`: the service's events, per-user settings and removed tags, and service-wide state."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Sequence
from typing import Any

from alembic.util import CommandError
from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from whyrec.errors import DataError, StorageError
from whyrec.serve.storage._catalog_rows import CatalogRows
from whyrec.serve.storage._connection import db_errors, driver_reason
from whyrec.serve.storage._engine import make_engine, resolve_url
from whyrec.serve.storage._migrate import upgrade_to_head
from whyrec.serve.storage._records import (
    NOT_INTERESTED,
    NewEvent,
    StoredEvent,
    UserSettings,
)
from whyrec.serve.storage._schema import (
    Event,
    RemovedTag,
    ServiceState,
    UserSettingsRow,
    UserVersion,
)
from whyrec.serve.storage._validate import (
    MAX_EVENT_TYPE,
    check_text,
    check_timestamp,
    check_value,
)

__all__ = ["Storage"]

logger = logging.getLogger(__name__)


class Storage(CatalogRows):
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
            raise StorageError(shown, "open", driver_reason(e)) from e
        except CommandError as e:  # e.g. a database migrated by a newer whyrec, at a revision unknown here
            engine.dispose()
            raise StorageError(shown, "migrate", str(e), hint="A newer whyrec may have migrated this database: "
                                                               "upgrade whyrec, or use another database.") from e
        except BaseException:
            engine.dispose()
            raise
        logger.info("opened the event store at %s", shown)
        return cls(engine)


    # ---- events -------------------------------------------------------------------------------------

    @db_errors
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
        ids = self._append(events, wait=True)
        assert ids is not None
        return ids

    @db_errors
    def append_events_now(self, events: Sequence[NewEvent]) -> list[int] | None:
        """:meth:`append_events` without waiting for another writer: None (nothing written) when SQLite's write
        lock is taken, so that a caller on an event loop can retry from a thread. PostgreSQL always waits."""
        return self._append(events, wait=False)

    def _append(self, events: Sequence[NewEvent], *, wait: bool) -> list[int] | None:
        rows = [_event_row(i, e) for i, e in enumerate(events)]
        if not rows:
            return []
        try:
            with self._write(wait=wait) as conn:
                ids = conn.execute(insert(Event).returning(Event.id, sort_by_parameter_order=True),
                                   rows).scalars().all()
                self._bump(conn, (r["user_id"] for r in rows))
        except OperationalError as e:
            if not wait and "locked" in str(e.orig):
                return None
            raise
        return list(ids)

    @db_errors
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

    @db_errors
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

    def all_events(self, *, batch_size: int = 10_000) -> Iterator[StoredEvent]:
        """Every stored event, in id (insertion) order, read `batch_size` rows at a time: the export for the
        next training (``whyrec events export``)."""
        last = 0
        while found := self.events_after(last, limit=batch_size):
            yield from found
            last = found[-1].id

    @db_errors
    def events_after(self, last_id: int, *, limit: int) -> list[StoredEvent]:
        """Up to `limit` events whose id is above `last_id`, in id order."""
        with self._read() as conn:
            found = conn.execute(
                select(Event.id, Event.user_id, Event.item_id, Event.event_type, Event.value, Event.timestamp)
                .where(Event.id > last_id).order_by(Event.id).limit(limit)
            ).all()
        return [StoredEvent(user_id=r.user_id, item_id=r.item_id, event_type=r.event_type, value=r.value,
                            timestamp=r.timestamp, id=r.id) for r in found]

    @db_errors
    def count_events(self) -> int:
        """How many events the store holds, over all users."""
        with self._read() as conn:
            return int(conn.execute(select(func.count()).select_from(Event)).scalar_one())

    # ---- per-user state ------------------------------------------------------------------------------

    @db_errors
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

    @db_errors
    def delete_user(self, user_id: str) -> int:
        """Erase everything stored about a user: events, settings, removed tags and version.

        Returns:
            How many events, settings rows and removed tags were deleted (0 for an unknown user).

        Raises:
            DataError: `user_id` is not a non-empty string.
        """
        return sum(self.erase_user(user_id).values())

    @db_errors
    def erase_user(self, user_id: str) -> dict[str, int]:
        """:meth:`delete_user`, counting what went: ``{"events": n, "settings": n, "removed_tags": n}``.

        Raises:
            DataError: `user_id` is not a non-empty string.
        """
        user_id = check_text(user_id, "user_id")
        removed: dict[str, int] = {}
        with self._write() as conn:
            for name, table in (("events", Event), ("settings", UserSettingsRow), ("removed_tags", RemovedTag)):
                removed[name] = conn.execute(delete(table).where(table.user_id == user_id)).rowcount
            conn.execute(delete(UserVersion).where(UserVersion.user_id == user_id))
        return removed

    @db_errors
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

    @db_errors
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

    @db_errors
    def removed_tags(self, user_id: str) -> frozenset[str]:
        """The tags the user removed from their recommendations.

        Raises:
            DataError: `user_id` is not a non-empty string.
        """
        user_id = check_text(user_id, "user_id")
        with self._read() as conn:
            tags = conn.execute(select(RemovedTag.tag).where(RemovedTag.user_id == user_id)).scalars().all()
        return frozenset(tags)

    @db_errors
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

    @db_errors
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

    @db_errors
    def get_state(self, key: str) -> str | None:
        """A service-wide value (for example the active run directory), or None when it was never set.

        Raises:
            DataError: `key` is not a non-empty string.
        """
        key = check_text(key, "key")
        with self._read() as conn:
            return conn.execute(select(ServiceState.value).where(ServiceState.key == key)).scalar()

    @db_errors
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
