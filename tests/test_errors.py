"""Every error and warning whyrec raises lives in whyrec.errors, and its docstring draws the whole tree."""

from __future__ import annotations

import importlib
import pkgutil
import re

import numpy as np
import pytest

import whyrec
from whyrec import errors
from whyrec.data import Dataset, History, HistoryBatch
from whyrec.models import EASE


def _subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub, *_subclasses(sub)}
    return found


def test_every_error_is_defined_in_whyrec_errors_and_drawn_in_its_tree() -> None:
    for module in pkgutil.walk_packages(whyrec.__path__, "whyrec."):  # every module, so every class is seen
        importlib.import_module(module.name)
    classes = _subclasses(errors.WhyrecError) | _subclasses(errors.WhyrecWarning)
    assert {errors.StorageError, errors.LLMTimeoutError, errors.ItemNotFoundError} <= classes
    stray = sorted(f"{c.__module__}.{c.__name__}" for c in classes if c.__module__ != "whyrec.errors")
    assert stray == []
    tree = errors.__doc__ or ""
    assert sorted(c.__name__ for c in classes if c.__name__ not in tree) == []
    assert sorted(errors.__all__) == sorted(c.__name__ for c in classes | {errors.WhyrecError, errors.WhyrecWarning})


def _api_table() -> dict[str, tuple[str, str]]:
    """The http_status/code table drawn in whyrec.errors' docstring: class name -> (status, code)."""
    doc = errors.__doc__ or ""
    table = doc[doc.index("error                       http_status  code"):].splitlines()[1:]
    rows = [re.split(r"\s{2,}", line.strip()) for line in table if line.strip()]
    return {row[0].split()[0]: (row[1], row[2]) for row in rows}


def test_each_error_carries_the_status_and_code_its_docstring_table_gives() -> None:
    table = _api_table()
    assert set(table) >= {"WhyrecError", "DataError", "UnknownIdError", "ConfigError", "AdminAuthError"}
    for name, (status, code) in table.items():
        if name not in ("UnknownIdError", "AdminAuthError"):  # these two set them per instance (below)
            cls = getattr(errors, name)
            assert (str(cls.http_status), cls.code) == (status, code), name
    assert errors.StorageError("sqlite://", "append", "disk full").http_status == 503
    unavailable = errors.LLMUnavailableError("down", url="http://x", status=429)  # .status is the LLM server's
    assert (unavailable.http_status, unavailable.code, unavailable.status) == (503, "unavailable", 429)
    config = errors.ConfigError("bad k", field="k")
    assert (config.http_status, config.code, config.loc) == (422, "invalid_setting", ("query", "k"))
    assert errors.ConfigError("bad run", field="run_dir").loc == ("body", "run_dir")
    assert errors.ConfigError("no field").loc is None
    tag = errors.UnknownIdError("tag", ["genre=Nope"])
    assert (tag.http_status, tag.code, tag.loc) == (404, "unknown_tag", None)
    item = errors.ItemNotFoundError(["B0099"], where="run ease", n_known=1682, loc=("path", "item_id"))
    assert (item.http_status, item.code, item.loc) == (404, "unknown_item", ("path", "item_id"))
    unsupported = errors.UnsupportedModelError("exact", "pop", "exact contributions (AdditiveScorer)")
    assert (unsupported.http_status, unsupported.code, unsupported.loc) == (422, "unsupported_method",
                                                                           ("query", "method"))
    batch = errors.BatchTooLargeError("too many", size=5000, limit=1000)
    assert (batch.http_status, batch.code) == (413, "batch_too_large")
    for status, code in ((401, "unauthorized"), (403, "forbidden")):
        auth = errors.AdminAuthError("no", status=status)
        assert (auth.http_status, auth.code, auth.status) == (status, code, status)
    data_file = errors.DataFileError("events.csv", "bad", row=3)
    assert (data_file.http_status, data_file.code) == (422, "invalid_data")


def test_unsupported_model_message_names_no_cli_flag() -> None:
    message = str(errors.UnsupportedModelError("exact", "pop", "exact contributions (AdditiveScorer)"))
    assert "--" not in message and "'exact'" in message and "AdditiveScorer" in message


def test_no_bare_value_error_escapes_score(blocks: Dataset) -> None:
    model = EASE().fit(blocks)
    n = blocks.n_items
    with pytest.raises(errors.DataError, match=f"over {n + 5} items, but ease was fitted on {n}"):
        model.score(HistoryBatch.from_histories([History.of_items([1, 2])], n + 5))
    with pytest.raises(errors.DataError, match="out of range"):
        model.score(HistoryBatch.from_histories([History.of_items([1, n])], n))
    uneven = History(np.array([1, 2], np.int32), np.array([1.0], np.float32))
    with pytest.raises(errors.DataError, match="one per event"):
        model.score(HistoryBatch.from_histories([uneven], n))
    flat = History(np.array([[1, 2]], np.int32), np.array([[1.0, 1.0]], np.float32))
    with pytest.raises(errors.DataError, match="1-D"):
        model.score(HistoryBatch.from_histories([flat], n))
    items, weights = np.array([1, 2], np.int32), np.ones(2, np.float32)
    with pytest.raises(errors.DataError, match="offsets"):
        HistoryBatch(np.array([0, 5], np.int64), items, weights, None, (None,), n)
