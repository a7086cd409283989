"""The text model: MiniLM item embeddings, recency-weighted profiles, cosine scores, cold items."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import whyrec.models.text as text_module
from whyrec.data import Dataset, History, HistoryBatch, build_dataset
from whyrec.models import create_model
from whyrec.models.text import TextModel, embed_texts, recency_profiles

from tests.conftest import genre_tables

SEQUELS = {"c1": "Star Wars: Episode VI - Return of the Jedi", "c2": "Toy Story 2"}


@pytest.fixture(scope="module")
def films_with_sequels() -> Dataset:
    """The films, plus two sequels that nobody has watched (catalog only: cold items)."""
    events, catalog = genre_tables()
    sequels = pd.DataFrame({"item_id": list(SEQUELS), "title": list(SEQUELS.values()),
                            "category": ["Sci-Fi|Space adventure", "Animation|Children's|Cartoon"]})
    return build_dataset(events, name="films+sequels", catalog=pd.concat([catalog, sequels], ignore_index=True))


@pytest.fixture(scope="module")
def text_model(films_with_sequels: Dataset) -> TextModel:
    return TextModel().fit(films_with_sequels)


def test_recency_profile_weights_the_newest_most() -> None:
    vectors = np.eye(3, dtype=np.float32)
    batch = HistoryBatch.from_histories([History.of_items([0, 1, 2]), History.of_items([2, 2]),
                                         History.of_items([])], 3)
    profiles = recency_profiles(batch, vectors, decay=0.5)
    np.testing.assert_allclose(profiles[0], np.array([0.25, 0.5, 1.0]) / 1.75, atol=1e-7)
    np.testing.assert_allclose(profiles[1], [0.0, 0.0, 1.0], atol=1e-7)  # repeats add up
    np.testing.assert_array_equal(profiles[2], [0.0, 0.0, 0.0])


def test_cold_sequel_with_a_matching_title_ranks_first(films_with_sequels: Dataset, text_model: TextModel) -> None:
    data = films_with_sequels
    assert data.item_user_counts[data.items.index_of("c1")] == 0  # never watched
    for seen, sequel in (("i0", "c1"), ("i30", "c2")):  # Star Wars, Toy Story
        recs = text_model.recommend(HistoryBatch.from_histories([data.history_from_items([seen])], data.n_items), k=3)
        assert data.items.ids_of(recs.items[0][:1])[0] == sequel, data.items.ids_of(recs.items[0])


def test_scores_are_cosines_of_the_profile(films_with_sequels: Dataset, text_model: TextModel) -> None:
    data = films_with_sequels
    scores = text_model.score(HistoryBatch.from_histories([data.history_from_items(["i3"])], data.n_items))[0]
    e = text_model.item_embeddings_
    np.testing.assert_allclose(np.linalg.norm(e, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(scores, e @ e[data.items.index_of("i3")], atol=1e-5)
    assert scores.max() <= 1.0 + 1e-5 and scores[data.items.index_of("i3")] == pytest.approx(1.0, abs=1e-5)


def test_recency_decay_lets_the_latest_taste_win(films_with_sequels: Dataset) -> None:
    data = films_with_sequels
    history = data.history_from_items(["i0", "i2", "i4", "i30"])  # three sci-fi films, then one cartoon
    batch = HistoryBatch.from_histories([history], data.n_items)
    top_recent = create_model("text", recency_decay=0.1).fit(data).recommend(batch, k=1).items[0, 0]
    top_mean = create_model("text", recency_decay=1.0).fit(data).recommend(batch, k=1).items[0, 0]
    assert data.items.ids_of([top_recent])[0] == "c2"  # Toy Story 2 follows the newest event
    assert int(data.items.ids_of([top_mean])[0].lstrip("ic")) < 30 or data.items.ids_of([top_mean])[0] == "c1"


def test_embeddings_are_cached_by_text(monkeypatch: pytest.MonkeyPatch, embedding_cache) -> None:
    texts = ("a film about robots", "a film about ponies")
    first = embed_texts(texts)
    assert any(embedding_cache.glob("all-MiniLM-L6-v2-*.npy"))

    def no_encoder(_name: str) -> None:
        raise AssertionError("the encoder was loaded although the embeddings are cached")

    monkeypatch.setattr(text_module, "_load_encoder", no_encoder)
    np.testing.assert_array_equal(embed_texts(texts), first)


def test_state_scores_without_the_encoder(films_with_sequels: Dataset, text_model: TextModel,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(text_module, "_load_encoder", lambda _name: pytest.fail("encoder needed to score"))
    again = TextModel.from_state(text_model.config, text_model.state(), films_with_sequels.n_items)
    batch = films_with_sequels.histories()
    np.testing.assert_array_equal(again.score(batch), text_model.score(batch))
