"""Explaining a list: the one path the CLI, the API and the benchmarks take.

`explain_list` chooses the method (`registry.default_method` when none is asked), explains every item with
it, adds the verified counterfactual (unless the method is the counterfactual itself), the per-field
attributions of a feature model (DeepFM, `whyrec.explain.fields`), the attention rollout of a self-attentive
one (SASRec, `whyrec.explain.attention`), the trust line
(calibrated when the run has a calibration) and the reason people read: the template sentence, or the LLM's
rewrite when it passes the faithfulness guard. History items carry the kind of their strongest event (the
verb of the reason). A list made by popularity (a new shopper, or one who turned personalization off) is
explained by popularity. `recommend_explained` also makes the list: when the model has no signal for the
history (:mod:`whyrec.explain.signal`) it ranks by popularity and says so (``fallback="popularity"``).

No counterfactual is claimed for a history without signal, nor one whose removal only moves the tie order:
a claim stands only when at least k items score strictly above the item once the set is removed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import numpy as np

from whyrec._types import FloatArray, IndexArray
from whyrec.data.dataset import Dataset
from whyrec.data.history import History, HistoryBatch
from whyrec.evaluate.calibration import Calibration
from whyrec.explain.attention import AttentionScorer, sequence_attention
from whyrec.explain.attributes import AttributeExplainer, check_group_by
from whyrec.explain.base import (
    BaseExplainer,
    HistoryEvents,
    ScoredHistory,
    excluded_mask,
    history_events,
    history_ratings,
    rank_in,
    with_events,
)
from whyrec.explain.counterfactual import CounterfactualExplainer
from whyrec.explain.explanation import Counterfactual, Evidence, EvidenceKind, ExplainMethod, Explanation, Lang
from whyrec.explain.fields import FieldDifferentiable, field_attributions
from whyrec.explain.registry import create_explainer, default_method, explain_method
from whyrec.explain.signal import FALLBACK_POPULARITY, has_signal, no_signal_reason
from whyrec.explain.text import realize
from whyrec.explain.text.templates import Domain
from whyrec.explain.trust import with_trust
from whyrec.models.base import Recommender

__all__ = ["ExplainedList", "ReasonRewriter", "explain_list", "popularity_explanations", "recommend_explained",
           "with_reasons"]

logger = logging.getLogger(__name__)

#: The `Explanation.model` of a list made by popularity.
POPULARITY_MODEL = "pop"


class ReasonRewriter(Protocol):
    """Writes an explanation's reason another way (e.g. `whyrec.llm.GuardedRewriter`: an LLM behind the guard).

    A protocol, so `whyrec.explain` does not import `whyrec.llm` (which builds on it).
    """

    def rewrite(self, explanation: Explanation, lang: Lang) -> Explanation:
        """The explanation with its ``reason`` set."""
        ...


def explain_list(model: Recommender, history: History, items: IndexArray, *, dataset: Dataset,
                 method: str | ExplainMethod | None = None, lang: Lang = Lang.EN,
                 calibration: Calibration | None = None, llm: ReasonRewriter | None = None,
                 candidates: IndexArray | None = None, k: int = 10, top_n: int | None = 5,
                 scored: ScoredHistory | None = None, offered: tuple[ExplainMethod, ...] | None = None,
                 offered_by: str = "", popularity: FloatArray | None = None, domain: Domain | None = None,
                 strict_text: bool = True, group_by: str | None = None,
                 events: HistoryEvents | None = None) -> list[Explanation]:
    """Explain `items` (recommended to `history`), each with evidence, a counterfactual, trust and a reason.

    Args:
        model: the fitted model.
        history: the history the items were recommended to.
        items: the items, best first.
        dataset: the data the model was fitted on (ids, labels, the catalog).
        method: the explanation method (default: `registry.default_method`, exact when the model supports it,
            else counterfactual; ``attribute`` when `group_by` is given).
        lang: the language of the reasons.
        calibration: the run's calibration (``whyrec calibrate``); None leaves the confidence unknown.
        llm: a rewriter of the reasons (`whyrec.llm.GuardedRewriter`: the LLM's text, kept only when the
            faithfulness guard passes it); None writes the template sentence.
        candidates: the items that may be recommended (for ranks and counterfactuals).
        k: the list length a counterfactual takes its item out of.
        top_n: evidence entries kept per item.
        scored: the history already scored by `model` with these candidates (its ranks are the ones shown).
        offered: the methods a caller allows (the API's `registry.api_methods`); None allows all.
        offered_by: who offers them, for the error message (``"the service"``).
        popularity: (n_items,) interaction counts, when the list was made by popularity rather than the
            model; the explanations then say how popular each item is.
        domain: the catalog's domain for the template sentences (default: inferred from the catalog).
        strict_text: False logs a failure to write a reason and leaves it None (a service must not lose a
            list to a text bug); True raises it.
        group_by: the catalog column attribute reasons group by (``platform``, ``brand``; default: every
            categorical attribute).
        events: what the shopper did with each history item (event kinds and ratings by item id), for the
            verbs of the reason; default: `dataset`'s event log (`history_events`, `history_ratings`). The service
            passes its users' logged and live events.

    Raises:
        ConfigError: an unknown method, one not `offered`, one that cannot explain models on `dataset`, or a
            `group_by` column the catalog lacks.
        UnsupportedModelError: the model lacks what the method needs.
    """
    items = np.asarray(items, dtype=np.int32)
    if popularity is not None:
        made = popularity_explanations(dataset, popularity, history, items, scored=scored, candidates=candidates)
        return with_reasons(made, dataset, lang, llm=llm, domain=domain, strict=strict_text)
    if group_by is not None:
        check_group_by(dataset, group_by)
    if method is None:
        chosen = ExplainMethod.ATTRIBUTE if group_by is not None else default_method(model)
    else:
        chosen = explain_method(method, offered=offered, where=offered_by)
    explainer: BaseExplainer[Any]
    if chosen == ExplainMethod.ATTRIBUTE and group_by is not None:
        explainer = AttributeExplainer(dataset, candidates=candidates, top_n=top_n, k=k, group_by=group_by)
    else:
        explainer = create_explainer(chosen, dataset, candidates=candidates, top_n=top_n, k=k)
    scored = scored or ScoredHistory(model, history, dataset.n_items, candidates)
    explanations = explainer.explain(model, history, items, scored)
    if chosen != ExplainMethod.COUNTERFACTUAL:
        counterfactuals = CounterfactualExplainer(dataset, k=k, candidates=candidates).explain(model, history, items,
                                                                                               scored)
        explanations = [e.model_copy(update={"counterfactual": c.counterfactual,
                                             "elapsed_ms": e.elapsed_ms + c.elapsed_ms})
                        for e, c in zip(explanations, counterfactuals, strict=True)]
    if isinstance(model, FieldDifferentiable) and len(items):  # DeepFM: the field chart, whatever the method
        fields = field_attributions(model, dataset, history, items, scores=np.array([e.score for e in explanations]))
        explanations = [e.model_copy(update={"fields": f}) for e, f in zip(explanations, fields, strict=True)]
    if isinstance(model, AttentionScorer) and len(items) and len(history):  # SASRec: the heatmap
        attention = sequence_attention(model, dataset, history)
        explanations = [e.model_copy(update={"attention": attention}) for e in explanations]
    if not has_signal(scored.scores[~scored.excluded], k):
        explanations = [_unclaimed(e) for e in explanations]
    else:
        explanations = _without_ties(model, history, explanations, dataset, candidates, k)
    kinds, ratings = events if events is not None else (history_events(dataset, history),
                                                        history_ratings(dataset, history))
    explanations = [e.model_copy(update={"evidence": with_events(e.evidence, kinds, ratings)}) for e in explanations]
    explanations = with_trust(explanations, calibration.calibrator if calibration else None,
                              horizon=calibration.horizon if calibration else 0,
                              history_size=len(np.unique(history.items)))
    return with_reasons(explanations, dataset, lang, llm=llm, domain=domain, strict=strict_text)


def _unclaimed(e: Explanation) -> Explanation:
    """`e` with its counterfactual marked unverified (nothing is claimed)."""
    cf = e.counterfactual
    if cf is None or cf.verified is None:
        return e
    return e.model_copy(update={"counterfactual": cf.model_copy(update={"verified": None})})


def _without_ties(model: Recommender, history: History, explanations: list[Explanation], dataset: Dataset,
                  candidates: IndexArray | None, k: int) -> list[Explanation]:
    """Counterfactual claims that hold by a margin: at least `k` items score strictly above the item without the set.

    A claim that holds only by the tie order (the item falls to a score many items share) is unclaimed.
    """
    claimed = [row for row, e in enumerate(explanations) if e.counterfactual is not None
               and e.counterfactual.verified is not None and e.counterfactual.removed]
    if not claimed:
        return explanations
    out = list(explanations)
    removed = [dataset.items.indices_of(list(_cf(out[row]).removed)) for row in claimed]
    edited = [history.without(r.tolist()) for r in removed]
    scores = model.score(HistoryBatch.from_histories(edited, dataset.n_items))
    for row, edit, row_scores in zip(claimed, edited, scores, strict=True):
        allowed = ~excluded_mask(dataset.n_items, edit.items, candidates)
        item = dataset.items.index_of(out[row].item_id)
        allowed[item] = False
        above = int(np.count_nonzero(row_scores[allowed] > row_scores[item]))
        if above < k:
            out[row] = _unclaimed(out[row])
    return out


def _cf(e: Explanation) -> Counterfactual:
    assert e.counterfactual is not None
    return e.counterfactual


@dataclass(frozen=True)
class ExplainedList:
    """A history's top k, explained, and how it was made.

    Attributes:
        items: (k,) item indices, best first.
        explanations: one per item.
        fallback: ``"popularity"`` when the model had no signal for the history and the list is by popularity
            (see :mod:`whyrec.explain.signal`), else None.
        fallback_reason: why, in words (None without a fallback).
    """

    items: IndexArray
    explanations: list[Explanation]
    fallback: Literal["popularity"] | None = None
    fallback_reason: str | None = None


def recommend_explained(model: Recommender, history: History, *, dataset: Dataset, k: int = 10,
                        candidates: IndexArray | None = None, method: str | ExplainMethod | None = None,
                        lang: Lang = Lang.EN, calibration: Calibration | None = None, llm: ReasonRewriter | None = None,
                        top_n: int | None = 5, group_by: str | None = None,
                        domain: Domain | None = None) -> ExplainedList:
    """The top `k` for `history`, explained by `explain_list`; by popularity when the model has no signal.

    Args:
        model: the fitted model.
        history: the history (empty: a popularity list, without a fallback flag: there was nothing to score).
        dataset: the data the model was fitted on (its item popularity ranks a fallback list).
        k: the list length.
        candidates: the items that may be recommended (default: all).
        method, lang, calibration, llm, top_n, group_by, domain: as in `explain_list` (`method` and `group_by`
            do not apply to a popularity list).
    """
    scored = ScoredHistory(model, history, dataset.n_items, candidates)
    if len(history) and has_signal(scored.scores[~scored.excluded], k):
        items = model.recommend(HistoryBatch.from_histories([history], dataset.n_items), k,
                                candidates=candidates).items[0]
        items = items[items >= 0]
        made = explain_list(model, history, items, dataset=dataset, method=method, lang=lang,
                            calibration=calibration, llm=llm, candidates=candidates, k=k, top_n=top_n, scored=scored,
                            domain=domain, group_by=group_by)
        return ExplainedList(items, made)
    popularity = dataset.item_user_counts.astype(np.float32)
    allowed = np.flatnonzero(~scored.excluded)
    items = allowed[np.argsort(-popularity[allowed], kind="stable")][:k].astype(np.int32)
    made = explain_list(model, history, items, dataset=dataset, lang=lang, llm=llm, candidates=candidates, k=k,
                        popularity=popularity, domain=domain)
    if not len(history):
        return ExplainedList(items, made)
    return ExplainedList(items, made, FALLBACK_POPULARITY, no_signal_reason(k, lang))


def popularity_explanations(dataset: Dataset, popularity: FloatArray, history: History, items: IndexArray, *,
                            scored: ScoredHistory | None = None,
                            candidates: IndexArray | None = None) -> list[Explanation]:
    """Explanations of a list made by popularity: how many shoppers interacted with each item.

    Ranks come from `scored` when given (the ranks the list shows), else from `popularity` itself.
    """
    excluded = excluded_mask(dataset.n_items, history.items, candidates)
    out = []
    for item in np.asarray(items, dtype=np.int32).tolist():
        count = float(popularity[item])
        rank = scored.rank(item) if scored is not None else rank_in(popularity, item, excluded) or 0
        evidence = Evidence(kind=EvidenceKind.POPULARITY, ref="popularity",
                            label=f"{int(count):,} shoppers interacted with it", weight=count,
                            share=1.0 if count else 0.0)
        out.append(Explanation(user_id=history.user_id, item_id=dataset.items.id_of(item), score=count, rank=rank,
                               model=POPULARITY_MODEL, method=ExplainMethod.POPULARITY, evidence=(evidence,),
                               complete=True))
    return out


def with_reasons(explanations: list[Explanation], dataset: Dataset, lang: Lang, *, llm: ReasonRewriter | None = None,
                 domain: Domain | None = None, strict: bool = True) -> list[Explanation]:
    """Each explanation with its reason: the LLM's rewrite that passed the guard, else the template sentence.

    Args:
        explanations: the explanations.
        dataset: its catalog supplies titles and attributes.
        lang: the language.
        llm: the rewriter (None: the template sentence).
        domain: the catalog's domain (default: inferred).
        strict: False logs a failure and leaves that reason None.
    """
    catalog = dataset.catalog
    if llm is not None:
        return [llm.rewrite(e, lang) for e in explanations]
    out = []
    for e in explanations:
        try:
            e = e.model_copy(update={"reason": realize(e, catalog, lang, domain=domain)})
        except Exception:
            if strict:
                raise
            logger.exception("realize() failed for item %s", e.item_id)
        out.append(e)
    return out
