"""Scale-out: whyrec's models trained and served through an existing distributed engine (Spark: `whyrec.scale.spark`).

This package imports nothing heavy; `whyrec.scale.spark` needs the ``spark`` extra (``pip install 'whyrec[spark]'``)
and Java 17.
"""

from __future__ import annotations

__all__: list[str] = []
