"""One local SparkSession for every Spark test (start-up takes seconds), and a small synthetic events file.

Without PySpark or Java the tests skip, saying which is missing; with CI=true they fail instead.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

import pytest

from whyrec.data.builtin.synthetic import SyntheticConfig, generate
from whyrec.data.loading import DataSource
from whyrec.models.implicit_mf import ALSConfig
from whyrec.runs import Run


def _missing() -> str | None:
    if importlib.util.find_spec("pyspark") is None:
        return "PySpark is not installed: pip install 'whyrec[spark]' (make test installs it)"
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        return "Java is not installed (Spark needs Java 17 or 21): apt-get install openjdk-17-jre-headless"
    return None


@pytest.fixture(scope="session")
def spark():  # type: ignore[no-untyped-def]
    """A local[1] SparkSession shared by the session's Spark tests."""
    if (reason := _missing()) is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI: {reason}")
        pytest.skip(reason)
    from whyrec.scale.spark import session

    started = session("local[1]", "whyrec-tests")
    yield started
    started.stop()


@pytest.fixture(scope="session")
def spark_run(spark, events_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Run:  # type: ignore[no-untyped-def]
    """An ALS run trained on Spark from `events_file` (the events read on Spark), evaluated after training."""
    from whyrec.scale.spark import train_als

    config = ALSConfig(embedding_size=8, regularization=0.1, alpha=2.0, epochs=5, seed=1)
    return train_als(spark, DataSource(source=str(events_file)), tmp_path_factory.mktemp("runs") / "als",
                     config=config)


@pytest.fixture(scope="session")
def events_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """3,000 synthetic events as a Parquet file (what a shop exports)."""
    path = tmp_path_factory.mktemp("spark-data") / "events.parquet"
    generate(SyntheticConfig(n_events=3_000, seed=3)).events.to_parquet(path)
    return path
