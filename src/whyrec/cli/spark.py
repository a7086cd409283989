"""``whyrec spark``: ALS trained with Spark MLlib, batch recommendations and explanations on Spark (docs/scale.md).

PySpark is imported only when a subcommand runs, so ``whyrec --help`` and the other commands never load it.
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
    JsonOpt,
    SyntheticEventsOpt,
    UsersOpt,
    data_source,
    parse_params,
)
from whyrec.cli.output import metrics_table, out, print_json
from whyrec.cli.run import check_out_dir
from whyrec.errors import ConfigError

__all__ = ["app"]

app = typer.Typer(help="Train ALS with Spark MLlib and recommend + explain for every user on Spark.",
                  no_args_is_help=True, add_completion=False)

MasterOpt = Annotated[str, typer.Option("--master", help="Spark master URL: local[2], local[*], spark://HOST:7077, "
                                                         "yarn, k8s://https://HOST:443.")]


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
    seed: Annotated[int, typer.Option(help="Seed of MLlib's ALS (and of the synthetic data).")] = 0,
    synthetic_events: SyntheticEventsOpt = None,
    no_evaluate: Annotated[bool, typer.Option("--no-evaluate", help="Skip the test evaluation after fitting.")] = False,
    drop_invalid: DropInvalidOpt = False,
    drop_unknown_items: DropUnknownOpt = False,
    encoding: EncodingOpt = "utf-8",
    force: Annotated[bool, typer.Option("--force", help="Replace the run already in --out.")] = False,
    json_output: JsonOpt = False,
) -> None:
    """Fit ALS with Spark MLlib (implicit mode, whyrec's ALS parameter names) and save a normal whyrec run."""
    from whyrec.models.implicit_mf import ALSConfig

    check_out_dir(out_dir, force)
    spec = data_source(data, catalog, users, drop_invalid, drop_unknown_items, synthetic_events, seed, encoding)
    params = parse_params(param)
    params.setdefault("seed", seed)
    config = ALSConfig.model_validate(params)
    module = _spark()
    with module.running(master) as session:
        run = module.train_als(session, spec, out_dir, config=config, evaluate_test=not no_evaluate)
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
    evidence: Annotated[int | None, typer.Option("--evidence", min=1, help="Evidence entries per explanation "
                                                                          "(default: all).")] = None,
    partitions: Annotated[int | None, typer.Option("--partitions", min=1, help="User partitions (default: "
                                                                              "Spark's parallelism).")] = None,
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
