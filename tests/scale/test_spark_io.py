"""Events read and cleaned on Spark give the dataset (same fingerprint, same cleaning report) that whyrec's own
loader gives for the file, and errors that name the file, the row and the column."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from whyrec.data.builtin.synthetic import SyntheticConfig, generate
from whyrec.data.loading import DataSource
from whyrec.errors import DataFileError, SchemaError


@pytest.fixture
def small_batches(spark) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Several file partitions and several Arrow batches, so rows, duplicates and errors cross their borders."""
    settings = {"spark.sql.execution.arrow.maxRecordsPerBatch": "400", "spark.sql.files.maxPartitionBytes": "24k"}
    old = {key: spark.conf.get(key) for key in settings}
    for key, value in settings.items():
        spark.conf.set(key, value)
    yield
    for key, value in old.items():
        spark.conf.set(key, value)


@pytest.fixture(scope="module")
def shop_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A shop's CSV: its own column names, times in milliseconds, repeated rows far apart, two unreadable times."""
    events = generate(SyntheticConfig(n_events=2_500, seed=5)).events.astype(object)
    events["timestamp"] = [str(int(t) * 1000) for t in events["timestamp"]]
    events = pd.concat([events, events.iloc[[3, 10, 500]]], ignore_index=True)  # duplicates in other batches
    events.loc[1_700, "timestamp"] = "yesterday"
    events.loc[2_300, "timestamp"] = "tomorrow"  # in another partition
    path = tmp_path_factory.mktemp("shop") / "export.csv"
    events.rename(columns={"user_id": "customer", "timestamp": "ts_ms"}).to_csv(path, index=False)
    return path


def test_spark_reads_a_file_into_the_dataset_whyrec_loads(spark, shop_export: Path,  # type: ignore[no-untyped-def]
                                                          small_batches: None, tmp_path: Path) -> None:
    from whyrec.scale.spark import read_dataset

    spec = DataSource(source=str(shop_export), user_column="customer", time_column="ts_ms", time_unit="ms",
                      on_invalid="drop")
    on_spark, spark_report = read_dataset(spark, spec)
    local, local_report = spec.load()
    assert on_spark.fingerprint == local.fingerprint
    assert on_spark.users.ids == local.users.ids and on_spark.items.ids == local.items.ids
    assert spark_report.dropped == local_report.dropped and len(spark_report.dropped) == 2  # bad time, duplicates
    assert (spark_report.rows_read, spark_report.rows_kept) == (local_report.rows_read, local_report.rows_kept)
    # no time column: file order is the time order, across Spark's partitions too
    plain = tmp_path / "plain.parquet"
    pd.read_csv(shop_export, dtype=str).drop(columns=["ts_ms"]).to_parquet(plain)
    spec = DataSource(source=str(plain), user_column="customer")
    assert read_dataset(spark, spec)[0].fingerprint == spec.load()[0].fingerprint


def test_spark_reading_errors_name_the_file_row_and_column(spark, shop_export: Path,  # type: ignore[no-untyped-def]
                                                           small_batches: None) -> None:
    from whyrec.scale.spark import read_dataset

    spec = DataSource(source=str(shop_export), user_column="customer", time_column="ts_ms", time_unit="ms")
    with pytest.raises(DataFileError) as bad:
        read_dataset(spark, spec)
    with pytest.raises(DataFileError) as local:
        spec.load()
    assert (bad.value.row, bad.value.column, bad.value.value) == (1_701, "ts_ms", "yesterday")
    assert bad.value.more_rows == (2_301,)
    assert str(bad.value) == str(local.value)
    with pytest.raises(SchemaError) as missing:
        read_dataset(spark, DataSource(source=str(shop_export)))
    assert missing.value.missing == ("user_id",) and missing.value.path == str(shop_export)
    assert "--user-column customer" in str(missing.value)
    with pytest.raises(DataFileError, match="no such file"):
        read_dataset(spark, DataSource(source=str(shop_export.with_name("gone.csv"))))
