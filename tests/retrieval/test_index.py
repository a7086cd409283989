"""The item index in a run directory: built once, read back, moved with the run, rebuilt when stale.

Small graphs (``ef_construction=40``) keep the builds quick; recall is the retriever tests' concern.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np

from whyrec.retrieval import run_index
from whyrec.retrieval.index import INDEX_DIR
from whyrec.runs import load_run
from whyrec.serve.served_run import run_hash


def test_a_run_keeps_its_index_and_moves_with_it(shop_run: Path, tmp_path: Path) -> None:
    run_dir = tmp_path / "als"
    shutil.copytree(shop_run, run_dir)
    content = run_hash(run_dir)
    run = load_run(run_dir)
    vectors = run.model.item_vectors()
    built = run_index(run_dir, vectors, ef_construction=40)
    assert not built.loaded and (run_dir / INDEX_DIR / "hnsw.faiss").is_file()
    assert (run_dir / INDEX_DIR / "hnsw.faiss").stat().st_mode & 0o044 == 0o044  # readable like the run's files
    assert run_hash(run_dir) == content  # derived from arrays.npz: not part of the run's identity
    moved = tmp_path / "elsewhere" / "als"
    moved.parent.mkdir()
    shutil.move(run_dir, moved)
    moved_run = load_run(moved)
    again = run_index(moved, moved_run.model.item_vectors(), ef_construction=40)
    assert again.loaded and again.fingerprint == built.fingerprint
    queries = moved_run.model.query_vectors(moved_run.fit_data.histories_of(np.arange(20)))
    np.testing.assert_array_equal(again.search(queries, 30, ef_search=64), built.search(queries, 30, ef_search=64))


def test_a_stale_or_damaged_index_is_rebuilt(shop_run: Path, tmp_path: Path) -> None:
    run_dir = tmp_path / "als"
    shutil.copytree(shop_run, run_dir)
    vectors = load_run(run_dir).model.item_vectors()
    run_index(run_dir, vectors, ef_construction=40)
    changed = run_index(run_dir, vectors * 2, ef_construction=40)  # other vectors (a retrained model)
    assert not changed.loaded
    assert json.loads((run_dir / INDEX_DIR / "index.json").read_text())["fingerprint"] == changed.fingerprint
    (run_dir / INDEX_DIR / "hnsw.faiss").write_bytes(b"not an index")
    record = json.loads((run_dir / INDEX_DIR / "index.json").read_text())
    rebuilt = run_index(run_dir, vectors * 2, ef_construction=40)
    assert not rebuilt.loaded and rebuilt.fingerprint == record["fingerprint"]
    assert run_index(run_dir, vectors * 2, ef_construction=40).loaded


def test_other_build_parameters_make_another_index(shop_run: Path, tmp_path: Path) -> None:
    run_dir = tmp_path / "als"
    shutil.copytree(shop_run, run_dir)
    vectors = load_run(run_dir).model.item_vectors()
    first = run_index(run_dir, vectors, m=8, ef_construction=40)
    second = run_index(run_dir, vectors, m=16, ef_construction=40)
    assert not second.loaded and second.fingerprint != first.fingerprint
