"""Alembic, driven from code: the migration scripts ship inside the package."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from whyrec.serve.storage._engine import WRITE

__all__ = ["MIGRATIONS", "alembic_config", "upgrade_to_head"]

MIGRATIONS = Path(__file__).with_name("migrations")
"""The Alembic script folder (``env.py``, ``versions/``)."""


def alembic_config(url: str | None = None) -> Config:
    """An Alembic `Config` for the store's migrations, built without an ini file.

    Use it for the Alembic commands, for example a new revision after a change to the tables::

        from alembic import command
        command.revision(alembic_config("sqlite:///dev.sqlite3"), message="add x", autogenerate=True)

    Args:
        url: the database to act on (None: the caller puts a connection in ``config.attributes["connection"]``).
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))  # ConfigParser interpolation
    return config


def upgrade_to_head(engine: Engine) -> None:
    """Bring the database behind `engine` to the newest schema (a no-op when it is there already).

    Processes that start together are safe: SQLite migrates inside BEGIN IMMEDIATE and PostgreSQL under an
    advisory lock, so the second one finds the schema at head.
    """
    config = alembic_config()
    with engine.connect() as connection:
        config.attributes["connection"] = connection.execution_options(**WRITE)
        command.upgrade(config, "head")
        if connection.in_transaction():
            connection.commit()
