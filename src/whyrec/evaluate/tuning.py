"""Hyperparameter search on the validation split (Optuna's TPE sampler), as PROTOCOL.md asks.

Every trial fits the model on train and scores NDCG@10 on validation; a model that trains for epochs stops
early on that same score, and the best epoch becomes part of the trial's result. Test data is never seen.
Each model's default search space is declared here, next to the others, and listed in
docs/concepts/tuning.md.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from whyrec import progress
from whyrec.errors import ConfigError
from whyrec.evaluate.metrics import standard_error
from whyrec.evaluate.splits import Split
from whyrec.evaluate.validation import ValidationSet
from whyrec.models.capabilities import ValidationTuned
from whyrec.models.registry import create_model, model_class

__all__ = [
    "SEARCH_SPACES",
    "Choice",
    "FloatRange",
    "IntRange",
    "TrialRecord",
    "TuningResult",
    "fit_and_score",
    "search_space_of",
    "tune",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Range:
    """Numbers in [low, high], sampled on a log scale when `log`."""

    kind: ClassVar[str]
    low: float
    high: float
    log: bool = False

    def describe(self) -> str:
        return f"{self.kind} [{self.low:g}, {self.high:g}]" + (" log" if self.log else "")

    def nearest(self, value: Any) -> float:
        """`value` clipped into the range."""
        return float(min(max(value, self.low), self.high))


@dataclass(frozen=True)
class IntRange(_Range):
    """Integers in [low, high], sampled on a log scale when `log`."""

    kind: ClassVar[str] = "int"
    low: int
    high: int

    def nearest(self, value: Any) -> int:
        """`value` rounded and clipped into the range."""
        return int(min(max(round(value), self.low), self.high))


@dataclass(frozen=True)
class FloatRange(_Range):
    """Floats in [low, high], sampled on a log scale when `log`."""

    kind: ClassVar[str] = "float"


@dataclass(frozen=True)
class Choice:
    """One of a few values."""

    options: tuple[int | float | str | bool, ...]

    def describe(self) -> str:
        return "one of " + ", ".join(str(o) for o in self.options)

    def nearest(self, value: Any) -> int | float | str | bool:
        """`value` if it is an option, else the closest numeric option (the first option for other values)."""
        for option in self.options:
            if option == value and type(option) is type(value):
                return option
        numeric = [o for o in self.options if isinstance(o, int | float) and not isinstance(o, bool)]
        if isinstance(value, int | float) and not isinstance(value, bool) and numeric:
            return min(numeric, key=lambda o: abs(o - value))
        return self.options[0]


Dimension = IntRange | FloatRange | Choice

# Ranges bracket the tuned defaults (docs/concepts/tuning.md) and stay where a fit takes minutes, not hours,
# on two cores. Names are the models' hyperparameter names (the glossary).
SEARCH_SPACES: dict[str, dict[str, Dimension]] = {
    "itemknn": {"n_neighbors": IntRange(20, 1600, log=True), "shrinkage": FloatRange(0.0, 100.0),
                "use_weights": Choice((False, True))},
    "ease": {"regularization": FloatRange(50.0, 5000.0, log=True), "use_weights": Choice((False, True)),
             "attribute_weight": FloatRange(0.0, 2.0)},
    "affinity": {"popularity_weight": FloatRange(0.005, 1.0, log=True), "smoothing": FloatRange(0.0, 20.0),
                 "use_weights": Choice((False, True))},
    "transitions": {"steps": IntRange(1, 20, log=True), "window": IntRange(1, 100, log=True),
                    "decay": FloatRange(0.1, 1.0), "normalize": FloatRange(0.0, 1.0),
                    "popularity_weight": FloatRange(0.001, 1.0, log=True)},
    "als": {"embedding_size": Choice((64, 128, 256)), "regularization": FloatRange(0.1, 100.0, log=True),
            "alpha": FloatRange(0.1, 20.0, log=True), "epochs": IntRange(5, 30)},
    "bpr": {"embedding_size": Choice((32, 64, 128)), "learning_rate": FloatRange(1e-3, 5e-2, log=True),
            "regularization": FloatRange(1e-3, 1e-1, log=True), "epochs": IntRange(30, 300, log=True),
            "negatives": Choice(("sqrt-popularity", "uniform", "popularity")),
            "fold_in": Choice(("bpr", "least-squares"))},
    "multvae": {"embedding_size": Choice((64, 200)), "hidden_size": Choice((200, 600)),
                "dropout": FloatRange(0.2, 0.7), "kl_weight": FloatRange(0.05, 0.5),
                "learning_rate": FloatRange(3e-4, 3e-3, log=True)},
    "lightgcn": {"embedding_size": Choice((64, 128)), "n_layers": IntRange(1, 3),
                 "learning_rate": FloatRange(1e-3, 1e-2, log=True),
                 "regularization": FloatRange(1e-4, 1e-1, log=True)},
    "sasrec": {"embedding_size": Choice((32, 64, 128)), "n_layers": IntRange(1, 3), "attention_heads": Choice((1, 2)),
               "max_length": Choice((50, 100, 200)), "dropout": FloatRange(0.1, 0.5),
               "learning_rate": FloatRange(3e-4, 5e-3, log=True)},
    "gru4rec": {"embedding_size": Choice((32, 64, 128)), "hidden_size": Choice((64, 128, 256)),
                "dropout": FloatRange(0.0, 0.5), "learning_rate": FloatRange(3e-4, 5e-3, log=True)},
    "deepfm": {"embedding_size": Choice((16, 32, 64)), "hidden_size": Choice((32, 64, 128)),
               "dropout": FloatRange(0.0, 0.5), "n_negatives": IntRange(1, 8),
               "learning_rate": FloatRange(5e-4, 5e-3, log=True)},
    "text": {"recency_decay": FloatRange(0.05, 1.0)},
    "hybrid": {"recency_decay": FloatRange(0.05, 1.0)},  # the text weight is tuned by the model itself
}


def search_space_of(model: str, overrides: Mapping[str, Dimension] | None = None) -> dict[str, Dimension]:
    """The default search space of `model`, with `overrides` replacing or adding dimensions.

    Raises:
        ConfigError: the model has nothing to tune, or a dimension names no hyperparameter of the model.
    """
    fields = model_class(model).config_class.model_fields
    space = {**SEARCH_SPACES.get(model, {}), **(overrides or {})}
    if not space:
        raise ConfigError(f"{model!r} has no hyperparameters to tune; models with a search space: "
                          f"{', '.join(SEARCH_SPACES)}.", field="model", allowed=tuple(SEARCH_SPACES))
    unknown = sorted(set(space) - set(fields))
    if unknown:
        raise ConfigError(f"{unknown[0]!r} is not a hyperparameter of {model}; valid: "
                          f"{', '.join(f for f in fields if f != 'seed')}.", field="param")
    return space


class TrialRecord(BaseModel):
    """One trial: its parameters, validation NDCG@10, best epoch (epoch models) and fit time."""

    model_config = ConfigDict(frozen=True)

    number: int
    params: dict[str, Any]
    value: float
    stderr: float | None = None
    """Standard error of `value` over the validation users (None for epoch models, scored while training)."""
    best_epoch: int | None = None
    seconds: float
    start: str | None = None
    """The starting point this trial tried (e.g. ``"fixed defaults"``); None for a sampled trial."""


class TuningResult(BaseModel):
    """What `whyrec tune` found; stored in the run's metadata (``meta.json``, key ``tuning``)."""

    model_config = ConfigDict(frozen=True)

    sampler: str = "optuna TPE"
    metric: str = "ndcg@10 on validation (model fitted on train)"
    seed: int
    search_space: dict[str, str]
    trials: list[TrialRecord]
    best_params: dict[str, Any]
    """The best trial's parameters, plus ``epochs`` = its best epoch for models that stop early."""
    best_value: float
    """The best trial's validation NDCG@10."""


