import numpy as np

from whyrec.models import BaseRecommender, ModelConfig
from whyrec.testing import RecommenderContract


class CoVisit(BaseRecommender[ModelConfig]):
    """Scores an item by how often it was seen together with the history's items."""

    name = "covisit"
    config_class = ModelConfig

    def _fit(self, dataset):
        seen = (dataset.interactions > 0).astype(np.float32)
        together = (seen.T @ seen).toarray()
        np.fill_diagonal(together, 0.0)
        self.together_ = together / (together.sum(axis=0) + 1.0)

    def _score(self, histories):
        return histories.binary @ self.together_

    def state(self):
        return {"together": self.together_}

    def _load_state(self, state):
        self.together_ = state["together"]


class TestCoVisit(RecommenderContract):
    model_class = CoVisit
