"""The initial schema: events, user settings, removed tags, user versions, the version clock, service state.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# a migration spells its types out rather than importing the models, so that later model changes do not
# rewrite history
_big_id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


# events are append-only: the database itself refuses an UPDATE (erasure DELETEs stay allowed)
_APPEND_ONLY = {
    "sqlite": ["CREATE TRIGGER events_append_only BEFORE UPDATE ON events "
               "BEGIN SELECT RAISE(ABORT, 'events are append-only: UPDATE is not allowed'); END"],
    "postgresql": ["CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                   "RAISE EXCEPTION 'events are append-only: UPDATE is not allowed'; END $$",
                   "CREATE TRIGGER events_append_only BEFORE UPDATE ON events "
                   "FOR EACH ROW EXECUTE FUNCTION events_append_only()"],
}
_DROP_APPEND_ONLY = {
    "sqlite": ["DROP TRIGGER events_append_only"],
    "postgresql": ["DROP TRIGGER events_append_only ON events", "DROP FUNCTION events_append_only()"],
}


def _dialect() -> str:
    return op.get_context().dialect.name  # works offline (--sql) too, unlike op.get_bind()


def upgrade() -> None:
    """Create every table, the version clock's single row, and the events' append-only trigger."""
    op.create_table(
        "events",
        sa.Column("id", _big_id, primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.String(256), nullable=False),
        sa.Column("item_id", sa.String(256), nullable=False),
        sa.Column("event_type", sa.String(64), nullable=False),
        sa.Column("value", sa.Double(), nullable=True),
        sa.Column("timestamp", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_events_user_id_timestamp", "events", ["user_id", "timestamp"])
    for sql in _APPEND_ONLY.get(_dialect(), []):
        op.execute(sql)
    op.create_table(
        "user_settings",
        sa.Column("user_id", sa.String(256), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_user_settings")),
    )
    op.create_table(
        "removed_tags",
        sa.Column("user_id", sa.String(256), nullable=False),
        sa.Column("tag", sa.String(256), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "tag", name=op.f("pk_removed_tags")),
    )
    op.create_table(
        "user_versions",
        sa.Column("user_id", sa.String(256), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_user_versions")),
    )
    clock = op.create_table(
        "version_clock",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_version_clock")),
    )
    op.bulk_insert(clock, [{"id": 1, "value": 0}])
    op.create_table(
        "service_state",
        sa.Column("key", sa.String(256), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_service_state")),
    )


def downgrade() -> None:
    """Drop every table (and so every stored event)."""
    for table in ("service_state", "version_clock", "user_versions", "removed_tags", "user_settings"):
        op.drop_table(table)
    for sql in _DROP_APPEND_ONLY.get(_dialect(), []):
        op.execute(sql)
    op.drop_index("ix_events_user_id_timestamp", table_name="events")
    op.drop_table("events")
