"""An HNSW index of item vectors (faiss, inner-product metric), kept in a run directory.

Layout of ``RUN/ann/``: ``hnsw.faiss`` (the index, `faiss.write_index`) and ``index.json`` (what it was built
from: the SHA-256 of the item vectors and the HNSW parameters). An index whose record does not match the
run's vectors and parameters, or is missing, is rebuilt and saved again; the run's content hash
(``meta.json`` + ``arrays.npz``) does not cover it, since it is derived from ``arrays.npz``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from whyrec._types import FloatArray

__all__ = ["INDEX_DIR", "ItemIndex", "run_index"]

logger = logging.getLogger(__name__)

INDEX_DIR = "ann"
_INDEX_FILE = "hnsw.faiss"
_RECORD_FILE = "index.json"


@dataclass
class ItemIndex:
    """An HNSW graph over item vectors, searched by inner product.

    Attributes:
        index: the faiss ``IndexHNSWFlat`` (``METRIC_INNER_PRODUCT``).
        fingerprint: SHA-256 of the vectors and parameters it was built from.
        build_seconds: time the build took (0 when it was read from disk).
        loaded: True when it was read from a run directory, False when built here.
    """

    index: Any
    fingerprint: str
    build_seconds: float = 0.0
    loaded: bool = False

    @property
    def n_items(self) -> int:
        """Items in the index."""
        return int(self.index.ntotal)

    @property
    def dim(self) -> int:
        """Length of the vectors."""
        return int(self.index.d)

    @classmethod
    def build(cls, vectors: FloatArray, *, m: int = 32, ef_construction: int = 200) -> ItemIndex:
        """Index `vectors` ((n_items, dim) float32; row i is item index i)."""
        import faiss

        data = np.ascontiguousarray(vectors, dtype=np.float32)
        start = time.perf_counter()
        index = faiss.IndexHNSWFlat(data.shape[1], m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = ef_construction
        index.add(data)
        elapsed = time.perf_counter() - start
        logger.info("built an HNSW index of %d items x %d in %.1f s", len(data), data.shape[1], elapsed)
        return cls(index, fingerprint(data, m=m, ef_construction=ef_construction), build_seconds=elapsed)

    def search(self, queries: FloatArray, n: int, *, ef_search: int) -> np.ndarray:
        """(n_queries, n) int32 item indices of the highest inner products found, -1 where fewer were found."""
        import faiss

        n = min(n, self.n_items)
        # per call (not index.hnsw.efSearch), so threads may search one index with other sizes
        params = faiss.SearchParametersHNSW(efSearch=max(ef_search, n))  # type: ignore[attr-defined]  # stubs lag
        _, ids = self.index.search(np.ascontiguousarray(queries, dtype=np.float32), n, params=params)
        return np.asarray(ids, dtype=np.int32)

    @property
    def nbytes(self) -> int:
        """Bytes of the serialised index."""
        import faiss

        return int(faiss.serialize_index(self.index).nbytes)

    def save(self, directory: Path) -> None:
        """Write the index and its record to `directory` (each file replaced atomically)."""
        import faiss

        directory.mkdir(parents=True, exist_ok=True)
        for name, write in ((_INDEX_FILE, lambda p: faiss.write_index(self.index, str(p))),
                            (_RECORD_FILE, lambda p: p.write_text(json.dumps(self._record(), indent=2) + "\n"))):
            fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=directory)
            os.close(fd)
            try:
                write(Path(tmp))
                os.chmod(tmp, 0o644)  # mkstemp's files are private; the run's other files are not
                os.replace(tmp, directory / name)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise

    def _record(self) -> dict[str, Any]:
        import faiss

        return {"fingerprint": self.fingerprint, "n_items": self.n_items, "dim": self.dim,
                "faiss_version": faiss.__version__}

    @classmethod
    def read(cls, directory: Path, expected: str) -> ItemIndex | None:
        """The index saved in `directory` when it was built from the `expected` fingerprint, else None."""
        import faiss

        try:
            record = json.loads((directory / _RECORD_FILE).read_text())
            if record.get("fingerprint") != expected:
                logger.info("the index in %s was built from other item vectors: rebuilding it", directory)
                return None
            index = faiss.read_index(str(directory / _INDEX_FILE))
        except (OSError, ValueError, RuntimeError) as e:  # missing or damaged (faiss raises RuntimeError)
            logger.info("no usable index in %s (%s): building it", directory, e)
            return None
        return cls(index, expected, loaded=True)


def fingerprint(vectors: FloatArray, *, m: int, ef_construction: int) -> str:
    """SHA-256 of the vectors and the build parameters."""
    digest = hashlib.sha256(f"hnsw-ip m={m} ef={ef_construction} {vectors.shape}".encode())
    digest.update(np.ascontiguousarray(vectors, dtype=np.float32).tobytes())
    return digest.hexdigest()


def run_index(run_dir: str | Path | None, vectors: FloatArray, *, m: int = 32, ef_construction: int = 200) -> ItemIndex:
    """The index of `vectors` saved in ``run_dir/ann``, built (and saved there) when missing or stale.

    A run directory that cannot be written keeps its index in memory only (with a warning); None: never saved.
    """
    expected = fingerprint(vectors, m=m, ef_construction=ef_construction)
    directory = Path(run_dir) / INDEX_DIR if run_dir is not None else None
    if directory is not None and (found := ItemIndex.read(directory, expected)) is not None:
        return found
    built = ItemIndex.build(vectors, m=m, ef_construction=ef_construction)
    if directory is not None:
        try:
            built.save(directory)
        except OSError as e:
            logger.warning("cannot save the item index in %s (%s): it is rebuilt on every load", directory, e)
    return built
