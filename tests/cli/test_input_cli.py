"""``--split-dir``, the column options and ``--time-unit`` through the CLI, on small generated files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from whyrec.cli.main import app
from whyrec.errors import DataWarning

from tests.cli.conftest import invoke, runner
from tests.data.shop_files import shop_events, split_folder


def fails(*args: str) -> str:
    """The error a command stops with (in-process, the library error reaches the runner as an exception)."""
    result = runner.invoke(app, list(args))
    assert result.exit_code != 0, result.output
    return f"{result.output}{result.exception}"


def test_train_on_a_split_folder_stores_it_and_runs_without_it(tmp_path: Path) -> None:
    folder, frame = split_folder(tmp_path)
    for name in ("train", "valid", "test"):  # milliseconds, as many shops export them
        part = pd.read_csv(folder / f"{name}.csv")
        part.assign(timestamp=part["timestamp"] * 1000).to_csv(folder / f"{name}.csv", index=False)
    assert "--time-unit ms" in fails("train", "--split-dir", str(folder), "--model", "pop",
                                     "--out", str(tmp_path / "x"))
    run = tmp_path / "run"
    payload = json.loads(invoke("train", "--split-dir", str(folder), "--time-unit", "ms", "--model", "ease",
                                "--param", "lambda=100", "--out", str(run), "--json"))
    assert payload["split"]["kind"] == "files" and payload["protocol"] == "given-files(split)"
    pairs = frame.drop_duplicates(["user_id", "item_id"])
    assert payload["split_sizes"] == {name: int((pairs["part"] == code).sum())
                                      for code, name in enumerate(("train", "valid", "test"))}
    assert payload["data"]["time_unit"] == "ms"
    moved = tmp_path / "elsewhere"
    shutil.move(run, moved)
    shutil.rmtree(folder)
    evaluated = json.loads(invoke("evaluate", str(moved), "--json"))
    assert evaluated["protocol"] == "given-files(split)"
    assert evaluated["users"] == int((pairs["part"] == 2).groupby(pairs["user_id"]).any().sum())
    assert evaluated["metrics"]["ndcg@10"] == payload["metrics"]["ndcg@10"]


def test_split_dir_conflicts_are_refused(tmp_path: Path) -> None:
    folder, _ = split_folder(tmp_path)
    assert "drop --data" in fails("train", "--split-dir", str(folder), "--data", "ml-100k", "--model", "pop",
                                  "--out", str(tmp_path / "a"))
    assert "drop --split" in fails("train", "--split-dir", str(folder), "--split", "random", "--model", "pop",
                                   "--out", str(tmp_path / "b"))


def test_a_wrong_split_or_time_unit_fails_before_the_data_is_read(tmp_path: Path) -> None:
    broken = tmp_path / "broken.csv"
    broken.write_bytes(b"user_id,item_id\n\xff\xfe,1\n")  # would fail to decode if it were read
    message = fails("train", "--data", str(broken), "--split", "temporal", "--model", "pop",
                    "--out", str(tmp_path / "r"))
    assert "unknown split 'temporal'" in message and "leave-last-out" in message
    message = fails("train", "--data", str(broken), "--time-unit", "sec", "--model", "pop",
                    "--out", str(tmp_path / "r"))
    assert "s, ms, us, ns, order" in message


def test_column_options_are_recorded_and_reused_by_a_warm_start(tmp_path: Path) -> None:
    path = tmp_path / "shop.csv"
    shop_events().drop(columns="epoch_ms").to_csv(path, index=False)
    first = tmp_path / "first"
    payload = json.loads(invoke("train", "--data", str(path), "--user-column", "customer", "--item-column",
                                "product", "--time-column", "seq_index", "--time-unit", "order", "--rating-column",
                                "rating", "--model", "pop", "--split", "leave-last-out", "--out", str(first),
                                "--json"))
    data = payload["data"]
    assert (data["user_column"], data["item_column"], data["time_column"], data["time_unit"],
            data["rating_column"]) == ("customer", "product", "seq_index", "order", "rating")
    again = json.loads(invoke("train", "--data", str(path), "--warm-start", str(first), "--out",
                              str(tmp_path / "second"), "--json"))
    assert again["data"] == data and again["protocol"] == "leave-last-one-out"
    assert again["dataset_fingerprint"] == payload["dataset_fingerprint"]


def test_unused_columns_are_named_and_ms_data_shows_its_years(tmp_path: Path) -> None:
    path = tmp_path / "shop.csv"
    frame = shop_events().rename(columns={"customer": "user_id", "product": "item_id", "epoch_ms": "timestamp"})
    frame.drop(columns="timestamp").to_csv(path, index=False)
    with pytest.warns(DataWarning) as caught:  # the CLI prints them on stderr as "warning: ..."
        invoke("data", "info", str(path))
    messages = " ".join(str(w.message) for w in caught)
    assert "--time-column seq_index" in messages and "--rating-column rating" in messages
    frame.drop(columns=["seq_index", "rating"]).to_csv(path, index=False)
    assert "--time-unit ms" in fails("data", "info", str(path))
    info = json.loads(invoke("data", "info", str(path), "--time-unit", "ms", "--json"))
    years = {int(stamp[:4]) for stamp in info["time_span"]}
    assert years <= set(range(2000, 2030)), info["time_span"]
