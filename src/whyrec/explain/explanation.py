"""The Explanation object: the one schema the CLI, the API and the UI share.

Evidence is typed and weighted; text is rendered from it later, never parsed back.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["AttentionCell", "Counterfactual", "Evidence", "EvidenceKind", "ExplainMethod", "Explanation",
           "FieldAttribution", "FieldAttributions", "Lang", "Reason", "SequenceAttention", "TextSource", "Trust",
           "Verification"]


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
    TERMS = "terms"
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
    TEXT_SIMILARITY = "text_similarity"


class Evidence(BaseModel):
    """One reason, with its weight in score units.

    Attributes:
        kind: what it points at.
        ref: an item id, ``attribute=value``, or a path.
        label: human-readable (a title, "category: Comedy").
        weight: contribution to the score (additive methods) or the method's own importance.
        share: weight / score (0 when the score is 0).
        event: for a history item, the kind of its strongest event in the history (``purchase``, ``cart``,
            ``rating``, ``click``, ``view`` or the data's own name); None when unknown.
        rating: for a history item whose event is ``rating``, the user's rating of it (the last one given);
            None otherwise.
    """

    model_config = ConfigDict(frozen=True)

    kind: EvidenceKind
    ref: str
    label: str
    weight: float
    share: float
    event: str | None = None
    rating: float | None = None


#: How a counterfactual was checked: ``"rescored"`` (the same weights re-scored the edited history) or
#: ``"retrained"`` (the model refitted without those interactions of this user, exactly or by the model's
#: documented approximation; see `whyrec.models.retraining`).
Verification = Literal["rescored", "retrained"]


class Counterfactual(BaseModel):
    """The smallest found set of history items whose removal takes the item out of the top k.

    Attributes:
        removed: item ids removed from the history.
        new_rank: the item's rank once they are removed (None when it can no longer be ranked).
        new_score: its score then.
        verified: how the claim was checked (`Verification`), None when it was not: set only when the edited
            history's score is below that of k rankable items by a real margin (a tie with the k-th is not "out").
    """

    model_config = ConfigDict(frozen=True)

    removed: tuple[str, ...]
    new_rank: int | None
    new_score: float
    verified: Verification | None


class FieldAttribution(BaseModel):
    """One input field's share of a feature model's score (DeepFM).

    Attributes:
        field: the model's field name: ``item`` (the item's id), ``item:<name>`` (an item attribute such as
            ``item:category``), ``user:<name>`` (a user attribute) or ``history`` (the history as a whole).
        values: what the field holds here: the item id, the attribute's values (none when unknown), or the
            number of distinct history items.
        weight: the field's attribution in score units.
    """

    model_config = ConfigDict(frozen=True)

    field: str
    values: tuple[str, ...]
    weight: float


class FieldAttributions(BaseModel):
    """Integrated gradients over a feature model's input fields (see `whyrec.explain.fields`).

    ``baseline_score + sum(f.weight for f in fields) + residual == score``: the baseline is the score of the
    all-zero input (every field vector zero, "no field at all"); ``residual`` is the integration error, what
    completeness leaves unexplained.

    Attributes:
        method: always integrated gradients.
        baseline: the baseline input (``"zeros"``).
        baseline_score: the model's score of the baseline input.
        residual: score - baseline_score - the summed weights.
        n_steps: points on the integration path.
        fields: every field, in the model's order.
    """

    model_config = ConfigDict(frozen=True)

    method: Literal["ig"] = "ig"
    baseline: Literal["zeros"] = "zeros"
    baseline_score: float
    residual: float
    n_steps: int
    fields: tuple[FieldAttribution, ...]


class AttentionCell(BaseModel):
    """One input position of a sequence model and the share of the final state that flows from it.

    Attributes:
        item_id: the history item at this position.
        share: its share of the last position's state (attention rollout); the shares of a sequence sum to 1.
    """

    model_config = ConfigDict(frozen=True)

    item_id: str
    share: float


class SequenceAttention(BaseModel):
    """Attention rollout over the recent history a self-attentive model reads (SASRec), oldest position first.

    The same for every item of one list: it describes the state that scores all items (see
    `whyrec.explain.attention`). Shares, not score units.

    Attributes:
        method: always attention rollout (Abnar & Zuidema, 2020).
        positions: the model's input positions with their items and shares (padding left out).
    """

    model_config = ConfigDict(frozen=True)

    method: Literal["rollout"] = "rollout"
    positions: tuple[AttentionCell, ...]


class Lang(StrEnum):
    """Languages the reasons are written in."""

    EN = "en"
    ZH = "zh"


class TextSource(StrEnum):
    """Which path produced a reason's sentence."""

    TEMPLATE = "template"
    LLM = "llm"


class Reason(BaseModel):
    """The sentence people read, rendered from the evidence (never parsed back).

    Attributes:
        text: one or two sentences.
        lang: their language.
        source: the template realizer, or an LLM rewrite that passed the faithfulness guard.
        llm_model: the LLM asked, when one was asked (also when its text was rejected).
        rejected: why the LLM's text was rejected (then ``source`` is the template), else None.
    """

    model_config = ConfigDict(frozen=True)

    text: str
    lang: Lang
    source: TextSource = TextSource.TEMPLATE
    llm_model: str | None = None
    rejected: str | None = None


class Trust(BaseModel):
    """How much to trust one recommendation.

    Attributes:
        confidence: calibrated probability that the item is relevant (None when the run has no calibrator).
        evidence_strength: the summed shares of the top-3 supporting evidence entries (the numbers the card
            shows; above 1 when other entries count against the item).
        counterfactual_verified: whether a counterfactual was verified (re-scored or retrained; None when not
            asked).
    """

    model_config = ConfigDict(frozen=True)

    confidence: float | None
    evidence_strength: float
    counterfactual_verified: bool | None = None


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
    reason: Reason | None = None
    """The readable sentence, once rendered (see `whyrec.explain.text`)."""
    trust: Trust | None = None
    """The trust line, once computed (see `whyrec.explain.trust`)."""
    fields: FieldAttributions | None = None
    """Per-field attributions of a feature model (DeepFM), whatever the method; None for other models."""
    attention: SequenceAttention | None = None
    """Attention rollout over the recent history of a self-attentive model (SASRec), whatever the method; None
    for other models."""

    def to_json_dict(self) -> dict[str, object]:
        """The documented JSON form (ids as strings)."""
        return self.model_dump(mode="json")
