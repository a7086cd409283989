"""``whyrec spark``: ALS trained with Spark MLlib; evaluation, recommendations and explanations on Spark.

See docs/scale.md. PySpark is imported only when a subcommand runs, so ``whyrec --help`` and the other
commands never load it.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Annotated

import typer

from whyrec.cli.common import (
    CatalogOpt,
    DataOpt,
    DropInvalidOpt,
    DropUnknownOpt,
    EncodingOpt,
    ItemColumnOpt,
    JsonOpt,
    RatingColumnOpt,
    SyntheticEventsOpt,
    TimeColumnOpt,
    TimeUnitOpt,
    UserColumnOpt,
    UsersOpt,
    ValueColumnOpt,
    column_settings,
    data_source,
    parse_params,
)
from whyrec.cli.evaluate import KOpt, summary_table
from whyrec.cli.output import metrics_table, out, print_json
from whyrec.cli.run import check_out_dir
from whyrec.errors import ConfigError

__all__ = ["app"]

app = typer.Typer(help="Train ALS with Spark MLlib; evaluate, recommend and explain over user partitions on Spark.",
                  no_args_is_help=True, add_completion=False)

MasterOpt = Annotated[str, typer.Option("--master", help="Spark master URL: local[2], local[*], spark://HOST:7077, "
                                                         "yarn, k8s://https://HOST:443.")]


EvidenceOpt = Annotated[int | None, typer.Option("--evidence", min=1, help="Evidence entries per explanation "
                                                                          "(default: all).")]
PartitionsOpt = Annotated[int | None, typer.Option("--partitions", min=1, help="User partitions (default: Spark's "
                                                                              "parallelism).")]


def _spark() -> ModuleType:
    """whyrec.scale.spark (PySpark is imported here only)."""
    try:
        from whyrec.scale import spark
    except ImportError as e:
        raise ConfigError(f"whyrec spark needs PySpark ({e}): pip install 'whyrec[spark]' (and Java 17).",
                          field="master") from None
    return spark


@app.command("train")
def train(
    data: DataOpt,
    out_dir: Annotated[Path, typer.Option("--out", help="Run directory to write.")],
    master: MasterOpt = "local[2]",
    param: Annotated[list[str] | None, typer.Option("--param", help="ALS hyperparameter name=value (repeatable): "
                                                                    "embedding_size, regularization, alpha, "
                                                                    "epochs, use_weights.")] = None,
    catalog: CatalogOpt = None,
    users: UsersOpt = None,
    split: Annotated[str, typer.Option("--split", help="temporal-user (PROTOCOL.md, the default), leave-last-out, "
                                                       "global-time or random: made as `whyrec train` makes it.")]
    = "temporal-user",
    seed: Annotated[int, typer.Option(help="Seed of MLlib's ALS (and of the synthetic data).")] = 0,
    synthetic_events: SyntheticEventsOpt = None,
    no_evaluate: Annotated[bool, typer.Option("--no-evaluate", help="Skip the test evaluation after fitting.")] = False,
    drop_invalid: DropInvalidOpt = False,
    drop_unknown_items: DropUnknownOpt = False,
    encoding: EncodingOpt = "utf-8",
    user_column: UserColumnOpt = None,
    item_column: ItemColumnOpt = None,
    time_column: TimeColumnOpt = None,
    value_column: ValueColumnOpt = None,
    rating_column: RatingColumnOpt = None,
    time_unit: TimeUnitOpt = None,
    force: Annotated[bool, typer.Option("--force", help="Replace the run already in --out.")] = False,
    json_output: JsonOpt = False,
) -> None:
    """Fit ALS with Spark MLlib (implicit mode, whyrec's ALS parameter names) and save a normal whyrec run."""
    from whyrec.evaluate.splits import make_splitter
    from whyrec.models.implicit_mf import ALSConfig

    splitter = make_splitter(split)
    check_out_dir(out_dir, force)
    columns = column_settings(user_column, item_column, time_column, value_column, rating_column, time_unit)
    spec = data_source(data, catalog, users, drop_invalid, drop_unknown_items, synthetic_events, seed, encoding,
                       columns)
    params = parse_params(param)
    params.setdefault("seed", seed)
    config = ALSConfig.model_validate(params)
    module = _spark()
    with module.running(master) as session:
        run = module.train_als(session, spec, out_dir, config=config, split=splitter,
                               evaluate_test=not no_evaluate)
    if json_output:
        print_json({"run": str(out_dir), **run.meta.model_dump(mode="json")})
        return
    out.print(f"trained [bold]als[/bold] on Spark ({master}) in {run.meta.fit_seconds:.1f} s -> {out_dir}")
    if run.meta.metrics:
        keys = ["recall@10", "ndcg@10", "recall@20", "ndcg@20", "coverage@10"]
        out.print(metrics_table(f"test ({run.meta.protocol})", [{"model": "als (spark)", **run.meta.metrics}],
                                ["model", *keys]))


@app.command("recommend")
def recommend(
    run_dir: Annotated[Path, typer.Argument(help="An ALS run directory (whyrec spark train or whyrec train).")],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for recommendations/ and explanations/ "
                                                        "(Parquet).")],
    master: MasterOpt = "local[2]",
    k: Annotated[int, typer.Option("--k", min=1, help="List length.")] = 10,
    explain: Annotated[bool, typer.Option("--explain/--no-explain", help="Also write the exact explanations.")]
    = True,
    evidence: EvidenceOpt = None,
    partitions: PartitionsOpt = None,
    json_output: JsonOpt = False,
) -> None:
    """Top-k for every user of an ALS run on Spark, with exact explanations, written to Parquet."""
    module = _spark()
    with module.running(master) as session:
        written = module.recommend_all(session, run_dir, out_dir, k=k, explain=explain, top_n=evidence,
                                       partitions=partitions)
    if json_output:
        print_json({name: str(path) for name, path in written.items()})
        return
    for name, path in written.items():
        out.print(f"wrote {name} -> {path}")