def _suggest(trial: Any, name: str, dimension: Dimension) -> Any:
    if isinstance(dimension, Choice):
        return trial.suggest_categorical(name, list(dimension.options))
    suggest = trial.suggest_int if isinstance(dimension, IntRange) else trial.suggest_float
    return suggest(name, dimension.low, dimension.high, log=dimension.log)


def fit_and_score(model: str, params: Mapping[str, Any], parts: Split) -> tuple[float, int | None, float | None]:
    """Fit `model` with `params` on train; its validation NDCG@10 (all validation users), best epoch (epoch
    models) and the NDCG's standard error over the users (models scored after fitting)."""
    recommender = create_model(model, **params)
    fields = type(recommender.config).model_fields
    validation = ValidationSet.from_split(parts)
    if "epochs" in fields and "patience" in fields:
        recommender.fit(parts.train, validation=validation)
        log = recommender.training_log_  # type: ignore[attr-defined]
        return float(max(log.validation)), int(log.best_epoch), None
    if isinstance(recommender, ValidationTuned) and recommender.needs_validation():
        recommender.fit(parts.train, validation=validation)
    else:
        recommender.fit(parts.train)
    per_user = validation.ndcg_per_user(recommender)
    return float(per_user.mean()), None, standard_error(per_user)


def _start_points(starts: Mapping[str, Mapping[str, Any]], dims: Mapping[str, Dimension]) -> dict[str, dict[str, Any]]:
    """`starts` restricted to the searched dimensions and moved into them; duplicates kept once (first label)."""
    points: dict[str, dict[str, Any]] = {}
    for label, start in starts.items():
        point = {name: dims[name].nearest(value) for name, value in start.items() if name in dims}
        if point and point not in points.values():
            points[label] = point
    return points


