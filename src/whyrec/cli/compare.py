"""``whyrec compare``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from whyrec.cli.common import JsonOpt
from whyrec.cli.output import metrics_table, out, print_json
from whyrec.errors import ConfigError
from whyrec.evaluate.compare import paired_test
from whyrec.evaluate.evaluator import rank_split, score_ranking
from whyrec.runs import load_run


def compare(
    runs: Annotated[list[Path], typer.Argument(help="Two or more run directories; the first is the baseline.")],
    k: Annotated[list[int] | None, typer.Option("--k", help="List lengths (default 10 and 20).")] = None,
    metric: Annotated[list[str] | None, typer.Option("--metric", help="Metrics tested per user (default ndcg@10 "
                                                                      "and recall@10).")] = None,
    json_output: JsonOpt = False,
) -> None:
    """Evaluate runs on the same test users and test each against the first (Wilcoxon, paired t-test)."""
    if len(runs) < 2:
        raise ConfigError("compare needs at least two run directories.", field="runs")
    ks = sorted(set(k or [10, 20]))
    tested = metric or [f"ndcg@{ks[0]}", f"recall@{ks[0]}"]
    loaded = [load_run(r) for r in runs]
    base = loaded[0]
    for other in loaded[1:]:
        if (other.meta.dataset_fingerprint, other.meta.split) != (base.meta.dataset_fingerprint, base.meta.split):
            raise ConfigError(f"runs {base.path} and {other.path} were made on different data or splits; "
                              "compare runs of one dataset and protocol.", field="runs")
        other.check_dataset(base.dataset)
        other._split = base.split  # same data and protocol: share the split instead of recomputing it
    results = []
    for run in loaded:
        per_user, summary = score_ranking(rank_split(run.model, run.split, k=max(ks)), ks=ks)
        results.append((run, per_user, summary))
    tests = [{"run": str(run.path), "baseline": str(base.path), **paired_test(results[0][1], per_user, m).__dict__}
             for run, per_user, _ in results[1:] for m in tested]
    if json_output:
        print_json({"protocol": base.split.protocol,
                    "runs": [{"run": str(r.path), "model": r.meta.model, "metrics": s} for r, _, s in results],
                    "paired_tests": tests})
        return
    columns = [f"{m}@{kk}" for kk in ks for m in ("recall", "ndcg")] + [f"coverage@{ks[0]}"]
    rows = [{"run": str(r.path), "model": r.meta.model, **s} for r, _, s in results]
    out.print(metrics_table(f"test, {len(results[0][1]):,} users ({base.split.protocol})", rows,
                            ["run", "model", *columns]))
    rows = [{"run": t["run"], "metric": t["metric"], "difference": t["mean_difference"], "wilcoxon p": t["wilcoxon_p"],
             "t-test p": t["ttest_p"], "significant": "yes" if t["wilcoxon_p"] < 0.05 else "no"} for t in tests]
    out.print(metrics_table(f"paired per-user tests against {base.path}", rows,
                            ["run", "metric", "difference", "wilcoxon p", "t-test p", "significant"]))