@app.command("evaluate")
def evaluate(
    run_dir: Annotated[Path, typer.Argument(help="A run directory (any model); every executor must read it.")],
    master: MasterOpt = "local[2]",
    k: KOpt = None,
    partitions: PartitionsOpt = None,
    json_output: JsonOpt = False,
) -> None:
    """Score the run's stored test part on Spark: full ranking over user partitions, as `whyrec evaluate` does."""
    from whyrec.runs import update_metrics

    ks = sorted(set(k or [10, 20]))
    module = _spark()
    with module.running(master) as session:
        result = module.evaluate(session, run_dir, ks=ks, partitions=partitions)
    update_metrics(run_dir, result.summary, per_user=result.per_user)
    if json_output:
        print_json({"run": str(run_dir), "model": result.model, "protocol": result.protocol, "target": "test",
                    "users": len(result.per_user), "metrics": result.summary})
        return
    out.print(summary_table(f"{result.model} on test, {len(result.per_user):,} users ({result.protocol}, "
                            f"on Spark in {result.elapsed_s:.1f} s)", result.summary, ks))


@app.command("explain")
def explain(
    run_dir: Annotated[Path, typer.Argument(help="An ALS run directory; every executor must read it.")],
    users: Annotated[str, typer.Option("--users", help="'all' (every user's top k), or a CSV/Parquet/JSONL file "
                                                       "with a user_id column (their top k) and optionally an "
                                                       "item_id column (those pairs).")],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for explanations/ (Parquet).")],
    master: MasterOpt = "local[2]",
    k: Annotated[int, typer.Option("--k", min=1, help="List length (for pairs: the list a counterfactual takes "
                                                      "the item out of).")] = 10,
    evidence: EvidenceOpt = None,
    partitions: PartitionsOpt = None,
    json_output: JsonOpt = False,
) -> None:
    """Exact ALS explanations of each user's top k, or of given (user, item) pairs, on Spark, to Parquet."""
    from whyrec.runs import load_run

    module = _spark()
    chosen, pairs = (None, None) if users == "all" else module.read_targets(users, load_run(run_dir))
    with module.running(master) as session:
        written = module.explain_all(session, run_dir, out_dir, users=chosen, pairs=pairs, k=k, top_n=evidence,
                                     partitions=partitions)
    if json_output:
        print_json({"explanations": str(written)})
        return
    out.print(f"wrote explanations -> {written}")
