"""``whyrec evaluate``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from whyrec.cli.common import AnnOpt, AnnThresholdOpt, JsonOpt
from whyrec.cli.output import err, metrics_table, out, print_json
from whyrec.evaluate.evaluator import rank_split, score_ranking
from whyrec.evaluate.groups import breakdown, exposure_by_popularity, user_groups
from whyrec.explain.signal import no_signal_share_of_lists, no_signal_warning
from whyrec.retrieval import ANN_THRESHOLD, RetrievalConfig, RetrievalMode, retriever_for
from whyrec.runs import load_run, update_metrics

KOpt = Annotated[list[int] | None, typer.Option("--k", help="List lengths (repeatable; default 10 and 20).")]


def summary_table(title: str, summary: dict[str, float], ks: list[int]) -> Table:
    """The table of an evaluation summary: one row per metric, one column per list length."""
    rows = [{"metric": name, **{f"@{kk}": summary.get(f"{name}@{kk}") for kk in ks}}
            for name in ("recall", "ndcg", "hr", "precision", "mrr", "map", "coverage", "avgpop", "novelty",
                         "diversity")]
    return metrics_table(title, rows, ["metric", *[f"@{kk}" for kk in ks]])


def evaluate_run(
    run_dir: Annotated[Path, typer.Argument(help="A run directory made by `whyrec train`.")],
    k: KOpt = None,
    by: Annotated[list[str] | None, typer.Option("--by", help="Break metrics down by a user attribute (gender, "
                                                              "age_band, occupation) or 'activity'.")] = None,
    exposure: Annotated[bool, typer.Option("--exposure", help="Show exposure by item popularity bucket.")] = False,
    per_user: Annotated[Path | None, typer.Option("--per-user", help="Write per-user metrics to this CSV.")] = None,
    cold_items: Annotated[bool, typer.Option("--cold-items", help="Cold-start items instead (PROTOCOL.md): refit "
                                                                  "without ~20% of the items, rank only those.")]
    = False,
    new_users: Annotated[bool, typer.Option("--new-users", help="New users instead (PROTOCOL.md): refit without ~20% "
                                                                "of the users, score them from 1, 3, 5 and all "
                                                                "interactions.")] = False,
    ann: AnnOpt = RetrievalMode.OFF,
    ann_threshold: AnnThresholdOpt = ANN_THRESHOLD,
    json_output: JsonOpt = False,
) -> None:
    """Score the run's test part with full ranking (PROTOCOL.md metrics).

    With ``--ann auto|on`` the lists may come from an approximate index: the metrics are then printed but not
    recorded in the run, whose numbers stay those of the exact protocol.
    """
    if cold_items or new_users:
        evaluate_cold_start(run_dir, cold_items=cold_items, new_users=new_users, json_output=json_output)
        return
    ks = sorted(set(k or [10, 20]))
    if ks[0] < 1:
        from whyrec.errors import ConfigError

        raise ConfigError(f"--k must be at least 1. Got {ks[0]} instead.", field="k")
    run = load_run(run_dir)
    retriever = retriever_for(run.model, run.meta.n_items, RetrievalConfig(mode=ann, threshold=ann_threshold),
                              run_dir=run.path)
    ranking = rank_split(run.model, run.split, k=max(ks), retriever=retriever)
    users_frame, summary = score_ranking(ranking, ks=ks)
    if (warning := no_signal_warning(no_signal_share_of_lists(ranking.recommendations.scores))) is not None:
        err.print(f"[yellow]{warning}[/yellow]")
    if ranking.retrieval == "exact":
        update_metrics(run_dir, summary, per_user=users_frame)
    elif not json_output:
        err.print(f"{ranking.approximate_lists:,} of {len(ranking.user_ids):,} lists came from the approximate "
                  "index: these metrics are not recorded in the run (rerun with --ann off for the protocol's).")
    breakdowns = {attr: breakdown(users_frame, user_groups(run.dataset, ranking.history, users_frame.index, attr))
                  for attr in by or []}
    exposure_table = exposure_by_popularity(ranking, ks[0]) if exposure else None
    if per_user is not None:
        users_frame.to_csv(per_user)
    if json_output:
        payload: dict[str, object] = {"run": str(run_dir), "model": run.meta.model, "protocol": run.split.protocol,
                                      "target": "test", "users": len(users_frame), "metrics": summary,
                                      "retrieval": ranking.retrieval}
        if breakdowns:
            payload["breakdown"] = {a: t.reset_index().to_dict(orient="records") for a, t in breakdowns.items()}
        if exposure_table is not None:
            payload["exposure"] = exposure_table.reset_index().to_dict(orient="records")
        print_json(payload)
        return
    out.print(summary_table(f"{run.meta.model} on test, {len(users_frame):,} users ({run.split.protocol}, "
                            f"{ranking.retrieval} retrieval)", summary, ks))
    for attr, table in breakdowns.items():
        cols = ["users", *[f"{m}@{ks[0]}" for m in ("recall", "ndcg", "hr")]]
        rows = [{"group": str(g), **{c: (float(v) if c != "users" else int(v)) for c, v in r.items() if c in cols}}
                for g, r in table.iterrows()]
        out.print(metrics_table(f"by {attr}", rows, ["group", *cols]))
    if exposure_table is not None:
        rows = [{"bucket": b, **r.to_dict()} for b, r in exposure_table.iterrows()]
        out.print(metrics_table("exposure by item popularity (head = top third of interactions)", rows,
                                ["bucket", *exposure_table.columns]))


def evaluate_cold_start(run_dir: Path, *, cold_items: bool, new_users: bool, json_output: bool) -> None:
    """Refit the run's model type and config under PROTOCOL.md's cold-start rules and report the numbers."""
    from whyrec.evaluate.coldstart import evaluate_cold_items, evaluate_new_users
    from whyrec.models.registry import model_class
    from whyrec.training import fit_on_split

    run = load_run(run_dir)
    cls, config = type(run.model), run.model.config
    payload: dict[str, object] = {"run": str(run_dir), "model": run.meta.model, "protocol": run.split.protocol}
    recorded: dict[str, float] = {}
    if cold_items:
        text = model_class("text")
        baselines = ({} if run.meta.model == "text"
                     else {"text": lambda part: fit_on_split(text(seed=config.seed), part)})
        cold = evaluate_cold_items(lambda part: fit_on_split(cls(config), part), run.split, k=20,
                                   baselines=baselines)
        payload["cold_items"] = {"users": cold.users, "cold_items": cold.n_cold_items, "metrics": cold.metrics,
                                 "random_expected": cold.random, "baselines": cold.baselines,
                                 "elapsed_s": round(cold.elapsed_s, 2)}
        recorded.update({f"cold_items/{m}": v for m, v in cold.metrics.items()})
        if not json_output:
            rows = [{"model": run.meta.model, **cold.metrics},
                    *({"model": f"{name} (baseline)", **m} for name, m in cold.baselines.items()),
                    {"model": "random (expected)", **cold.random}]
            out.print(metrics_table(f"cold items: {cold.users:,} users, {cold.n_cold_items:,} cold candidates "
                                    f"({run.split.protocol})", rows, ["model", "recall@20", "ndcg@20"]))
    if new_users:
        new = evaluate_new_users(lambda part: fit_on_split(cls(config), part), run.split, k=10)
        payload["new_users"] = {"users": new.users, "metrics": new.metrics, "popularity": new.popularity,
                                "elapsed_s": round(new.elapsed_s, 2)}
        recorded.update({f"new_users/{n}/{m}": v for n, ms in new.metrics.items() for m, v in ms.items()})
        if not json_output:
            rows = [{"history": n, "model": run.meta.model, **new.metrics[n]} for n in new.metrics]
            rows += [{"history": n, "model": "pop", **new.popularity[n]} for n in new.popularity]
            out.print(metrics_table(f"new users: {new.users:,} users, last N fit interactions as history "
                                    f"({run.split.protocol})", rows, ["history", "model", "ndcg@10", "recall@10"]))
    update_metrics(run_dir, recorded)
    if json_output:
        print_json(payload)
