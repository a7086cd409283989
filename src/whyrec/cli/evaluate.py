"""``whyrec evaluate``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from whyrec.cli.common import JsonOpt
from whyrec.cli.output import metrics_table, out, print_json
from whyrec.evaluate.evaluator import rank_split, score_ranking
from whyrec.evaluate.groups import breakdown, exposure_by_popularity, user_groups
from whyrec.models.persistence import load_run, update_metrics

KOpt = Annotated[list[int] | None, typer.Option("--k", help="List lengths (repeatable; default 10 and 20).")]


def evaluate_run(
    run_dir: Annotated[Path, typer.Argument(help="A run directory made by `whyrec train`.")],
    k: KOpt = None,
    by: Annotated[list[str] | None, typer.Option("--by", help="Break metrics down by a user attribute (gender, "
                                                              "age_band, occupation) or 'activity'.")] = None,
    exposure: Annotated[bool, typer.Option("--exposure", help="Show exposure by item popularity bucket.")] = False,
    per_user: Annotated[Path | None, typer.Option("--per-user", help="Write per-user metrics to this CSV.")] = None,
    json_output: JsonOpt = False,
) -> None:
    """Score the run's test part with full ranking (PROTOCOL.md metrics)."""
    ks = sorted(set(k or [10, 20]))
    if ks[0] < 1:
        from whyrec.errors import ConfigError

        raise ConfigError(f"--k must be at least 1. Got {ks[0]} instead.", field="k")
    run = load_run(run_dir)
    ranking = rank_split(run.model, run.split, k=max(ks))
    users_frame, summary = score_ranking(ranking, ks=ks)
    update_metrics(run_dir, summary)
    breakdowns = {attr: breakdown(users_frame, user_groups(run.dataset, ranking.history, users_frame.index, attr))
                  for attr in by or []}
    exposure_table = exposure_by_popularity(ranking, ks[0]) if exposure else None
    if per_user is not None:
        users_frame.to_csv(per_user)
    if json_output:
        payload: dict[str, object] = {"run": str(run_dir), "model": run.meta.model, "protocol": run.split.protocol,
                                      "target": "test", "users": len(users_frame), "metrics": summary}
        if breakdowns:
            payload["breakdown"] = {a: t.reset_index().to_dict(orient="records") for a, t in breakdowns.items()}
        if exposure_table is not None:
            payload["exposure"] = exposure_table.reset_index().to_dict(orient="records")
        print_json(payload)
        return
    rows = [{"metric": name, **{f"@{kk}": summary.get(f"{name}@{kk}") for kk in ks}}
            for name in ("recall", "ndcg", "hr", "precision", "mrr", "map", "coverage", "avgpop", "novelty", "diversity")]
    out.print(metrics_table(f"{run.meta.model} on test, {len(users_frame):,} users ({run.split.protocol})", rows,
                            ["metric", *[f"@{kk}" for kk in ks]]))
    for attr, table in breakdowns.items():
        cols = ["users", *[f"{m}@{ks[0]}" for m in ("recall", "ndcg", "hr")]]
        rows = [{"group": str(g), **{c: (float(v) if c != "users" else int(v)) for c, v in r.items() if c in cols}}
                for g, r in table.iterrows()]
        out.print(metrics_table(f"by {attr}", rows, ["group", *cols]))
    if exposure_table is not None:
        rows = [{"bucket": b, **r.to_dict()} for b, r in exposure_table.iterrows()]
        out.print(metrics_table("exposure by item popularity (head = top third of interactions)", rows,
                                ["bucket", *exposure_table.columns]))
