"""Built-in datasets, loaded by name: ``ml-100k``, ``synthetic``, ``synthetic-beauty`` and ``synthetic-longtail``."""

from __future__ import annotations

from whyrec.data.builtin.ml100k import ML100K_FILES, ml100k_dir, ml100k_tables

__all__ = ["BUILTIN_NAMES", "ML100K_FILES", "ml100k_dir", "ml100k_tables"]

#: Names accepted wherever a data path is (``--data ml-100k``).
BUILTIN_NAMES = ("ml-100k", "synthetic", "synthetic-beauty", "synthetic-longtail")
