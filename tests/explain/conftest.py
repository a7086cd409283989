"""Shared explainer fixtures: EASE fitted once on the ml-100k train + valid part."""

from __future__ import annotations

import pytest

from whyrec.data import Dataset
from whyrec.evaluate import Split
from whyrec.models import EASE


@pytest.fixture(scope="session")
def fit(ml100k_split: Split) -> Dataset:
    """The ml-100k train + valid part (what `whyrec train` fits on)."""
    return ml100k_split.fit


@pytest.fixture(scope="session")
def ease(fit: Dataset) -> EASE:
    """EASE with its default hyperparameters, fitted on `fit`."""
    return EASE().fit(fit)