def tune(model: str, parts: Split, *, trials: int = 20, seed: int = 0, timeout_s: float | None = None,
         fixed: Mapping[str, Any] | None = None, space: Mapping[str, Dimension] | None = None,
         starts: Mapping[str, Mapping[str, Any]] | None = None,
         timeout_per_start: float | None = None) -> TuningResult:
    """Search `model`'s hyperparameters on `parts` (train -> validation NDCG@10).

    Args:
        model: registry name.
        parts: the split (its test part is not used).
        trials: number of trials (starting points included; only the first `trials` of them run).
        seed: seeds the sampler and every model.
        timeout_s: stop starting new trials after this many seconds.
        fixed: hyperparameters held fixed in every trial (they leave the default search space).
        space: dimensions replacing or adding to the model's default search space.
        starts: label -> parameters tried first, in order, before any sampled trial (values are moved into
            the space; a dimension a start leaves out is sampled). They run even past a timeout, so the
            result is never worse on validation than any of them.
        timeout_per_start: also stop starting new trials once the search has taken this many times as
            long as the starting points did (a budget that scales with the cost of a fit).

    Raises:
        ConfigError: nothing to tune, unknown hyperparameter, or a fixed value that is also given a range.
    """
    import optuna

    fixed = dict(fixed or {})
    clash = sorted(set(fixed) & set(space or {}))
    if clash:
        raise ConfigError(f"{clash[0]!r} is both fixed and given a search range; drop one.", field="param")
    # a fixed hyperparameter leaves the search
    dims = {name: dim for name, dim in search_space_of(model, space).items() if name not in fixed}
    if not dims:
        raise ConfigError(f"every searched hyperparameter of {model} is fixed; nothing is left to tune.",
                          field="param")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=seed))
    points = dict(list(_start_points(starts or {}, dims).items())[:trials])
    labels = list(points)
    for point in points.values():
        study.enqueue_trial(point)
    records: list[TrialRecord] = []
    started = time.perf_counter()
    with progress.task(f"Tuning {model}", total=trials) as bar:
        for number in range(trials):
            elapsed = time.perf_counter() - started
            if number >= len(points) and timeout_s is not None and elapsed > timeout_s:
                logger.warning("tuning stopped after %d trials: the %.1f s budget is spent", number, timeout_s)
                break
            if number >= len(points) and timeout_per_start is not None and points:
                budget = timeout_per_start * sum(r.seconds for r in records[:len(points)])
                if elapsed > budget:  # the planned end of a search scaled to the cost of a fit
                    logger.info("tuning stopped after %d trials: %.1f s, %g x the starting points' time",
                                number, elapsed, timeout_per_start)
                    break
            trial = study.ask()
            params = {name: _suggest(trial, name, dim) for name, dim in dims.items()}
            t0 = time.perf_counter()
            value, best_epoch, stderr = fit_and_score(model, {**fixed, **params, "seed": seed}, parts)
            study.tell(trial, value)
            records.append(TrialRecord(number=number, params=params, value=value, stderr=stderr,
                                       best_epoch=best_epoch,
                                       seconds=round(time.perf_counter() - t0, 2),
                                       start=labels[number] if number < len(labels) else None))
            logger.info("trial %d: ndcg@10 %.4f with %s", number, value, params)
            bar.note(f"best valid ndcg@10 {max(r.value for r in records):.4f}")
            bar.advance()
    best = max(records, key=lambda r: r.value)
    best_params = {**fixed, **best.params}
    if best.best_epoch is not None:
        best_params["epochs"] = max(1, best.best_epoch)
    return TuningResult(seed=seed, search_space={name: dim.describe() for name, dim in dims.items()},
                        trials=records, best_params=best_params, best_value=best.value)
