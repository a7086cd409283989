"""Next-item training of SASRec and GRU4Rec: sampled softmax, the time budget, one-stage training, progress."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from whyrec import progress
from whyrec.data import Dataset, History, HistoryBatch
from whyrec.evaluate import split_dataset
from whyrec.evaluate.splits import LeaveLastOutSplit
from whyrec.models.torch.gru4rec import GRU4Rec
from whyrec.models.torch.sasrec import SASRec
from whyrec.training import fit_on_split

from tests.models.sequences import cycles

torch = pytest.importorskip("torch")

SMALL = {"embedding_size": 16, "max_length": 6, "batch_size": 8, "dropout": 0.0, "learning_rate": 0.01,
         "threads": 1}


@pytest.fixture(scope="module")
def data() -> Dataset:
    return cycles()


def _next_items(model: SASRec | GRU4Rec, data: Dataset) -> list[bool]:
    index = [data.items.index_of(str(i)) for i in range(12)]
    hits = []
    for start in (0, 5, 9):
        history = History.of_items([index[(start + t) % 12] for t in range(3)])
        recs = model.recommend(HistoryBatch.from_histories([history], data.n_items), k=1)
        hits.append(bool(recs.items[0, 0] == index[(start + 3) % 12]))
    return hits


@pytest.mark.parametrize("model_class", [SASRec, GRU4Rec])
def test_sampled_softmax_learns_the_next_item(model_class: type[SASRec] | type[GRU4Rec], data: Dataset,
                                              caplog: pytest.LogCaptureFixture) -> None:
    extra = {"hidden_size": 32} if model_class is GRU4Rec else {}
    with caplog.at_level(logging.INFO, logger="whyrec.models.torch"):
        model = model_class(**SMALL, **extra, epochs=25, loss="sampled_softmax", n_negatives=4).fit(data)
    assert "sampled softmax (4 negatives)" in caplog.text
    assert all(_next_items(model, data))


def test_popularity_and_in_batch_negatives_learn_the_next_item(data: Dataset) -> None:
    model = SASRec(**SMALL, epochs=25, loss="sampled_softmax", n_negatives=4, negative_exponent=1.0,
                   in_batch_negatives=True, logq_correction=True).fit(data)
    assert all(_next_items(model, data))


def test_separate_output_vectors_learn_the_next_item_and_reload_exactly(data: Dataset) -> None:
    model = SASRec(**SMALL, epochs=25, separate_output=True).fit(data)
    assert all(_next_items(model, data))
    state = model.state()
    assert state["output"].shape == (data.n_items, SMALL["embedding_size"])
    batch = data.histories()
    loaded = SASRec.from_state(model.config, state, data.n_items)
    np.testing.assert_array_equal(loaded.score(batch), model.score(batch))
    tied = SASRec(**SMALL, epochs=1).fit(data)  # a run saved before the option: tied vectors, read as such
    old = SASRec.from_state(model.config, tied.state(), data.n_items)
    assert old.module_.output is None
    np.testing.assert_array_equal(old.score(batch), tied.score(batch))


def test_unset_settings_follow_the_catalog_size(data: Dataset, caplog: pytest.LogCaptureFixture) -> None:
    from whyrec.models.torch.sasrec import SHOP_SCALE, resolved_config

    small, shop = resolved_config(SASRec().config, 1_682), resolved_config(SASRec().config, 6_000)
    assert small.model_dump(include=set(SHOP_SCALE[False])) == SHOP_SCALE[False]
    assert shop.model_dump(include=set(SHOP_SCALE[True])) == SHOP_SCALE[True]
    assert resolved_config(SASRec(dropout=0.1).config, 6_000).dropout == 0.1  # a given value is kept
    with caplog.at_level(logging.INFO, logger="whyrec.models.torch"):
        model = SASRec(**SMALL, epochs=1).fit(data)
    assert "prefix_training=False, separate_output=False" in caplog.text
    assert model.config.separate_output is None  # the config keeps what was asked; the fit logs what it used
    assert model.training_config_.separate_output is False and model.training_config_.batch_size == SMALL["batch_size"]


def test_prefix_training_learns_the_next_item(data: Dataset) -> None:
    model = SASRec(**SMALL, epochs=25, prefix_training=True, separate_output=True).fit(data)
    assert all(_next_items(model, data))


def test_the_log_q_correction_makes_the_sampled_loss_estimate_the_full_softmax() -> None:
    from whyrec.models.torch._next_item import NegativeSampler, next_item_loss
    from whyrec.models.torch.sequence import NextItemConfig

    generator = torch.Generator().manual_seed(0)
    states, matrix = torch.randn(64, 8, generator=generator), torch.randn(400, 8, generator=generator)
    bias, targets = torch.zeros(400), torch.randint(0, 400, (64,), generator=generator)
    full = float(next_item_loss(states, targets, matrix, bias, sampler=None, generator=generator))
    counts = (10_000.0 / np.arange(1, 401)).astype(np.int64)  # a long tail: draws far from uniform
    losses = {}
    for correct in (False, True):
        config = NextItemConfig(n_negatives=20_000, negative_exponent=1.0, logq_correction=correct)
        sampler = NegativeSampler.of(counts, config)
        losses[correct] = float(next_item_loss(states, targets, matrix, bias, sampler=sampler, generator=generator))
    # with many draws, sum_j exp(logit_j - log q_j) over the draws is about n_negatives x the full partition,
    # so the corrected loss is the full softmax's plus log(n_negatives) plus the targets' mean log q (constants
    # for the gradient); the uncorrected loss is not
    shift = np.log(20_000) + float(sampler.log_q[targets].mean())
    assert abs(losses[True] - shift - full) < 0.02
    assert abs(losses[False] - shift - full) > 0.5


def test_in_batch_candidates_are_the_batch_targets_and_the_draws() -> None:
    from whyrec.models.torch._next_item import NegativeSampler
    from whyrec.models.torch.sequence import NextItemConfig

    sampler = NegativeSampler.of(np.array([5, 1, 0, 2]), NextItemConfig(n_negatives=3, in_batch_negatives=True))
    targets = torch.tensor([2, 0])
    candidates, log_q = sampler.candidates(targets, torch.Generator().manual_seed(0))
    assert candidates[:2].tolist() == [2, 0] and len(candidates) == 5
    np.testing.assert_allclose(log_q[:2].exp().numpy(), [1 / 12, 6 / 12], rtol=1e-6)  # (count + 1) / total
    np.testing.assert_allclose(log_q[2:].exp().numpy(), 0.25, rtol=1e-6)  # exponent 0: uniform draws


def test_auto_loss_is_the_full_softmax_on_a_small_catalog(data: Dataset, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="whyrec.models.torch"):
        SASRec(**SMALL, epochs=1).fit(data)
    assert "full softmax (12 items)" in caplog.text


def test_a_spent_budget_stops_inside_the_first_epoch(data: Dataset) -> None:
    model = SASRec(**{**SMALL, "batch_size": 1}, epochs=50, max_minutes=1e-6).fit(data)
    log = model.training_log_
    assert log.stopped_by == "budget"
    assert len(log.losses) == 1 and log.sequences_per_second[0] * log.train_seconds[0] < len(data.active_users)


def test_one_stage_keeps_the_early_stopped_model_and_two_stages_refit(data: Dataset) -> None:
    parts = split_dataset(data, LeaveLastOutSplit())
    one = SASRec(**SMALL, epochs=3, refit=False)
    assert fit_on_split(one, parts) is one
    assert len(one.training_log_.validation) == 3
    two = SASRec(**SMALL, epochs=3)
    refit = fit_on_split(two, parts)
    assert refit is not two and refit.config.epochs == two.training_log_.best_epoch
    assert refit.training_log_.validation == []  # the refit never sees validation


class _Recorder:
    def __init__(self) -> None:
        self.labels: list[str] = []

    def start(self, description: str, total: int | None) -> progress.ProgressTask:
        self.labels.append(description)
        return self

    def advance(self, n: int = 1) -> None:
        pass

    def note(self, text: str) -> None:
        pass

    def finish(self, task: progress.ProgressTask, ok: bool = True) -> None:
        pass

    def message(self, text: str) -> None:
        pass


def test_every_epoch_reports_validation_and_throughput(data: Dataset, caplog: pytest.LogCaptureFixture) -> None:
    parts = split_dataset(data, LeaveLastOutSplit())
    recorder = _Recorder()
    progress.set_reporter(recorder)
    try:
        with caplog.at_level(logging.INFO, logger="whyrec.models.torch"):
            fit_on_split(SASRec(**SMALL, epochs=2, refit=False), parts)
    finally:
        progress.set_reporter(None)
    assert recorder.labels[:2] == ["SASRec epochs", "SASRec epoch 1/2"]
    assert recorder.labels[2].startswith("SASRec epoch 2/2 (last: valid NDCG 0.")
    assert "seq/s" in recorder.labels[2]
    epochs = [r.getMessage() for r in caplog.records if r.getMessage().startswith("SASRec epochs 2/2")]
    assert len(epochs) == 1 and "valid NDCG" in epochs[0] and "sequences/s" in epochs[0]


def test_a_score_does_not_depend_on_the_other_histories_of_the_batch(data: Dataset) -> None:
    model = SASRec(**{**SMALL, "dropout": 0.1}, epochs=1).fit(data)
    index = [data.items.index_of(str(i)) for i in range(12)]
    short, long = History.of_items(index[:2]), History.of_items(index[3:9])
    alone = model.score(HistoryBatch.from_histories([short], data.n_items))
    together = model.score(HistoryBatch.from_histories([long, short], data.n_items))
    np.testing.assert_allclose(together[1], alone[0], rtol=1e-5, atol=1e-5)
