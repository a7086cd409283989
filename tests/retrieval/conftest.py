"""A catalog of 5,000 items (synthetic-longtail, 50,000 events) and ALS fitted on it, saved as a run."""

from __future__ import annotations

from pathlib import Path

import pytest

from whyrec.data.loading import DataSource
from whyrec.evaluate.splits import Split, TemporalUserSplit, split_dataset
from whyrec.models import ALS
from whyrec.runs import RunMeta, save_run

#: A threshold under the test catalog, so ``auto`` retrieval is approximate on it.
THRESHOLD = 1_000


@pytest.fixture(scope="session")
def shop_split() -> Split:
    """synthetic-longtail at 50,000 events: about 600 users x 5,000 items."""
    source = DataSource(source="synthetic-longtail", synthetic_events=50_000, seed=0)
    return split_dataset(source.load()[0], TemporalUserSplit())


@pytest.fixture(scope="session")
def shop_als(shop_split: Split) -> ALS:
    """ALS fitted on the split's train + valid."""
    return ALS(embedding_size=32, epochs=5).fit(shop_split.fit)


@pytest.fixture(scope="session")
def shop_run(shop_split: Split, shop_als: ALS, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`shop_als` saved as a self-contained run (no item index yet)."""
    source = DataSource(source="synthetic-longtail", synthetic_events=50_000, seed=0)
    meta = RunMeta(model="als", params=shop_als.config.model_dump(), data=source,
                   dataset_fingerprint=shop_split.dataset.fingerprint, n_items=shop_split.dataset.n_items,
                   protocol=shop_split.protocol)
    return save_run(tmp_path_factory.mktemp("runs") / "als", shop_als, meta, split=shop_split)
