"""SASRec's attention heatmap: the rollout onto each recent history position, the same for the whole list."""

from __future__ import annotations

import pytest

from whyrec.data import Dataset
from whyrec.data.loading import DataSource
from whyrec.explain import Explanation
from whyrec.explain.attention import AttentionExplainer
from whyrec.explain.pipeline import recommend_explained
from whyrec.models.registry import create_model


@pytest.fixture(scope="module")
def shop() -> Dataset:
    dataset, _ = DataSource(source="synthetic", synthetic_events=5_000, seed=1).load()
    return dataset


def test_the_heatmap_is_the_rollout_over_the_last_positions_and_agrees_with_the_attention_method(shop: Dataset) -> None:
    model = create_model("sasrec", embedding_size=16, n_layers=2, max_length=8, epochs=1, batch_size=256).fit(shop)
    user = shop.users.id_of(0)
    history = shop.history(user)
    assert len(history) > 8  # long enough that the window cuts it
    made = recommend_explained(model, history, dataset=shop, k=5)
    attention = made.explanations[0].attention
    assert attention is not None and attention.method == "rollout"
    assert all(e.attention == attention for e in made.explanations)  # one state scores the whole list
    cells = attention.positions
    assert [c.item_id for c in cells] == [shop.items.id_of(int(i)) for i in history.items[-8:]]  # oldest first
    assert sum(c.share for c in cells) == pytest.approx(1.0, abs=1e-6)
    assert all(c.share >= 0 for c in cells)
    # the attention method's history-item weights are these shares added up per distinct item
    by_item: dict[str, float] = {}
    for c in cells:
        by_item[c.item_id] = by_item.get(c.item_id, 0.0) + c.share
    evidence = AttentionExplainer(shop, top_n=None).explain(model, history, made.items[:1])[0].evidence
    assert {x.ref: x.weight for x in evidence} == pytest.approx(by_item)
    again = Explanation.model_validate(made.explanations[0].to_json_dict())
    assert again.attention == attention
