"""The Explanation object: the one schema the CLI, the API and the UI share.

Evidence is typed and weighted; text is rendered from it later, never parsed back.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Counterfactual", "Evidence", "EvidenceKind", "ExplainMethod", "Explanation"]


class EvidenceKind(StrEnum):
    """What a piece of evidence points at."""

    HISTORY_ITEM = "history_item"
    ATTRIBUTE = "attribute"
    USER_ATTRIBUTE = "user_attribute"
    FEATURE = "feature"
    SEQUENCE_POSITION = "sequence_position"
    KG_PATH = "kg_path"
    TEXT_SIMILARITY = "text_similarity"
    POPULARITY = "popularity"


class ExplainMethod(StrEnum):
    """How the evidence was computed."""

    EXACT = "exact"
    ATTENTION = "attention"
    INTEGRATED_GRADIENTS = "ig"
    SHAP = "shap"
    LIME = "lime"
    COUNTERFACTUAL = "counterfactual"
    ATTRIBUTE = "attribute"
    KG = "kg"
    RANDOM = "random"
    RECENT = "recent"
    POPULARITY = "popularity"


class Evidence(BaseModel):
    """One reason, with its weight in score units.

    Attributes:
        kind: what it points at.
        ref: an item id, ``attribute=value``, or a path.
        label: human-readable (a title, "category: Comedy").
        weight: contribution to the score (additive methods) or the method's own importance.
        share: weight / score (0 when the score is 0).
    """

    model_config = ConfigDict(frozen=True)

    kind: EvidenceKind
    ref: str
    label: str
    weight: float
    share: float


class Counterfactual(BaseModel):
    """The smallest found set of history items whose removal takes the item out of the top k.

    Attributes:
        removed: item ids removed from the history.
        new_rank: the item's rank once they are removed (None when it can no longer be ranked).
        new_score: its score then.
        verified: True only when the model itself re-scored the edited history and the rank fell below k.
    """

    model_config = ConfigDict(frozen=True)

    removed: tuple[str, ...]
    new_rank: int | None
    new_score: float
    verified: bool


class Explanation(BaseModel):
    """Why one item was recommended to one history.

    For additive methods ``score == baseline + sum(e.weight for e in evidence)`` when every contribution
    is listed (``complete``).
    """

    model_config = ConfigDict(frozen=True)

    user_id: str | None
    item_id: str
    score: float
    rank: int
    model: str
    method: ExplainMethod
    evidence: tuple[Evidence, ...] = Field(default_factory=tuple)
    baseline: float = 0.0
    counterfactual: Counterfactual | None = None
    elapsed_ms: float = 0.0
    complete: bool = False
    """Whether `evidence` lists every contribution (so that the sum identity holds), not only the top ones."""

    def to_json_dict(self) -> dict[str, object]:
        """The documented JSON form (ids as strings)."""
        return self.model_dump(mode="json")
