"""On synthetic data with planted preferences, exact evidence points at the planted categories and brands."""

from __future__ import annotations

import pytest

from whyrec.data.builtin.synthetic import SyntheticConfig, generate
from whyrec.data.loading import DataSource
from whyrec.evaluate import split_dataset
from whyrec.explain.evaluation import evaluate_explainers, planted_preferences
from whyrec.models import EASE


def test_exact_evidence_matches_planted_preferences_more_than_random() -> None:
    dataset, _ = DataSource(source="synthetic", synthetic_events=20_000, seed=3).load()
    truth = planted_preferences(generate(SyntheticConfig(n_events=20_000, seed=3)).preferences)
    fit = split_dataset(dataset).fit
    model = EASE(regularization=50.0).fit(fit)
    users = fit.users.ids_of(fit.active_users[:40])
    report = evaluate_explainers(model, fit, users, methods=("exact", "random"), k=5, shared_users=0,
                                 preferences=truth)
    rows = {r["method"]: r for r in report.to_dict()["all_pairs"]}
    assert rows["exact"]["pairs"] == rows["random"]["pairs"] > 0
    # users draw most items from their planted categories and brands, so even random history items often
    # match; the model's real evidence must match more often
    assert rows["exact"]["correctness"] > rows["random"]["correctness"]
    assert rows["exact"]["correctness"] > 0.6
    # the report's curves: the AUCs are the mean of the mean curves over the steps
    for row in rows.values():
        for curve, auc in (("deletion_curve", "deletion_auc"), ("insertion_curve", "insertion_auc")):
            assert len(row[curve]) > 1
            assert sum(row[curve]) / len(row[curve]) == pytest.approx(row[auc])
