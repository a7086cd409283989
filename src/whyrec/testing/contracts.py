"""Contract suites: pytest classes that check a model or an explainer keeps whyrec's promises.

Subclass one in a test module and name what to check; pytest runs every inherited test against it::

    class TestMine(RecommenderContract):
        model_class = Mine
        config = MineConfig(regularization=5.0)

The checks run on the toy block data (`whyrec.testing.toys.blocks`), so they take seconds for a model that
fits in seconds. The idea is LensKit's ``lenskit.testing`` and scikit-learn's ``parametrize_with_checks``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest

from whyrec.data import Dataset, History, HistoryBatch
from whyrec.errors import ConfigError, NotFittedError
from whyrec.explain import EvidenceKind, Explainer, Explanation
from whyrec.models import BaseRecommender, ModelConfig, Recommender
from whyrec.testing.toys import LinearToyModel, blocks, history_batch

__all__ = ["ExplainerContract", "RecommenderContract", "build_model"]


def build_model(model_class: type[BaseRecommender[Any]], config: ModelConfig | Mapping[str, Any] | None, *,
                seed: int | None = None) -> BaseRecommender[Any]:
    """A new, unfitted model from a config object or keyword parameters, with `seed` when given."""
    if isinstance(config, ModelConfig):
        return model_class(config if seed is None else config.model_copy(update={"seed": seed}))
    params = dict(config or {})
    if seed is not None:
        params["seed"] = seed
    return model_class(**params)


class RecommenderContract:
    """What every model promises: the `Recommender` protocol, checked on the toy block data.

    Attributes:
        model_class: the model under test; built as ``model_class(config)`` (or ``model_class(**config)``
            for a mapping) and reloaded with ``model_class.from_state(config, state, n_items)``.
        config: its hyperparameters (None: the defaults). Keep them small: the toy data has 40 users.
        learns_taste_groups: whether the model personalises; False skips the check that a history's top
            items come from its own taste group (a popularity baseline cannot pass it).
    """

    model_class: ClassVar[type[BaseRecommender[Any]]]
    config: ClassVar[ModelConfig | Mapping[str, Any] | None] = None
    learns_taste_groups: ClassVar[bool] = True

    @classmethod
    def make_model(cls, *, seed: int | None = None) -> BaseRecommender[Any]:
        """A new, unfitted model under test (override to build it another way)."""
        return build_model(cls.model_class, cls.config, seed=seed)

    @pytest.fixture(scope="class")
    @classmethod
    def toy_data(cls) -> Dataset:
        """The block data: 40 users x 20 items in two taste groups."""
        return blocks()

    @pytest.fixture(scope="class")
    @classmethod
    def fitted_model(cls, toy_data: Dataset) -> BaseRecommender[Any]:
        """The model under test, fitted once on `toy_data` (the checks only read it)."""
        return cls.make_model().fit(toy_data)

    def test_fit_returns_self_and_score_shape(self, toy_data: Dataset) -> None:
        model = self.make_model()
        assert model.fit(toy_data) is model
        scores = model.score(toy_data.histories())
        assert scores.shape == (toy_data.n_users, toy_data.n_items)
        assert scores.dtype == np.float32
        assert np.isfinite(scores).all()

    def test_unfitted_model_raises(self, toy_data: Dataset) -> None:
        with pytest.raises(NotFittedError, match="not fitted yet"):
            self.make_model().score(toy_data.histories())

    def test_new_user_history_is_scored(self, toy_data: Dataset, fitted_model: Recommender) -> None:
        batch = history_batch(toy_data, ["0", "2", "4"])
        assert batch.user_ids == (None,)
        scores = fitted_model.score(batch)
        assert scores.shape == (1, toy_data.n_items) and np.isfinite(scores).all()
        empty = HistoryBatch.from_histories([History.of_items([])], toy_data.n_items)
        assert np.isfinite(fitted_model.score(empty)).all()

    def test_learns_the_taste_groups(self, toy_data: Dataset, fitted_model: Recommender) -> None:
        if not self.learns_taste_groups:
            pytest.skip(f"{self.model_class.__name__} does not personalise (learns_taste_groups = False)")
        group_a = [toy_data.items.index_of(str(i)) for i in range(10)]
        for history, mine in ((["0", "2", "4"], set(group_a)), (["11", "13", "15"], set(range(20)) - set(group_a))):
            recs = fitted_model.recommend(history_batch(toy_data, history), k=5)
            top = set(recs.items[0].tolist())
            assert len(top & mine) >= 4, f"{fitted_model.name} recommended {top} for history {history}"

    def test_exclude_seen_and_candidates(self, toy_data: Dataset, fitted_model: Recommender) -> None:
        batch = toy_data.histories()
        recs = fitted_model.recommend(batch, k=8)
        for row, history in enumerate(batch):
            assert not set(recs.items[row].tolist()) & set(history.items.tolist())
        allowed = np.array([1, 3, 5], dtype=np.int32)
        recs = fitted_model.recommend(history_batch(toy_data, ["0"]), k=5, candidates=allowed)
        assert set(recs.items[0][recs.items[0] >= 0].tolist()) <= set(allowed.tolist())
        assert (recs.items[0] == -1).sum() >= 2  # fewer candidates than k: padded
        with pytest.raises(ConfigError, match=r"k must be an int in the range \[1, inf\)"):
            fitted_model.recommend(batch, k=0)

    def test_deterministic_with_seed(self, toy_data: Dataset) -> None:
        a = self.make_model(seed=3).fit(toy_data).score(toy_data.histories())
        b = self.make_model(seed=3).fit(toy_data).score(toy_data.histories())
        np.testing.assert_array_equal(a, b)

    def test_state_round_trip_is_exact(self, toy_data: Dataset, fitted_model: BaseRecommender[Any],
                                       tmp_path: Path) -> None:
        # the arrays travel through an .npz file, as in a run directory
        state: dict[str, Any] = fitted_model.state()
        np.savez(tmp_path / "arrays.npz", **state)
        with np.load(tmp_path / "arrays.npz", allow_pickle=False) as arrays:
            loaded = self.model_class.from_state(fitted_model.config, {name: arrays[name] for name in arrays.files},
                                                 toy_data.n_items)
        assert loaded.config == fitted_model.config and loaded.is_fitted
        batch = toy_data.histories()
        np.testing.assert_array_equal(loaded.score(batch), fitted_model.score(batch))

    def test_histories_over_another_item_space_are_refused(self, toy_data: Dataset,
                                                           fitted_model: Recommender) -> None:
        wrong = HistoryBatch.from_histories([History.of_items([0])], toy_data.n_items + 1)
        with pytest.raises(ValueError, match="build histories from the same dataset"):
            fitted_model.score(wrong)

    def test_contributions_sum_to_the_score(self, toy_data: Dataset, fitted_model: Recommender) -> None:
        if not hasattr(self.model_class, "contributions"):
            pytest.skip(f"{self.model_class.__name__} is not additive (no contributions)")
        model: Any = fitted_model
        for user in ("u3", "u4"):
            history = toy_data.history(user)
            items = np.arange(toy_data.n_items, dtype=np.int32)
            c = model.contributions(history, items)
            assert c.per_history.shape == (len(items), len(c.history_items)) and c.baseline.shape == (len(items),)
            assert set(c.history_items.tolist()) <= set(history.items.tolist())
            score = model.score(HistoryBatch.from_histories([history], toy_data.n_items))[0]
            np.testing.assert_allclose(c.baseline + c.per_history.sum(1), score, atol=1e-5)

    def test_fast_edit_scoring_equals_scoring_the_edited_history(self, toy_data: Dataset,
                                                                 fitted_model: Recommender) -> None:
        if not hasattr(self.model_class, "edits_of"):
            pytest.skip(f"{self.model_class.__name__} has no fast edit scoring (no edits_of)")
        model: Any = fitted_model
        history = toy_data.history("u3")
        distinct = np.unique(history.items)
        removals = [set(), {int(distinct[0])}, {int(distinct[1]), int(distinct[2])}, {999}]
        fast = model.edits_of(history)(removals)
        slow = model.score(HistoryBatch.from_histories([history.without(r) for r in removals], toy_data.n_items))
        np.testing.assert_allclose(fast, slow, atol=1e-5)

    def test_edit_scoring_reuses_given_scores_and_ranks_prefixes(self, toy_data: Dataset,
                                                                fitted_model: Recommender) -> None:
        if not hasattr(self.model_class, "edits_of"):
            pytest.skip(f"{self.model_class.__name__} has no fast edit scoring (no edits_of)")
        model: Any = fitted_model
        history = toy_data.history("u5")
        distinct = np.unique(history.items)
        own = model.score(HistoryBatch.from_histories([history], toy_data.n_items))[0]
        removals = [{int(distinct[0])}, {int(distinct[0]), int(distinct[2])}]
        np.testing.assert_allclose(model.edits_of(history, scores=own)(removals), model.edits_of(history)(removals),
                                   atol=1e-5)
        edits = model.edits_of(history)
        if hasattr(edits, "prefixes"):  # linear edits (whyrec.models' LinearEdits)
            # every prefix of each row at once (-1 pads a short row) equals scoring the prefixes as sets
            orders = np.array([[distinct[3], distinct[1], distinct[0]], [distinct[2], -1, -1]])
            prefixes = edits.prefixes(orders)
            for r, order in enumerate(orders):
                for s in range(orders.shape[1]):
                    removal = {int(j) for j in order[: s + 1] if j >= 0}
                    np.testing.assert_allclose(prefixes[r, s], edits([removal])[0], atol=1e-5)


@dataclass(frozen=True)
class _ExplainedList:
    """One history, its top-k items and their explanations."""

    history: History
    items: np.ndarray
    explanations: list[Explanation]


@dataclass(frozen=True)
class _Explained:
    """What every explainer check reads: the data, the fitted model, the explainer and its explained lists."""

    data: Dataset
    model: Recommender
    explainer: Explainer
    lists: list[_ExplainedList]


class ExplainerContract:
    """What every explainer promises, checked on top-k lists of the toy block data.

    Attributes:
        method: the explainer's name in ``whyrec.explain.registry`` (or override `make_explainer`).
        model_class: the model explained (default: `LinearToyModel`, whose contributions are known).
        config: its hyperparameters (None: the defaults).
        additive: whether the explainer claims ``score == baseline + sum(weights)`` (checked to 1e-5).
        k: the list length: the explained items are each history's top k, and a verified counterfactual
            must take its item out of the top k.
    """

    method: ClassVar[str]
    model_class: ClassVar[type[BaseRecommender[Any]]] = LinearToyModel
    config: ClassVar[ModelConfig | Mapping[str, Any] | None] = None
    additive: ClassVar[bool] = False
    k: ClassVar[int] = 5

    @classmethod
    def make_model(cls) -> BaseRecommender[Any]:
        """A new, unfitted model to explain (override to build it another way)."""
        return build_model(cls.model_class, cls.config)

    @classmethod
    def make_explainer(cls, dataset: Dataset) -> Explainer:
        """The explainer under test, keeping every evidence entry and ranking among the active items.

        Override it (as a classmethod) for an explainer that is not in the registry; build it with the same
        list length `k`.
        """
        from whyrec.explain.registry import create_explainer

        explainer: Explainer = create_explainer(cls.method, dataset, candidates=dataset.active_items, top_n=None,
                                                k=cls.k)
        return explainer

    @classmethod
    def explain_toy_lists(cls) -> _Explained:
        """Fit the model on the toy data and explain six users' top-k lists and one new shopper's."""
        data = blocks()
        model = cls.make_model().fit(data)
        explainer = cls.make_explainer(data)
        histories = [*data.histories(data.users.ids_of(data.active_users[:6])),
                     data.history_from_items(["0", "2", "4"])]
        lists = []
        for history in histories:
            recs = model.recommend(HistoryBatch.from_histories([history], data.n_items), cls.k,
                                   candidates=data.active_items)
            items = recs.items[0][recs.items[0] >= 0]
            lists.append(_ExplainedList(history, items, explainer.explain(model, history, items)))
        return _Explained(data, model, explainer, lists)

    @pytest.fixture(scope="class")
    @classmethod
    def explained(cls) -> _Explained:
        """The explained lists, made once for every check."""
        return cls.explain_toy_lists()

    def test_supports_the_model(self, explained: _Explained) -> None:
        assert explained.explainer.supports(explained.model)

    def test_one_explanation_per_item_in_order(self, explained: _Explained) -> None:
        data, model, explainer, lists = explained.data, explained.model, explained.explainer, explained.lists
        for case in lists:
            assert [e.item_id for e in case.explanations] == data.items.ids_of(case.items)
            assert [e.rank for e in case.explanations] == list(range(1, len(case.items) + 1))
            for e in case.explanations:
                assert (e.user_id, e.model, e.method) == (case.history.user_id, model.name, explainer.method)

    def test_history_evidence_refers_to_history_items(self, explained: _Explained) -> None:
        data, lists = explained.data, explained.lists
        for case in lists:
            seen = set(data.items.ids_of(case.history.items))
            for e in case.explanations:
                assert {ev.ref for ev in e.evidence if ev.kind == EvidenceKind.HISTORY_ITEM} <= seen

    def test_additive_explanations_sum_to_the_score(self, explained: _Explained) -> None:
        if not self.additive:
            pytest.skip(f"method {self.method!r} does not claim additivity (additive = False)")
        data, model, lists = explained.data, explained.model, explained.lists
        for case in lists:
            scores = model.score(HistoryBatch.from_histories([case.history], data.n_items))[0]
            for item, e in zip(case.items, case.explanations, strict=True):
                assert e.complete
                total = e.baseline + sum(ev.weight for ev in e.evidence)
                assert total == pytest.approx(float(scores[item]), abs=1e-5)
                assert e.score == pytest.approx(float(scores[item]), abs=1e-5)

    def test_explanation_json_round_trip(self, explained: _Explained) -> None:
        explainer, lists = explained.explainer, explained.lists
        for case in lists:
            for e in case.explanations:
                payload = json.loads(e.model_dump_json())
                assert isinstance(payload["item_id"], str) and payload["method"] == explainer.method
                assert Explanation.model_validate(payload) == e

    def test_verified_counterfactuals_drop_the_item(self, explained: _Explained) -> None:
        data, model, lists = explained.data, explained.model, explained.lists
        checked = offered = 0
        retrained: list[bool] = []
        for case in lists:
            for item, e in zip(case.items, case.explanations, strict=True):
                cf = e.counterfactual
                offered += cf is not None
                if cf is None or not cf.verified:
                    continue
                if cf.verified == "retrained":
                    # the claim is about the model refitted without those interactions: refit it and check
                    # (a model whose retrained scores are an estimate, ALS, against the mean of 3 seeds)
                    from whyrec.explain.fidelity import retrain_check

                    exact = getattr(model, "retrain_exact", True)
                    removed = data.items.indices_of(list(cf.removed))
                    retrained.append(retrain_check(model, data, case.history, int(item), removed, k=self.k,
                                                   candidates=data.active_items,
                                                   seeds=(None,) if exact else (0, 1, 2)).held)
                    assert retrained[-1] or not exact
                    checked += 1
                    continue
                # independent check: edit the history, re-score with the model, rank the item ourselves
                edited = case.history.without(data.items.indices_of(list(cf.removed)))
                recs = model.recommend(HistoryBatch.from_histories([edited], data.n_items), self.k,
                                       candidates=data.active_items)
                assert item not in recs.items[0]
                assert cf.new_rank is None or cf.new_rank > self.k
                checked += 1
        if retrained:
            assert np.mean(retrained) >= 0.6, f"{np.mean(retrained):.0%} of the retrained claims held after refits"
        if not checked:
            what = "verified none of its" if offered else "gives no"
            pytest.skip(f"method {self.method!r} {what} counterfactuals on these lists")
