"""``whyrec tune``: search hyperparameters on validation, refit the best on train + valid, save the run."""

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
from whyrec.cli.output import metrics_table, out, print_json
from whyrec.evaluate import evaluate
from whyrec.evaluate.adaptive import starting_points
from whyrec.evaluate.scaled_defaults import DataShape
from whyrec.evaluate.tuning import SEARCH_SPACES, tune
from whyrec.models import create_model
from whyrec.runs import RunMeta, save_run
from whyrec.training import fit_tuned


def tune_model(
    model: Annotated[str, typer.Option("--model", help=f"One of: {', '.join(SEARCH_SPACES)}.")],
    out_dir: Annotated[Path | None, typer.Option("--out", help="Run directory to write (default runs/<model>-tuned).")]
    = None,
    trials: Annotated[int, typer.Option("--trials", min=1, help="Number of trials.")] = 20,
    timeout: Annotated[float | None, typer.Option("--timeout", min=1, help="Start no trial after this many seconds.")]
    = None,
    param: Annotated[list[str] | None, typer.Option("--param", help="Hyperparameter held fixed, name=value "
                                                                    "(repeatable).")] = None,
    catalog: CatalogOpt = None,
    users: UsersOpt = None,
    split: Annotated[str | None, typer.Option("--split", help="temporal-user (PROTOCOL.md, the default), "
                                                              "leave-last-out, global-time or random.")] = None,
    seed: Annotated[int, typer.Option(help="Seed of the sampler and of every model.")] = 0,
    synthetic_events: SyntheticEventsOpt = None,
    drop_invalid: DropInvalidOpt = False,
    drop_unknown_items: DropUnknownOpt = False,
    encoding: EncodingOpt = "utf-8",
    memory_budget: MemoryBudgetOpt = None,
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
    """Tune on validation (Optuna TPE; test unseen), refit the best on train + valid, evaluate, save the run.

    The first trials are the data-scaled starting points and the fixed defaults (`whyrec train --tune`'s).
    """
    fixed = parse_params(param)
    columns = column_settings(user_column, item_column, time_column, value_column, rating_column, time_unit,
                              list_separator)
    spec = data_source(data_or_split_dir(data, split_dir, split), catalog, users, drop_invalid, drop_unknown_items,
                       synthetic_events, seed, encoding, columns)
    parts, splitter = load_split(spec, split, split_dir is not None)
    dataset = parts.dataset
    check_memory(create_model(model, **fixed, seed=seed), dataset.n_items, memory_budget)
    starts = starting_points(model, DataShape.of(parts.train), fixed)[0] if model in SEARCH_SPACES else None
    result = tune(model, parts, trials=trials, seed=seed, timeout_s=timeout, fixed=fixed, starts=starts)
    with progress.Stopwatch() as watch, progress.task(f"Refitting {model} on train + valid"):
        final = fit_tuned(create_model(model, **result.best_params, seed=seed), parts)
    target = out_dir or Path("runs") / f"{model}-tuned"
    meta = RunMeta(model=model, params=final.config.model_dump(), data=spec, dataset_fingerprint=dataset.fingerprint,
                   n_items=dataset.n_items, split=splitter, protocol=parts.protocol,
                   fitted_on="train+valid", fit_seconds=round(watch.elapsed_s, 3), split_sizes=parts.sizes(),
                   tuning=result.model_dump(mode="json"))
    result_test = evaluate(final, parts)
    meta.metrics = result_test.summary
    save_run(target, final, meta, split=parts, per_user=result_test.per_user)
    if json_output:
        print_json({"run": str(target), **meta.model_dump(mode="json")})
        return
    rows = [{"trial": t.number, "ndcg@10 (valid)": t.value, **t.params,
             **({"best epoch": t.best_epoch} if t.best_epoch is not None else {}), "seconds": t.seconds}
            for t in sorted(result.trials, key=lambda t: -t.value)[:10]]
    out.print(metrics_table(f"{model}: best trials of {len(result.trials)} (validation)", rows, list(rows[0])))
    out.print(f"best: {result.best_params} (validation ndcg@10 {result.best_value:.4f}) -> {target}")
    keys = ["recall@10", "ndcg@10", "recall@20", "ndcg@20", "coverage@10"]
    out.print(metrics_table(f"test ({parts.protocol})", [{"model": model, **meta.metrics}], ["model", *keys]))
