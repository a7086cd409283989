"""Explaining a list: the one path the CLI, the API and the benchmarks take.

`explain_list` chooses the method (`registry.default_method` when none is asked), explains every item with
it, adds the verified counterfactual (unless the method is the counterfactual itself), the trust line
(calibrated when the run has a calibration) and the reason people read: the template sentence, or the LLM's
rewrite when it passes the faithfulness guard. A list made by popularity (a new shopper, or one who turned
personalization off) is explained by popularity.
"""

from __future__ import annotations

import logging
from typing import Protocol

import numpy as np

from whyrec._types import FloatArray, IndexArray
from whyrec.data.dataset import Dataset
from whyrec.data.history import History
from whyrec.evaluate.calibration import Calibration
from whyrec.explain.base import ScoredHistory, excluded_mask, rank_in
from whyrec.explain.counterfactual import CounterfactualExplainer
from whyrec.explain.explanation import Evidence, EvidenceKind, ExplainMethod, Explanation, Lang
from whyrec.explain.registry import create_explainer, default_method, explain_method
from whyrec.explain.text import realize
from whyrec.explain.text.templates import Domain
from whyrec.explain.trust import with_trust
from whyrec.models.base import Recommender

__all__ = ["ReasonRewriter", "explain_list", "popularity_explanations", "with_reasons"]

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
                 strict_text: bool = True) -> list[Explanation]:
    """Explain `items` (recommended to `history`), each with evidence, a counterfactual, trust and a reason.

    Args:
        model: the fitted model.
        history: the history the items were recommended to.
        items: the items, best first.
        dataset: the data the model was fitted on (ids, labels, the catalog).
        method: the explanation method (default: `registry.default_method`, exact when the model supports it,
            else counterfactual).
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

    Raises:
        ConfigError: an unknown method, one not `offered`, or one that cannot explain models on `dataset`.
        UnsupportedModelError: the model lacks what the method needs.
    """
    items = np.asarray(items, dtype=np.int32)
    if popularity is not None:
        made = popularity_explanations(dataset, popularity, history, items, scored=scored, candidates=candidates)
        return with_reasons(made, dataset, lang, llm=llm, domain=domain, strict=strict_text)
    chosen = default_method(model) if method is None else explain_method(method, offered=offered, where=offered_by)
    explainer = create_explainer(chosen, dataset, candidates=candidates, top_n=top_n, k=k)
    scored = scored or ScoredHistory(model, history, dataset.n_items, candidates)
    explanations = explainer.explain(model, history, items, scored)
    if chosen != ExplainMethod.COUNTERFACTUAL:
        counterfactuals = CounterfactualExplainer(dataset, k=k, candidates=candidates).explain(model, history, items,
                                                                                               scored)
        explanations = [e.model_copy(update={"counterfactual": c.counterfactual,
                                             "elapsed_ms": e.elapsed_ms + c.elapsed_ms})
                        for e, c in zip(explanations, counterfactuals, strict=True)]
    explanations = with_trust(explanations, calibration.calibrator if calibration else None,
                              horizon=calibration.horizon if calibration else 0,
                              history_size=len(np.unique(history.items)))
    return with_reasons(explanations, dataset, lang, llm=llm, domain=domain, strict=strict_text)


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
