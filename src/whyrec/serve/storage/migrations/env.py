"""Alembic environment of the event store.

`whyrec.serve.storage.Storage.open` runs it in code (``alembic.command.upgrade`` with a Config from
`whyrec.serve.storage.alembic_config`) and hands over its own connection in
``config.attributes["connection"]``. Without one (``alembic upgrade head --sql``, or a command given only
a URL) it connects to ``sqlalchemy.url`` or writes SQL (offline mode).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, text

from whyrec.serve.storage._engine import WRITE, make_engine, resolve_url
from whyrec.serve.storage._schema import Base

# any fixed 64-bit number: PostgreSQL workers starting together migrate one at a time
_PG_MIGRATION_LOCK = 0x77687972_65630001


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=Base.metadata, compare_type=True,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # transaction-scoped: released at commit; the second worker then finds the schema at head
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
        context.run_migrations()


def _online() -> None:
    given = context.config.attributes.get("connection")
    if given is not None:
        _run(given)
        return
    engine = make_engine(resolve_url(context.config.get_main_option("sqlalchemy.url")))
    try:
        # SQLite: BEGIN IMMEDIATE, so that processes starting together migrate one at a time
        with engine.connect() as connection:
            _run(connection.execution_options(**WRITE))
    finally:
        engine.dispose()


def _offline() -> None:
    context.configure(url=context.config.get_main_option("sqlalchemy.url"), target_metadata=Base.metadata,
                      literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    _offline()
else:
    _online()
