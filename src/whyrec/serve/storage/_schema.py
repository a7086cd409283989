"""The tables, declared with SQLAlchemy 2's typed ORM (``Mapped[...]``).

The declarations are typed ORM classes so that columns carry Python types and Alembic can compare this
metadata with a migrated database (tests/serve/test_storage.py). The store itself runs Core statements
on a `Connection` (`insert(Event).returning(...)`, upserts), not a `Session`: events are append-only
rows read into frozen dataclasses, so an identity map and unit of work would only add cost.

A change here needs a new migration in ``migrations/versions/``; the schema test fails until it exists.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Dialect,
    Double,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from whyrec.serve.storage._validate import MAX_EVENT_TYPE, MAX_ID

__all__ = ["Base", "CatalogItem", "Event", "RemovedTag", "ServiceState", "UserSettingsRow", "UserVersion",
           "VersionClock"]

# named constraints, so that migrations can refer to them on every backend
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite makes only an INTEGER PRIMARY KEY an alias of its rowid (autoincrement); BIGINT would not be
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime, stored in UTC, returned in UTC.

    PostgreSQL stores ``timestamptz``; SQLite stores the naive UTC time as ISO text, which sorts in time
    order.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base of the store's tables."""

    metadata = MetaData(naming_convention=NAMING)


class Event(Base):
    """One shopper event. Append-only: rows are deleted only when their user is erased.

    Migration 0001 adds a trigger that refuses any UPDATE of this table (on SQLite and PostgreSQL).
    """

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_user_id_timestamp", "user_id", "timestamp"), {"sqlite_autoincrement": True})

    # sqlite_autoincrement: ids are never reused, even after the newest rows are erased
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(String(MAX_ID))
    item_id: Mapped[str] = mapped_column(String(MAX_ID))
    event_type: Mapped[str] = mapped_column(String(MAX_EVENT_TYPE))
    value: Mapped[float | None] = mapped_column(Double())
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime())


class UserSettingsRow(Base):
    """A user's settings, as the JSON of `whyrec.serve.storage.UserSettings` (new fields need no migration)."""

    __tablename__ = "user_settings"

    user_id: Mapped[str] = mapped_column(String(MAX_ID), primary_key=True)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON())


class RemovedTag(Base):
    """A tag (attribute value) a user asked not to be recommended by."""

    __tablename__ = "removed_tags"

    user_id: Mapped[str] = mapped_column(String(MAX_ID), primary_key=True)
    tag: Mapped[str] = mapped_column(String(MAX_ID), primary_key=True)


class UserVersion(Base):
    """The version of a user's stored state: the `VersionClock` value of their last change."""

    __tablename__ = "user_versions"

    user_id: Mapped[str] = mapped_column(String(MAX_ID), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger())


class VersionClock(Base):
    """One row (id 1): a counter that every user-state change advances.

    Versions come from this clock rather than a per-user count so that a user erased and then created
    again never gets back a version that a worker's cache saw before the erasure.
    """

    __tablename__ = "version_clock"

    id: Mapped[int] = mapped_column(Integer(), primary_key=True, autoincrement=False)
    value: Mapped[int] = mapped_column(BigInteger())


class CatalogItem(Base):
    """A catalog row put through the API: the item's id, its row (title, description, attributes) as JSON,
    and the order in which it was first added (new items take the next indices after the run's, in it)."""

    __tablename__ = "catalog_items"

    item_id: Mapped[str] = mapped_column(String(MAX_ID), primary_key=True)
    row: Mapped[dict[str, Any]] = mapped_column(JSON())
    position: Mapped[int] = mapped_column(BigInteger())


class ServiceState(Base):
    """Service-wide key/value pairs (for example the active run, so that every worker serves the same one)."""

    __tablename__ = "service_state"

    key: Mapped[str] = mapped_column(String(MAX_ID), primary_key=True)
    value: Mapped[str] = mapped_column(Text())
