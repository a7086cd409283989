"""Hyperparameters that adapt to the data: what ``whyrec train --tune auto|off|N`` chooses, and how.

``auto`` (the default) runs a short search (`whyrec.evaluate.tuning.tune`) on the validation split: it first
tries the data-scaled starting points (`whyrec.evaluate.scaled_defaults`) and the fixed defaults (the
ml-100k choices, now the fallback), then samples a space narrowed around them, for at most
:data:`AUTO_TRIALS` trials and at most :data:`AUTO_BUDGET_FACTOR` times as long as the starting points took
(and never past ``--tune-minutes``). So the choice is never worse on validation than the fixed defaults,
and ml-100k EASE or ALS take seconds. Models that train for epochs with early stopping (the PyTorch models)
are not searched by ``auto``, since one trial is a whole training run: pass ``--tune N``. ``N`` runs N
trials in the model's full search space (docs/concepts/search-spaces.md), starting points first; ``off``
uses the fixed defaults. The choice, and the validation NDCG@10 of the chosen model against popularity's,
are kept in the run's ``meta.json`` (key ``param_choice``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from whyrec.errors import ConfigError
from whyrec.evaluate.scaled_defaults import SCALED_FOR, DataShape, scaled_starts, unusable_params
from whyrec.evaluate.splits import Split
from whyrec.evaluate.tuning import (
    SEARCH_SPACES,
    Dimension,
    FloatRange,
    IntRange,
    TuningResult,
    fit_and_score,
    tune,
)
from whyrec.evaluate.validation import ValidationSet
from whyrec.models.registry import create_model, model_class

__all__ = ["AUTO_BUDGET_FACTOR", "AUTO_TRIALS", "DEFAULT_TUNE_MINUTES", "ParamChoice", "TuneMode",
           "below_popularity_warning", "choose_params", "parse_tune", "popularity_ndcg", "starting_points",
           "with_check"]

logger = logging.getLogger(__name__)

#: Trials of ``--tune auto``, starting points included.
AUTO_TRIALS = 8
#: ``--tune auto`` starts no trial after this many times the seconds its starting points took.
AUTO_BUDGET_FACTOR = 2.0
#: Default of ``--tune-minutes``: no trial starts after it (the starting points always run).
DEFAULT_TUNE_MINUTES = 1.0
#: How far ``auto`` searches around its starting points, on log-scaled dimensions (a factor each way).
_AUTO_SPREAD = 4.0

TuneMode = Literal["auto", "off"] | int
"""``"auto"``, ``"off"`` or a number of trials."""


def parse_tune(value: str) -> TuneMode:
    """Read ``--tune``: ``auto``, ``off`` or a positive number of trials.

    Raises:
        ConfigError: anything else.
    """
    text = value.strip().lower()
    if text in ("auto", "off"):
        return "auto" if text == "auto" else "off"
    if text.isdigit() and int(text) >= 1:
        return int(text)
    raise ConfigError(f"--tune must be auto, off or a number of trials (1 or more). Got {value!r} instead.",
                      field="tune", allowed=("auto", "off", "N"))


class ParamChoice(BaseModel):
    """How a run's hyperparameters were chosen (``meta.json``, key ``param_choice``)."""

    model_config = ConfigDict(frozen=True)

    mode: str
    """``auto``, ``off`` or ``N trials``: what was asked."""
    how: Literal["tuned", "fixed defaults"]
    """What happened: a search on validation, or the fixed defaults (with the ``--param`` values)."""
    reason: str
    """Why, in words (e.g. why no search ran)."""
    params: dict[str, Any]
    """The chosen hyperparameters (all of them, defaults included)."""
    held_fixed: dict[str, Any] = {}
    """Hyperparameters given with ``--param`` (never searched)."""
    fixed_defaults: dict[str, Any] = {}
    """The model's fixed defaults: the fallback, and one starting point of a search."""
    scaled_starts: list[dict[str, Any]] = []
    """Starting points scaled to the data (`whyrec.evaluate.scaled_defaults`), before moving into the space."""
    data_shape: dict[str, float | int | bool] = {}
    """The train part's numbers the starting points were scaled from."""
    trials: int = 0
    """Trials run (starting points included)."""
    budget_s: float | None = None
    """The time limit the search had, in seconds (None: no search)."""
    search_seconds: float = 0.0
    validation_ndcg: float | None = None
    """Validation NDCG@10 of the chosen hyperparameters (model fitted on train), where measured."""
    fixed_defaults_ndcg: float | None = None
    """Validation NDCG@10 of the fixed defaults, where a search tried them."""
    popularity_ndcg: float | None = None
    """Validation NDCG@10 of most-popular on the same users."""
    warning: str | None = None
    """Set when the chosen model scores below popularity on validation, or when the search failed."""


