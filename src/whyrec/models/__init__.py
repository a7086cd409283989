"""Recommendation models behind one contract: fit a Dataset, score any history."""

from whyrec.models.affinity import AttributeAffinity, AttributeAffinityConfig
from whyrec.models.base import BaseRecommender, ModelConfig, Recommender
from whyrec.models.bpr import BPR, BPRConfig
from whyrec.models.capabilities import AdditiveScorer, Contributions
from whyrec.models.ease import EASE, EASEConfig
from whyrec.models.implicit_mf import ALS, ALSConfig
from whyrec.models.itemknn import ItemKNN, ItemKNNConfig
from whyrec.models.popular import MostPopular, MostPopularConfig
from whyrec.models.ranking import Recommendations, top_k
from whyrec.models.registry import MODEL_NAMES, MODELS, create_model, model_class
from whyrec.models.transitions import ItemTransitions, ItemTransitionsConfig

__all__ = [
    "ALS",
    "BPR",
    "EASE",
    "MODELS",
    "MODEL_NAMES",
    "ALSConfig",
    "AdditiveScorer",
    "AttributeAffinity",
    "AttributeAffinityConfig",
    "BPRConfig",
    "BaseRecommender",
    "Contributions",
    "EASEConfig",
    "ItemKNN",
    "ItemKNNConfig",
    "ItemTransitions",
    "ItemTransitionsConfig",
    "ModelConfig",
    "MostPopular",
    "MostPopularConfig",
    "Recommendations",
    "Recommender",
    "create_model",
    "model_class",
    "top_k",
]
