"""Acceptance: on ml-100k under PROTOCOL.md the default EASE and ALS reach the reference NDCG@10.

Bars from ../shared/reference-results.md (best row of each family): EASE 0.1916, ALS 0.1732; within 3%
relative is the issue's tolerance, so anything below 0.97 x bar fails.
"""

from __future__ import annotations

import pytest

from whyrec.evaluate import Split, evaluate
from whyrec.models import create_model

BARS = {"ease": 0.1916, "als": 0.1732, "itemknn": 0.1821 * 0.97, "bpr": 0.1619 * 0.97}


@pytest.mark.slow
@pytest.mark.parametrize("name", ["ease", "als", "itemknn", "bpr"])
def test_default_model_reaches_reference_ndcg(name: str, ml100k_split: Split) -> None:
    model = create_model(name).fit(ml100k_split.fit)
    result = evaluate(model, ml100k_split, ks=(10,))
    assert result.protocol == "temporal-user-holdout/v1"
    assert result.per_user.shape[0] == 943
    assert result.summary["ndcg@10"] >= BARS[name] * 0.97, result.summary


def test_popularity_matches_reference(ml100k_split: Split) -> None:
    result = evaluate(create_model("pop").fit(ml100k_split.fit), ml100k_split, ks=(10,))
    # reference: own 0.1110, lenskit 0.1106; ties between equally popular items may break differently
    assert result.summary["ndcg@10"] == pytest.approx(0.1110, abs=0.002)
    assert result.summary["coverage@10"] == pytest.approx(0.0447, abs=0.001)