def below_popularity_warning(model: str, value: float | None, popularity: float | None) -> str | None:
    """The warning a model below popularity on validation gets (None when it is not below)."""
    if value is None or popularity is None or value >= popularity:
        return None
    return (f"WARNING: {model} scores below popularity on validation (NDCG@10 {value:.4f} < {popularity:.4f}): "
            "its hyperparameters do not suit this data. Try --tune N with more trials, a larger --tune-minutes, "
            "or another model (ease and itemknn need no tuning to beat popularity on most data).")


def popularity_ndcg(validation: ValidationSet, parts: Split) -> float:
    """Validation NDCG@10 of most-popular fitted on train, on `validation`'s users."""
    return validation.ndcg(create_model("pop").fit(parts.train))


def _local_space(model: str, centres: list[dict[str, Any]]) -> dict[str, Dimension]:
    """`model`'s search space, each log-scaled range narrowed to the starting points times/over a spread."""
    space: dict[str, Dimension] = {}
    for name, dim in SEARCH_SPACES[model].items():
        values = [c[name] for c in centres if name in c]
        if isinstance(dim, FloatRange | IntRange) and dim.log and values:
            low = max(dim.low, min(values) / _AUTO_SPREAD)
            high = min(dim.high, max(values) * _AUTO_SPREAD)
            if isinstance(dim, IntRange):
                space[name] = replace(dim, low=int(low), high=max(int(low), round(high)))
            else:
                space[name] = replace(dim, low=float(low), high=float(max(low, high)))
        else:
            space[name] = dim
    return space


