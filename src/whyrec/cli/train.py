"""``whyrec train``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from whyrec import progress
from whyrec.cli.common import (
    CatalogOpt,
    DropInvalidOpt,
    DropUnknownOpt,
    EncodingOpt,
    ItemColumnOpt,
    JsonOpt,
    ListSeparatorOpt,
    MemoryBudgetOpt,
    RatingColumnOpt,
    SplitDirOpt,
    SyntheticEventsOpt,
    TimeColumnOpt,
    TimeUnitOpt,
    UserColumnOpt,
    UsersOpt,
    ValueColumnOpt,
    check_memory,
    column_settings,
    data_or_split_dir,
    data_source,
    load_split,
    parse_params,
)
from whyrec.cli.output import err, metrics_table, out, print_json
from whyrec.cli.run import check_out_dir, inherit_data_settings
from whyrec.errors import ConfigError
from whyrec.evaluate import evaluate
from whyrec.evaluate.adaptive import DEFAULT_TUNE_MINUTES, ParamChoice, choose_params, parse_tune, with_check
from whyrec.explain.signal import no_signal_share, no_signal_warning
from whyrec.models import MODEL_NAMES, create_model, model_class
from whyrec.runs import RunMeta, load_run, save_run
from whyrec.training import fit_and_validate, fit_tuned, fitted_on, validation_set_for
from whyrec.warm_start import warm_state


def train(
    out_dir: Annotated[Path, typer.Option("--out", help="Run directory to write.")],
    model: Annotated[str | None, typer.Option("--model", help=f"One of: {', '.join(MODEL_NAMES)} (default with "
                                                              "--warm-start: the previous run's).")] = None,
    param: Annotated[list[str] | None, typer.Option("--param", help="Hyperparameter name=value (repeatable), "
                                                                    "e.g. --param lambda=500.")] = None,
    catalog: CatalogOpt = None,
    users: UsersOpt = None,
    split: Annotated[str | None, typer.Option("--split", help="temporal-user (PROTOCOL.md, the default), "
                                                              "leave-last-out, global-time or random (default "
                                                              "with --warm-start: the previous run's).")] = None,
    seed: Annotated[int, typer.Option(help="Seed of the model (and of the synthetic data).")] = 0,
    synthetic_events: SyntheticEventsOpt = None,
    no_evaluate: Annotated[bool, typer.Option("--no-evaluate", help="Skip the test evaluation after fitting.")] = False,
    drop_invalid: DropInvalidOpt = False,
    drop_unknown_items: DropUnknownOpt = False,
    encoding: EncodingOpt = "utf-8",
    warm_start: Annotated[Path | None, typer.Option("--warm-start", help="A previous run: reuse its model, "
                                                                         "parameters, split and data settings, "
                                                                         "and start ALS/BPR from its item "
                                                                         "factors (docs/concepts/runs.md).")]
    = None,
    max_minutes: Annotated[float | None, typer.Option("--max-minutes",
                                                      help="Time budget of each fit of a sequence model (sasrec, "
                                                           "gru4rec): the best epoch so far is kept when it is "
                                                           "spent (--param max_minutes=N).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace the run already in --out.")] = False,
    memory_budget: MemoryBudgetOpt = None,
    tune: Annotated[str, typer.Option("--tune", help="auto (a short search on validation from data-scaled "
                                                     "starting points), off (the fixed defaults) or a number "
                                                     "of trials (docs/concepts/search-spaces.md).")] = "auto",
    tune_minutes: Annotated[float, typer.Option("--tune-minutes", min=0.0, help="Start no trial after this "
                                                                                "many minutes.")]
    = DEFAULT_TUNE_MINUTES,
    json_output: JsonOpt = False,
    data: Annotated[str | None, typer.Option("--data", help="Interactions file or built-in name (ml-100k, "
                                                            "synthetic).")] = None,
    split_dir: SplitDirOpt = None,
    user_column: UserColumnOpt = None,
    item_column: ItemColumnOpt = None,
    time_column: TimeColumnOpt = None,
    value_column: ValueColumnOpt = None,
    rating_column: RatingColumnOpt = None,
    time_unit: TimeUnitOpt = None,
    list_separator: ListSeparatorOpt = None,
) -> None:
    """Split the data (PROTOCOL.md by default), choose hyperparameters on valid (--tune), fit on train + valid,
    evaluate on test, save the run."""
    tune_mode = parse_tune(tune)
    check_out_dir(out_dir, force)
    previous = load_run(warm_start) if warm_start is not None else None
    columns = column_settings(user_column, item_column, time_column, value_column, rating_column, time_unit,
                              list_separator)
    spec = data_source(data_or_split_dir(data, split_dir, split), catalog, users, drop_invalid, drop_unknown_items,
                       synthetic_events, seed, encoding, columns)
    params = parse_params(param)
    if previous is not None:
        model = model or previous.meta.model
        if model == previous.meta.model:
            params = {**previous.meta.params, **params}
        spec = inherit_data_settings(previous, spec)
    if model is None:
        raise ConfigError(f"--model is missing: one of {', '.join(MODEL_NAMES)} (or --warm-start RUN to reuse "
                          "a run's).", field="model", allowed=MODEL_NAMES)
    params.setdefault("seed", seed)
    if max_minutes is not None:
        if "max_minutes" not in model_class(model).config_class.model_fields:
            takes = [n for n in MODEL_NAMES if "max_minutes" in model_class(n).config_class.model_fields]
            raise ConfigError(f"--max-minutes: {model} has no time budget; models that take one: "
                              f"{', '.join(takes)}.", source="--max-minutes", field="max_minutes",
                              allowed=tuple(takes))
        params["max_minutes"] = max_minutes
    recommender = create_model(model, **params)  # a bad --param is refused before the data loads
    parts, splitter = load_split(spec, split, split_dir is not None,
                                 previous.meta.split if previous is not None and split is None else None)
    dataset = parts.dataset
    check_memory(recommender, dataset.n_items, memory_budget)
    warm = warm_state(previous, dataset.items, seed=seed) if previous is not None and model == previous.meta.model \
        else None
    choice, tuned = choose_params(model, parts, mode=tune_mode, minutes=tune_minutes,
                                  fixed={k: v for k, v in params.items() if k != "seed"},
                                  seed=int(params.get("seed", seed)))
    recommender = create_model(model, **choice.params)
    initial = warm.arrays if warm else None
    with progress.Stopwatch() as watch, progress.task(f"Fitting {model}"):
        if tuned is not None:
            recommender, fit_value = fit_tuned(recommender, parts, initial=initial), None
        else:
            recommender, fit_value = fit_and_validate(recommender, parts, initial=initial)
    choice = with_check(choice, model, parts, fit_value=fit_value,
                        validation=validation_set_for(recommender, parts) if fit_value is not None else None)
    if choice.warning is not None:
        err.print(f"[bold red]{choice.warning}[/bold red]")
    meta = RunMeta(model=model, params=recommender.config.model_dump(), data=spec,
                   dataset_fingerprint=dataset.fingerprint, n_items=dataset.n_items, split=splitter,
                   protocol=parts.protocol, fitted_on=fitted_on(recommender), fit_seconds=round(watch.elapsed_s, 3),
                   split_sizes=parts.sizes(), warm_start=str(warm_start) if warm_start is not None else None,
                   param_choice=choice, tuning=tuned.model_dump(mode="json") if tuned is not None else None)
    per_user = None
    if not no_evaluate:
        result = evaluate(recommender, parts)
        meta.metrics, per_user = result.summary, result.per_user
        test_users = parts.fit.histories_of(parts.test.active_users)
        share = no_signal_share(recommender, test_users, k=10, candidates=parts.fit.active_items)
        if (warning := no_signal_warning(share)) is not None:
            err.print(f"[yellow]{warning}[/yellow]")
    save_run(out_dir, recommender, meta, split=parts, per_user=per_user)
    if json_output:
        extra = {"warm_items": {"reused": warm.reused, "new": warm.new}} if warm else {}
        print_json({"run": str(out_dir), **meta.model_dump(mode="json"), **extra})
        return
    if previous is not None:
        factors = (f"; {warm.reused:,} items start from its factors, {warm.new:,} new" if warm
                   else f"; {model} starts from scratch (no factors to reuse)")
        reused = f"{model} parameters, " if model == previous.meta.model else ""
        out.print(f"warm start from {warm_start}: {reused}split {parts.protocol} and data settings reused{factors}")
    out.print(describe_choice(choice))
    out.print(f"trained [bold]{model}[/bold] on {parts.fit.name} ({len(parts.fit.active_users):,} users, "
              f"{len(parts.fit.active_items):,} items) in {watch.elapsed_s:.1f} s -> {out_dir}")
    if meta.metrics:
        keys = ["recall@10", "ndcg@10", "recall@20", "ndcg@20", "coverage@10"]
        out.print(metrics_table(f"test ({parts.protocol})", [{"model": model, **meta.metrics}], ["model", *keys]))


def describe_choice(choice: ParamChoice) -> str:
    """One line: how the hyperparameters were chosen, and how they score on validation against popularity."""
    changed = {k: v for k, v in choice.params.items() if k != "seed" and v != choice.fixed_defaults.get(k)}
    shown = ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in changed.items())
    if choice.how == "tuned":
        head = (f"hyperparameters: tuned ({choice.trials} trials, {choice.search_seconds:.1f} s): "
                f"{shown or 'the fixed defaults won'}")
    else:
        head = f"hyperparameters: fixed defaults{' with ' + shown if shown else ''} ({choice.reason})"
    scores = []
    if choice.validation_ndcg is not None:
        scores.append(f"valid NDCG@10 {choice.validation_ndcg:.4f}")
    if choice.fixed_defaults_ndcg is not None and choice.how == "tuned":
        scores.append(f"fixed defaults {choice.fixed_defaults_ndcg:.4f}")
    if choice.popularity_ndcg is not None:
        scores.append(f"popularity {choice.popularity_ndcg:.4f}")
    return head + (f"; {', '.join(scores)}" if scores else "")
