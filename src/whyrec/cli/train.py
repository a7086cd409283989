"""``whyrec train``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from whyrec import progress
from whyrec.cli.common import (
    CatalogOpt,
    DataOpt,
    DropInvalidOpt,
    DropUnknownOpt,
    JsonOpt,
    SplitOpt,
    SyntheticEventsOpt,
    UsersOpt,
    data_source,
    load_source,
    parse_params,
)
from whyrec.cli.output import metrics_table, out, print_json
from whyrec.evaluate import evaluate, make_splitter, split_dataset
from whyrec.models import MODEL_NAMES, create_model
from whyrec.runs import RunMeta, save_run
from whyrec.training import fit_on_split


def train(
    data: DataOpt,
    model: Annotated[str, typer.Option("--model", help=f"One of: {', '.join(MODEL_NAMES)}.")],
    out_dir: Annotated[Path, typer.Option("--out", help="Run directory to write.")],
    param: Annotated[list[str] | None, typer.Option("--param", help="Hyperparameter name=value (repeatable), "
                                                                    "e.g. --param lambda=500.")] = None,
    catalog: CatalogOpt = None,
    users: UsersOpt = None,
    split: SplitOpt = "temporal-user",
    seed: Annotated[int, typer.Option(help="Seed of the model (and of the synthetic data).")] = 0,
    synthetic_events: SyntheticEventsOpt = None,
    no_evaluate: Annotated[bool, typer.Option("--no-evaluate", help="Skip the test evaluation after fitting.")] = False,
    drop_invalid: DropInvalidOpt = False,
    drop_unknown_items: DropUnknownOpt = False,
    json_output: JsonOpt = False,
) -> None:
    """Split the data (PROTOCOL.md by default), fit on train + valid, evaluate on test, save the run."""
    params = parse_params(param)
    params.setdefault("seed", seed)
    recommender = create_model(model, **params)
    spec = data_source(data, catalog, users, drop_invalid, drop_unknown_items, synthetic_events, seed)
    dataset, _ = load_source(spec)
    splitter = make_splitter(split)
    parts = split_dataset(dataset, splitter)
    with progress.Stopwatch() as watch, progress.task(f"Fitting {model}"):
        recommender = fit_on_split(recommender, parts)
    meta = RunMeta(model=model, params=recommender.config.model_dump(), data=spec,
                   dataset_fingerprint=dataset.fingerprint, n_items=dataset.n_items, split=splitter,
                   protocol=parts.protocol, fitted_on="train+valid", fit_seconds=round(watch.elapsed_s, 3),
                   split_sizes=parts.sizes())
    if not no_evaluate:
        meta.metrics = evaluate(recommender, parts).summary
    save_run(out_dir, recommender, meta)
    if json_output:
        print_json({"run": str(out_dir), **meta.model_dump(mode="json")})
        return
    out.print(f"trained [bold]{model}[/bold] on {parts.fit.name} ({len(parts.fit.active_users):,} users, "
              f"{len(parts.fit.active_items):,} items) in {watch.elapsed_s:.1f} s -> {out_dir}")
    if meta.metrics:
        keys = ["recall@10", "ndcg@10", "recall@20", "ndcg@20", "coverage@10"]
        out.print(metrics_table(f"test ({parts.protocol})", [{"model": model, **meta.metrics}], ["model", *keys]))
