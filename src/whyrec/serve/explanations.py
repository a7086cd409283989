"""How the service explains items: the method chosen, the explainer built, the reason text added.

The one entry point is :meth:`Explanations.explain`; the recommendation code knows nothing else of this module.
Explanations are kept in the user's state, by (method, k, item, lang), until the state is rebuilt.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

import numpy as np

from whyrec.errors import ConfigError, UnsupportedModelError
from whyrec.explain.explanation import Evidence, EvidenceKind, ExplainMethod, Explanation, Lang
from whyrec.serve.served_run import ServedRun
from whyrec.serve.settings import ServeSettings
from whyrec.serve.user_state import UserState

__all__ = ["API_METHODS", "Explanations"]

logger = logging.getLogger(__name__)

#: Explanation methods the API offers (the others take seconds per list).
API_METHODS = ("exact", "counterfactual", "attribute", "kg")


class Explanations:
    """The service's explanations of items for a user.

    Args:
        settings: the service settings (``evidence``: evidence kept per explanation).
    """

    def __init__(self, settings: ServeSettings) -> None:
        self.settings = settings
        self._text = _find_text()

    def explain(self, served: ServedRun, state: UserState, items: np.ndarray, method: str | None, k: int,
                lang: Lang) -> list[Explanation]:
        """One explanation per item of `items` for the user of `state`, with its reason in `lang`.

        Args:
            served: the run serving the request.
            state: the user's scoring state under `served` (its explanations are reused and extended).
            items: (n,) item indices.
            method: one of :data:`API_METHODS`; None: ``exact`` for an additive model, else ``counterfactual``.
                Users whose list is by popularity always get a popularity explanation.
            k: the list length a counterfactual must push the item out of.
            lang: the language of the reasons.

        Raises:
            ConfigError: `method` is not offered, or cannot explain this run.
            UnsupportedModelError: the method cannot explain this model.
        """
        if not state.uses_model:
            chosen = "popularity"
        else:
            chosen = method or ("exact" if served.is_additive else "counterfactual")
            if chosen not in API_METHODS:
                raise ConfigError(f"method {chosen!r} is not offered by the service; valid methods: "
                                  f"{', '.join(API_METHODS)}.", field="method", allowed=API_METHODS)
        missing = [int(i) for i in items if (chosen, k, int(i), lang) not in state.explanations]
        if missing:
            if chosen == "popularity":
                made = [self._popularity_explanation(served, state, i) for i in missing]
            else:
                explainer = self._explainer(served, state, chosen, k)
                if not explainer.supports(served.model):
                    raise UnsupportedModelError(chosen, served.model_name, "exact contributions (AdditiveScorer)")
                made = explainer.explain(served.model, state.history, np.asarray(missing, dtype=np.int32),
                                         state.scored(served))
            for item, explanation in zip(missing, made, strict=True):
                state.explanations[(chosen, k, item, lang)] = self._with_reason(served, explanation, lang)
        return [state.explanations[(chosen, k, int(i), lang)] for i in items]

    def _explainer(self, served: ServedRun, state: UserState, method: str, k: int) -> Any:
        from whyrec.explain.attributes import AttributeExplainer
        from whyrec.explain.counterfactual import CounterfactualExplainer
        from whyrec.explain.exact import ExactExplainer
        from whyrec.explain.kg import KGExplainer, load_ml100k_kg

        top_n, allowed = self.settings.evidence, state.allowed(served)
        if method == "exact":
            return ExactExplainer(served.fit, top_n=top_n, candidates=allowed)
        if method == "counterfactual":
            return CounterfactualExplainer(served.fit, k=k, top_n=top_n, candidates=allowed)
        if method == "attribute":
            return AttributeExplainer(served.fit, top_n=top_n, candidates=allowed)
        if not served.fit.name.startswith("ml-100k"):
            raise ConfigError(f"method 'kg' needs a knowledge graph; whyrec ships one for ml-100k only, not for "
                              f"{served.fit.name!r}.", field="method", allowed=API_METHODS)
        graph = served.extra("kg", load_ml100k_kg)
        return KGExplainer(served.fit, graph, top_n=top_n, candidates=allowed)

    def _popularity_explanation(self, served: ServedRun, state: UserState, item: int) -> Explanation:
        count = float(served.popularity[item])
        evidence = Evidence(kind=EvidenceKind.POPULARITY, ref="popularity",
                            label=f"{int(count):,} shoppers interacted with it", weight=count, share=1.0 if count else 0.0)
        explanation = Explanation(user_id=state.user_id, item_id=served.fit.items.id_of(item), score=count,
                                  rank=int(state.ranks[item]), model="pop", method=ExplainMethod.POPULARITY,
                                  evidence=(evidence,), complete=True)
        return explanation

    def _with_reason(self, served: ServedRun, explanation: Explanation, lang: Lang) -> Explanation:
        text = self._text
        if text is None or not hasattr(text, "realize"):
            return explanation
        catalog = served.fit.catalog
        try:
            domain = served.extra("domain", lambda: text.infer_domain(catalog)) if hasattr(text, "infer_domain") \
                else None
            reason = text.realize(explanation, catalog, lang, domain=domain)
        except Exception:  # a text bug must not cost the user their list: the reason stays null, and is logged
            logger.exception("realize() failed for item %s", explanation.item_id)
            return explanation
        return explanation.model_copy(update={"reason": reason})


def _find_text() -> Any:
    """The module :mod:`whyrec.explain.text` (``realize`` renders `Explanation.reason`), or None without it."""
    try:
        return importlib.import_module("whyrec.explain.text")
    except ImportError:
        return None
