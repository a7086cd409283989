"""How the service explains items: `whyrec.explain.pipeline.explain_list`, with the service's own state.

The one entry point is :meth:`Explanations.explain`; the recommendation code knows nothing else of this module.
The method, counterfactual, trust and reason are made exactly as ``whyrec explain`` makes them; this module
only supplies the user's live history and ranks, the run's calibration (``whyrec calibrate``) and catalog domain,
and keeps the explanations in the user's state, by (method, k, item, lang), until the state is rebuilt.
"""

from __future__ import annotations

import logging

import numpy as np

from whyrec.errors import ConfigError
from whyrec.evaluate.calibration import Calibration, load_calibration
from whyrec.explain.explanation import ExplainMethod, Explanation, Lang
from whyrec.explain.pipeline import explain_list
from whyrec.explain.registry import api_methods, default_method, explain_method
from whyrec.explain.text import infer_domain
from whyrec.serve.served_run import ServedRun
from whyrec.serve.settings import ServeSettings
from whyrec.serve.user_state import UserState

__all__ = ["Explanations"]

logger = logging.getLogger(__name__)

_WHERE = "the service"


class Explanations:
    """The service's explanations of items for a user.

    Args:
        settings: the service settings (``evidence``: evidence kept per explanation).
    """

    def __init__(self, settings: ServeSettings) -> None:
        self.settings = settings

    def explain(self, served: ServedRun, state: UserState, items: np.ndarray, method: str | None, k: int,
                lang: Lang, *, by_popularity: bool = False) -> list[Explanation]:
        """One explanation per item of `items` for the user of `state`, with its reason in `lang`.

        Args:
            served: the run serving the request.
            state: the user's scoring state under `served` (its explanations are reused and extended).
            items: (n,) item indices.
            method: one of `registry.api_methods`; None: `registry.default_method` (exact for an additive model,
                else counterfactual). Users whose list is by popularity always get a popularity explanation.
            k: the list length a counterfactual must push the item out of.
            lang: the language of the reasons.
            by_popularity: the list fell back to popularity (the model had no signal): popularity explanations,
                ranked by popularity.

        Raises:
            ConfigError: `method` is not offered, or cannot explain this run.
            UnsupportedModelError: the method cannot explain this model.
        """
        if not state.uses_model or by_popularity:
            chosen = ExplainMethod.POPULARITY
        elif method is None:
            chosen = default_method(served.model)
        else:
            chosen = explain_method(method, offered=api_methods(), where=_WHERE)
        missing = [int(i) for i in items if (chosen, k, int(i), lang) not in state.explanations]
        if missing:
            made = explain_list(
                served.model, state.history, np.asarray(missing, dtype=np.int32), dataset=served.fit, method=chosen,
                lang=lang, calibration=served.extra("calibration", lambda: _calibration(served)),
                candidates=state.allowed(served), k=k, top_n=self.settings.evidence,
                scored=None if by_popularity else state.scored(served),
                popularity=served.popularity if chosen == ExplainMethod.POPULARITY else None,
                domain=served.extra("domain", lambda: infer_domain(served.fit.catalog)), strict_text=False,
                events=state.events)
            for item, explanation in zip(missing, made, strict=True):
                state.explanations[(chosen, k, item, lang)] = explanation
        return [state.explanations[(chosen, k, int(i), lang)] for i in items]


def _calibration(served: ServedRun) -> Calibration | None:
    """The run's calibration; a stale one (the run was retrained since) is logged and left out."""
    try:
        return load_calibration(served.path, run_created=served.run.meta.created)
    except ConfigError:
        logger.warning("ignoring the calibration of run %s", served.path, exc_info=True)
        return None
