"""Events read, cleaned and indexed on Spark, by whyrec's own loading rules, into the dataset ``whyrec train`` builds.

`read_dataset` reads a Parquet, CSV or JSON Lines file (any path Spark reads: local, ``hdfs://``, ``s3a://``)
with ``spark.read``, maps its columns with `whyrec.data.mapping.map_columns` (checked on the header, so a
missing column names the file and the flag to use), and cleans every Arrow batch with
`whyrec.data.validation.clean_interactions` (event weights, ``--time-unit``, ``--drop-invalid``) on the
executors. Spark then drops the duplicates across batches and builds the id maps (PROTOCOL.md order,
`whyrec.data.idmap.IdMap`), and the driver receives only the indexed columns (int codes, times, weights: no id
strings per event), which `whyrec.data.loading.assemble_dataset` turns into the same `Dataset`, with the same
fingerprint, as ``DataSource.load`` gives for the file.

A row named in an error is the file's data row: each row carries Spark's position in the file until the end.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

import numpy as np
import pandas as pd
from pyspark.errors import AnalysisException
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from whyrec.data.builtin import BUILTIN_NAMES
from whyrec.data.dataset import Dataset
from whyrec.data.idmap import IdMap
from whyrec.data.loading import DataSource, assemble_dataset
from whyrec.data.mapping import map_columns
from whyrec.data.readers import as_text
from whyrec.data.schema import EVENT, ITEM_ID, TIMESTAMP, USER_ID, VALUE
from whyrec.data.split_files import find_split_files
from whyrec.data.validation import DUPLICATE_ROWS, CleaningReport, clean_interactions
from whyrec.errors import ConfigError, DataFileError

__all__ = ["is_split_folder", "read_dataset", "read_raw_events"]

_CLEANED = (f"{USER_ID} string, {ITEM_ID} string, {TIMESTAMP} long, {EVENT} string, {VALUE} float, weight float, "
            "_row long, _note string")
_KEYS = [USER_ID, ITEM_ID, TIMESTAMP, EVENT, VALUE]
_LOW_BITS = (1 << 33) - 1  # monotonically_increasing_id: partition index << 33 | position in the partition


def read_raw_events(spark: SparkSession, source: DataSource) -> DataFrame:
    """The interactions file as Spark reads it, its columns under their own (stripped) names.

    Raises:
        DataFileError: a local file that does not exist, an unknown file type, or a file Spark cannot read.
    """
    path = source.source
    suffix = PurePosixPath(path.rstrip("/")).suffix.lower()
    if "://" not in path and not Path(path).exists():
        raise DataFileError(path, "no such file.", hint="Check the path, or use a built-in dataset such as 'ml-100k'.")
    reader = spark.read
    try:
        if suffix in (".csv", ".tsv"):
            frame = reader.options(header=True, inferSchema=False, sep="\t" if suffix == ".tsv" else ",",
                                   encoding=source.encoding, ignoreLeadingWhiteSpace=True).csv(path)
        elif suffix in (".parquet", ".pq", ""):  # no suffix: a folder of Parquet files, as Spark writes them
            frame = reader.parquet(path)
        elif suffix in (".jsonl", ".ndjson", ".json"):
            frame = reader.option("multiLine", suffix == ".json").json(path)
        else:
            raise DataFileError(path, f"unknown file type {suffix!r}.", expected="one of .csv, .tsv, .parquet, .pq, "
                                ".jsonl, .ndjson, .json, or a folder of Parquet files")
    except AnalysisException as e:
        first_line = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise DataFileError(path, f"cannot be read by Spark: {first_line}") from None
    return frame.toDF(*[c.strip() for c in frame.columns])


def _cleaned(raw: DataFrame, source: DataSource) -> tuple[DataFrame, bool]:
    """Every batch cleaned by `clean_interactions`; its report (or error) rides along as a ``_note`` row."""
    path = source.source
    mapped, labels = map_columns(pd.DataFrame(columns=raw.columns), path, source.columns)
    frame = raw
    for own, standard in source.columns.renames().items():
        frame = frame.withColumnRenamed(own, standard)
    if source.columns.rating is not None:
        frame = frame.withColumn(EVENT, F.lit("rating"))
    has_time = TIMESTAMP in mapped.columns
    kept = [c for c in _KEYS if c in mapped.columns]
    frame = frame.select(*kept, F.monotonically_increasing_id().alias("_row"))
    weights, on_invalid, unit = source.weights, source.on_invalid, source.time_unit

    def clean(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            rows = batch.pop("_row").to_numpy()
            try:
                done, report = clean_interactions(as_text(batch), path, weights=weights, on_invalid=on_invalid,
                                                  time_unit=unit, labels=labels)
            except DataFileError as e:
                if e.row is None:  # no valid row left in this batch (on_invalid="drop"): other batches may have some
                    reason = "invalid, with every other row of its Spark batch (whyrec's loader counts the reasons)"
                    yield _note({"report": {"rows_read": len(batch), "dropped": {reason: len(batch)}}})
                else:
                    yield _note({"error": _error_fields(e, rows)})
                continue
            at = rows[done.index.to_numpy()]
            yield pd.DataFrame({
                USER_ID: done[USER_ID].astype(object), ITEM_ID: done[ITEM_ID].astype(object),
                # without a time column the file order is the time order: the row's place, made global later
                TIMESTAMP: done[TIMESTAMP].to_numpy() if has_time else at, EVENT: done[EVENT].astype(object),
                VALUE: done[VALUE].to_numpy(), "weight": done["weight"].to_numpy(), "_row": at, "_note": None})
            yield _note({"report": report.to_dict()})

    return frame.mapInPandas(clean, _CLEANED), has_time


def _note(content: dict[str, object]) -> pd.DataFrame:
    row = {USER_ID: None, ITEM_ID: None, TIMESTAMP: 0, EVENT: None, VALUE: np.float32("nan"),
           "weight": np.float32(0), "_row": -1, "_note": json.dumps(content, default=str)}
    return pd.DataFrame([row])


def _error_fields(e: DataFileError, rows: np.ndarray) -> dict[str, object]:
    """A batch's error with its rows as Spark row ids (`_to_rows` makes them the file's rows)."""
    return {"problem": e.problem, "expected": e.expected, "hint": e.hint,
            "row": int(rows[e.row - 1]) if e.row is not None else None, "column": e.column, "value": e.value,
            "more": [int(rows[r - 1]) for r in e.more_rows], "n_more": e.n_more}


def _global_rows(raw: DataFrame) -> np.ndarray:
    """(n_partitions,) offset of each partition's first row in the file (Spark reads a file's parts in order)."""
    counts = raw.groupBy(F.spark_partition_id().alias("p")).count().collect()
    sizes = np.zeros(max((int(r["p"]) for r in counts), default=-1) + 1, dtype=np.int64)
    for r in counts:
        sizes[int(r["p"])] = int(r["count"])
    return np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)


def _to_rows(ids: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    ids = np.asarray(ids, dtype=np.int64)
    rows: np.ndarray = offsets[ids >> 33] + (ids & _LOW_BITS)
    return rows


def _index(spark: SparkSession, frame: DataFrame, column: str, ids: list[str], name: str) -> DataFrame:
    table = spark.createDataFrame(pd.DataFrame({column: pd.Series(ids, dtype=object),
                                                name: np.arange(len(ids), dtype=np.int32)}), f"{column} string, "
                                  f"{name} int")
    return frame.join(F.broadcast(table), on=column).drop(column)


def is_split_folder(path: str) -> bool:
    """Whether `path` is a local folder of train/valid/test files (``--split-dir``), not a Parquet dataset."""
    if "://" in path or not Path(path).is_dir():
        return False
    try:
        find_split_files(path)
    except ConfigError:
        return False
    return True


def read_dataset(spark: SparkSession, source: DataSource) -> tuple[Dataset, CleaningReport]:
    """The dataset of `source`, its events read and cleaned on Spark (a built-in or a split folder: `source.load`).

    A file gives the dataset ``DataSource.load`` gives (same fingerprint); a folder of Parquet files (Spark's own
    output) is read too, its events with equal user, time and item then in Spark's order of the files.

    Raises:
        SchemaError: a named or a required column is missing.
        DataFileError: the file cannot be read, or a row is bad (its data row named) and ``on_invalid`` is error.
    """
    path = source.source
    if path in BUILTIN_NAMES or is_split_folder(path):
        return source.load()
    raw = read_raw_events(spark, source)
    cleaned, has_time = _cleaned(raw, source)
    cleaned = cleaned.persist()
    try:
        return _collect(spark, raw, cleaned, source, has_time)
    finally:
        cleaned.unpersist()


def _collect(spark: SparkSession, raw: DataFrame, cleaned: DataFrame, source: DataSource,
             has_time: bool) -> tuple[Dataset, CleaningReport]:
    path = source.source
    notes = [json.loads(r["_note"]) for r in cleaned.filter(F.col("_note").isNotNull()).select("_note").collect()]
    offsets = _global_rows(raw)
    placed = [n["error"] for n in notes if "error" in n]
    if placed:
        first = min(placed, key=lambda e: int(e["row"]))
        more = sorted(int(r) for e in placed for r in [e["row"], *e["more"]] if r != first["row"])
        raise DataFileError(path, first["problem"], row=int(_to_rows(np.array([first["row"]]), offsets)[0]) + 1,
                            column=first["column"], value=first["value"],
                            more_rows=[int(r) + 1 for r in _to_rows(np.array(more[:3], dtype=np.int64), offsets)],
                            expected=first["expected"], n_more=sum(int(e["n_more"]) + 1 for e in placed) - 1,
                            hint=first["hint"])
    report = CleaningReport()
    for n in notes:
        part = n.get("report") or {}
        report.rows_read += int(part.get("rows_read", 0))
        for reason, count in part.get("dropped", {}).items():
            report.drop(reason, count)
        for reason, count in part.get("filled", {}).items():
            report.fill(reason, count)
        report.notes.extend(x for x in part.get("notes", []) if x not in report.notes)
    events = cleaned.filter(F.col("_note").isNull()).drop("_note")
    before = events.count()
    # the earliest of equal rows stays, as on one machine (across batches; each batch dropped its own already)
    events = events.groupBy(*_KEYS).agg(F.min("_row").alias("_row"), F.first("weight").alias("weight")).persist()
    try:
        users = IdMap.from_ids([r[0] for r in events.select(USER_ID).distinct().collect()], "user")
        items = IdMap.from_ids([r[0] for r in events.select(ITEM_ID).distinct().collect()], "item")
        names = sorted(r[0] for r in events.select(EVENT).distinct().collect())
        indexed = _index(spark, _index(spark, _index(spark, events, USER_ID, list(users.ids), "user"), ITEM_ID,
                                       list(items.ids), "item"), EVENT, names, "event_code")
        got: pd.DataFrame = indexed.select("user", "item", TIMESTAMP, "event_code", VALUE, "weight",
                                           "_row").toPandas()
    finally:
        events.unpersist()
    report.drop(DUPLICATE_ROWS, before - len(got))
    rows = _to_rows(got["_row"].to_numpy(), offsets)
    order = np.argsort(rows, kind="stable")
    stamps = got[TIMESTAMP].to_numpy(dtype=np.int64)
    frame = pd.DataFrame({
        USER_ID: pd.Categorical.from_codes(got["user"].to_numpy()[order], list(users.ids)),
        ITEM_ID: pd.Categorical.from_codes(got["item"].to_numpy()[order], list(items.ids)),
        TIMESTAMP: (stamps if has_time else _to_rows(stamps, offsets))[order],
        EVENT: pd.Categorical.from_codes(got["event_code"].to_numpy()[order], names),
        VALUE: got[VALUE].to_numpy(dtype=np.float32, na_value=np.nan)[order],
        "weight": got["weight"].to_numpy(dtype=np.float32)[order]}, index=pd.Index(rows[order]))
    if not len(frame):
        raise DataFileError(path, "no valid rows are left after cleaning.", hint="; ".join(report.lines()))
    report.rows_kept = len(frame)
    catalog, user_table = source.read_side_tables()
    return assemble_dataset(frame, report, catalog, user_table, source, name=PurePosixPath(path.rstrip("/")).stem,
                            paths=(path, str(source.catalog), str(source.users)),
                            has_timestamps=has_time and source.time_unit != "order")

