"""What every Spark job of `whyrec.scale` shares: users spread over partitions, the run loaded once per Python
worker, pandas frames made ready for Arrow, and Parquet folders replaced whole."""

from __future__ import annotations

import functools
import shutil
from pathlib import Path

import pandas as pd
from pyspark.sql import DataFrame, SparkSession

from whyrec.errors import ConfigError
from whyrec.models.implicit_mf import ALS
from whyrec.runs import Run, load_run

__all__ = ["arrow_ready", "require_als", "user_partitions", "worker_run", "write_parquet"]


@functools.lru_cache(maxsize=4)
def worker_run(path: str) -> Run:
    """The run, loaded once per Python worker (each executor process reads the run directory)."""
    return load_run(path)


def arrow_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with its pandas-3 string columns as objects: PySpark 4.3 cannot send them as Arrow batches."""
    strings = [c for c in frame.columns if isinstance(frame[c].dtype, pd.StringDtype)]
    return frame.astype(dict.fromkeys(strings, object)) if strings else frame


def user_partitions(spark: SparkSession, user_ids: list[str], partitions: int | None = None) -> DataFrame:
    """A one-column (``user_id``) DataFrame of `user_ids` over `partitions` (default: Spark's parallelism)."""
    n = partitions or spark.sparkContext.defaultParallelism
    frame = pd.DataFrame({"user_id": pd.Series(user_ids, dtype=object)})
    return spark.createDataFrame(frame, "user_id string").repartition(n)


def write_parquet(result: DataFrame, target: Path) -> Path:
    """Write `result` as the Parquet dataset `target`, replacing a folder already there."""
    if target.exists() and target.is_dir():
        shutil.rmtree(target)
    result.write.parquet(str(target))
    return target


def require_als(run: Run, run_dir: str | Path, command: str) -> None:
    """Raise ConfigError unless `run` holds an ALS model (what `command` explains exactly on Spark)."""
    if not isinstance(run.model, ALS):
        raise ConfigError(f"{run_dir} is a {run.meta.model} run; whyrec spark {command} works with ALS runs (train "
                          "one with `whyrec spark train` or `whyrec train --model als`).", source=str(run_dir))
