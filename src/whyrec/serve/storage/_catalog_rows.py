"""Catalog rows put into a running service (``PUT /v1/items``): part of `Storage`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select

from whyrec.serve.storage._connection import Connected, db_errors
from whyrec.serve.storage._schema import CatalogItem
from whyrec.serve.storage._validate import check_text

__all__ = ["CatalogRows"]


class CatalogRows(Connected):
    """The ``catalog_items`` table: rows upserted by item id, read back in the order first added."""

    @db_errors
    def put_items(self, rows: Sequence[tuple[str, dict[str, Any]]]) -> None:
        """Add or replace catalog rows (item id, row as JSON), in one transaction. A new item takes the next
        position; a replaced one keeps its own.

        Raises:
            DataError: an item id is not a non-empty string.
        """
        checked = [(check_text(item_id, f"items[{i}].item_id"), row) for i, (item_id, row) in enumerate(rows)]
        with self._write() as conn:
            start = int(conn.execute(select(func.coalesce(func.max(CatalogItem.position), 0))).scalar_one())
            for offset, (item_id, row) in enumerate(checked, start=1):
                stmt = self._insert(CatalogItem).values(item_id=item_id, row=row, position=start + offset)
                conn.execute(stmt.on_conflict_do_update(index_elements=[CatalogItem.item_id],
                                                        set_={"row": stmt.excluded.row}))

    @db_errors
    def catalog_items(self) -> list[tuple[str, dict[str, Any]]]:
        """The catalog rows put through the API, (item id, row), in the order they were first added."""
        with self._read() as conn:
            found = conn.execute(select(CatalogItem.item_id, CatalogItem.row).order_by(CatalogItem.position)).all()
        return [(r.item_id, dict(r.row)) for r in found]
