"""The toy data and LinearToyModel: known answers, worked out independently of the model code."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from whyrec.data import History, HistoryBatch
from whyrec.explain import ExactExplainer
from whyrec.testing import LinearToyModel, RecommenderContract, block_events, blocks


class TestLinearToyModel(RecommenderContract):
    model_class = LinearToyModel


def test_block_events_are_two_disjoint_taste_groups() -> None:
    events = block_events()
    assert len(events) == 40 * 6 and events.groupby("user_id").size().eq(6).all()
    user = events.user_id.str[1:].astype(int)
    item = events.item_id.astype(int)
    assert ((user % 2 == 0) == (item < 10)).all()


def test_linear_toy_contributions_are_the_co_occurrence_shares() -> None:
    events = block_events()
    data = blocks()
    model = LinearToyModel(baseline_weight=0.5).fit(data)
    baskets = [set(group) for _, group in events.groupby("user_id").item_id]
    # a new shopper who saw "0" twice and "2" once: weights 2 and 1
    history = History.of_items(data.items.indices_of(["0", "0", "2"]))
    items = data.items.indices_of(["4", "12"])
    c = model.contributions(history, items)
    assert data.items.ids_of(c.history_items) == ["0", "2"]
    for row, target in enumerate(["4", "12"]):
        for col, (source, weight) in enumerate((("0", 2.0), ("2", 1.0))):
            share = sum(source in b and target in b for b in baskets) / 40
            assert c.per_history[row, col] == pytest.approx(weight * share, abs=1e-12)
        assert c.baseline[row] == pytest.approx(0.5 * sum(target in b for b in baskets) / 40, abs=1e-12)
    assert c.per_history[1].sum() == 0.0  # "12" is in the other taste group
    score = model.score(HistoryBatch.from_histories([history], data.n_items))[0, items]
    np.testing.assert_allclose(c.baseline + c.per_history.sum(1), score, atol=1e-6)


def test_exact_explainer_returns_the_known_contributions() -> None:
    data = blocks()
    model = LinearToyModel().fit(data)
    history = data.history("u0")
    items = data.items.indices_of(["1", "3"])
    known = model.contributions(history, items)
    for row, e in enumerate(ExactExplainer(data, top_n=None).explain(model, history, items)):
        weights = {ev.ref: ev.weight for ev in e.evidence}
        expected = dict(zip(data.items.ids_of(known.history_items), known.per_history[row], strict=True))
        assert weights == pytest.approx(expected)
        assert e.baseline == pytest.approx(known.baseline[row])


def test_importing_whyrec_imports_neither_pytest_nor_the_contracts() -> None:
    code = "import sys, whyrec; print(sorted(m for m in ('pytest', 'whyrec.testing') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