def _canonical(model: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """`params` validated by the model's config, keyed by field name (``lambda`` -> ``regularization``)."""
    config = create_model(model, **params).config
    return {name: getattr(config, name) for name in config.model_fields_set if name != "seed"}


def starting_points(model: str, shape: DataShape, held: Mapping[str, Any] | None = None
                    ) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
    """The points a search of `model` tries first: label -> full parameters, and the scaled starts used.

    The data-scaled starts (each completed with the fixed defaults) come first, then the fixed defaults.
    A held value replaces a scaled one (``embedding_size=16`` keeps ALS's scaled alpha and regularization).
    A start scaled for an input form (`SCALED_FOR`) the search cannot take (EASE's lambda for weighted
    input when ``use_weights=false`` is held; ALS's binary start, since ALS does not search
    ``use_weights``, unless ``use_weights=false`` is held) is dropped.
    """
    held = held or {}
    defaults = {k: v for k, v in create_model(model).config.model_dump().items() if k != "seed"}
    effective, searched = {**defaults, **held}, set(SEARCH_SPACES.get(model, {})) - set(held)
    # a start needs the input form it was scaled for: a searched value, or one the run has anyway
    scaled = [s for s in scaled_starts(model, shape)
              if all(k in searched or effective[k] == v for k, v in s.items() if k in SCALED_FOR)]
    labels = [f"scaled start {i + 1}" if len(scaled) > 1 else "scaled start" for i in range(len(scaled))]
    points = {label: {**defaults, **s, **held} for label, s in zip(labels, scaled, strict=True)}
    return {**points, "fixed defaults": defaults}, scaled


def choose_params(model: str, parts: Split, *, mode: TuneMode = "auto", minutes: float = DEFAULT_TUNE_MINUTES,
                  fixed: Mapping[str, Any] | None = None,
                  seed: int = 0) -> tuple[ParamChoice, TuningResult | None]:
    """Choose `model`'s hyperparameters for `parts` as ``--tune`` `mode` asks (see the module docstring).

    Args:
        model: registry name.
        parts: the split; only train and validation are used.
        mode: ``"auto"``, ``"off"`` or a number of trials.
        minutes: no trial starts after this many minutes (the starting points always run).
        fixed: ``--param`` values, held fixed.
        seed: the seed of the sampler and of every model.

    Returns:
        the choice (``params`` are what to build the final model with, seed included), and the search's
        result (None when no search ran). A search that fails falls back to the fixed defaults, with a
        ``warning``. Validation and popularity scores are filled in only for a search; :func:`with_check`
        adds them otherwise.

    Raises:
        ConfigError: a ``--param`` that the model does not have or does not accept.
    """
    held = _canonical(model, fixed or {})
    config_class = model_class(model).config_class
    defaults = {k: v for k, v in create_model(model).config.model_dump().items() if k != "seed"}
    label = mode if isinstance(mode, str) else f"{mode} trials"
    base = {"mode": label, "held_fixed": held, "fixed_defaults": defaults}

    def fallback(reason: str, warning: str | None = None) -> tuple[ParamChoice, None]:
        params = {**defaults, **held, "seed": seed}
        return ParamChoice(how="fixed defaults", reason=reason, params=params, warning=warning, **base), None

    searched = [name for name in SEARCH_SPACES.get(model, {}) if name not in held]
    epochs = "epochs" in config_class.model_fields and "patience" in config_class.model_fields
    if mode == "off":
        return fallback("--tune off")
    if not SEARCH_SPACES.get(model):
        return fallback(f"{model} has no hyperparameters to tune")
    if not searched:
        return fallback("every searched hyperparameter is set (by --param, or reused by --warm-start)")
    if mode == "auto" and epochs:
        return fallback(f"{model} trains for epochs (one trial is a full training run); --tune auto does not "
                        "search it: pass --tune N to run N trials")
    shape = DataShape.of(parts.train)
    # what cannot change the model on this data is held at its default, as if given with --param
    searched_held = {**unusable_params(model, shape), **held}
    anchors, scaled = starting_points(model, shape, searched_held)
    if mode == "auto":
        local = _local_space(model, list(anchors.values()))
        trials, per_start = AUTO_TRIALS, AUTO_BUDGET_FACTOR
        space = {name: dim for name, dim in local.items() if name not in searched_held}
    else:
        trials, space, per_start = int(mode), None, None
    budget = minutes * 60.0
    started = time.perf_counter()
    try:
        result = tune(model, parts, trials=trials, seed=seed, timeout_s=budget, fixed=searched_held, space=space,
                      starts=anchors, timeout_per_start=per_start)
    except ConfigError:
        raise
    except Exception as error:  # a failed search falls back to the fixed defaults, and says so
        logger.warning("tuning %s failed (%s); using the fixed defaults", model, error)
        return fallback(f"the search failed: {error}",
                        f"WARNING: tuning {model} failed ({type(error).__name__}: {error}); the fixed defaults "
                        "are used.")
    seconds = time.perf_counter() - started
    validation = ValidationSet.from_split(parts)
    pop = popularity_ndcg(validation, parts)
    at_defaults = [t.value for t in result.trials if t.start == "fixed defaults"]
    chosen = {**defaults, **result.best_params, "seed": seed}
    how_start = "data-scaled starting points and the fixed defaults" if scaled else "the fixed defaults"
    choice = ParamChoice(
        how="tuned", reason=f"searched {len(result.trials)} trials on validation from {how_start}",
        params=chosen, scaled_starts=scaled, data_shape=shape.as_dict(), trials=len(result.trials),
        budget_s=round(budget, 1), search_seconds=round(seconds, 2), validation_ndcg=result.best_value,
        fixed_defaults_ndcg=at_defaults[0] if at_defaults else None, popularity_ndcg=pop,
        warning=below_popularity_warning(model, result.best_value, pop), **base)
    return choice, result


def with_check(choice: ParamChoice, model: str, parts: Split, *, fit_value: float | None = None,
               validation: ValidationSet | None = None) -> ParamChoice:
    """`choice` with its validation NDCG@10 and popularity's filled in, and the below-popularity warning.

    Args:
        choice: from :func:`choose_params`; returned as is when a search already scored it.
        model: registry name.
        parts: the split.
        fit_value: validation NDCG@10 the final fit measured on its train-only stage
            (`whyrec.training.fit_and_validate`), scored on `validation`'s users; None fits `model` on train
            once more to measure it, on every validation user.
        validation: the users `fit_value` was scored on.
    """
    if choice.validation_ndcg is not None:
        return choice
    if fit_value is None or validation is None:
        validation = ValidationSet.from_split(parts)
        fit_value = fit_and_score(model, choice.params, parts)[0]
    pop = popularity_ndcg(validation, parts)
    warning = below_popularity_warning(model, fit_value, pop)
    if choice.warning is not None:
        warning = choice.warning if warning is None else f"{choice.warning} {warning}"
    return choice.model_copy(update={"validation_ndcg": fit_value, "popularity_ndcg": pop, "warning": warning})
