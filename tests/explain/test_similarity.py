"""The text-similarity baseline names the history items whose text is closest to the recommended item's."""

from __future__ import annotations

from whyrec.data import Dataset, History
from whyrec.explain.explanation import EvidenceKind, ExplainMethod
from whyrec.explain.registry import create_explainer
from whyrec.models import EASE, MostPopular


def test_text_similarity_prefers_history_items_of_the_recommended_items_genre(films: Dataset) -> None:
    # a mixed history: three sci-fi films (i0-i29) and three animated ones (i30-i59)
    history = History.of_items(films.items.indices_of(["i1", "i2", "i3", "i31", "i32", "i33"]), user_id="mixed")
    targets = films.items.indices_of(["i10", "i40"])  # Starship Troopers (sci-fi), Coco (animation)
    explainer = create_explainer("text_similarity", films, top_n=3)
    model = MostPopular().fit(films)
    scifi, animation = explainer.explain(model, history, targets)
    assert scifi.method == ExplainMethod.TEXT_SIMILARITY
    assert all(e.kind == EvidenceKind.HISTORY_ITEM for e in scifi.evidence)
    assert {e.ref for e in scifi.evidence} == {"i1", "i2", "i3"}
    assert {e.ref for e in animation.evidence} == {"i31", "i32", "i33"}
    weights = [e.weight for e in scifi.evidence]
    assert weights == sorted(weights, reverse=True) and all(-1.0 <= w <= 1.0 for w in weights)


def test_text_similarity_ignores_the_model(films: Dataset) -> None:
    """A model-blind baseline: two different models get the same evidence (unlike exact attributions)."""
    history = History.of_items(films.items.indices_of(["i1", "i31", "i45"]), user_id="u")
    target = films.items.indices_of(["i12"])
    explainer = create_explainer("text_similarity", films, top_n=None)
    first = explainer.explain(MostPopular().fit(films), history, target)[0]
    second = explainer.explain(EASE().fit(films), history, target)[0]
    assert [e.ref for e in first.evidence] == [e.ref for e in second.evidence]
