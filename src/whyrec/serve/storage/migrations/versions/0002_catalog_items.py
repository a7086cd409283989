"""Catalog items added or updated in a running service (``PUT /v1/items``).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the table of catalog rows put through the API."""
    op.create_table(
        "catalog_items",
        sa.Column("item_id", sa.String(256), nullable=False),
        sa.Column("row", sa.JSON(), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("item_id", name=op.f("pk_catalog_items")),
    )


def downgrade() -> None:
    """Drop the table (the run's own catalog is untouched)."""
    op.drop_table("catalog_items")
