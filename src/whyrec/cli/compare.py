"""``whyrec compare``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from whyrec.cli.common import JsonOpt
from whyrec.cli.output import metrics_table, out, print_json
from whyrec.errors import ConfigError
from whyrec.evaluate.compare import paired_test
from whyrec.evaluate.evaluator import rank_split, score_ranking
from whyrec.runs import Run, load_run


def run_names(paths: Sequence[Path]) -> list[str]:
    """The shortest path suffix that tells each run apart: ``ease``, or ``a/ease`` and ``b/ease``.

    Example:
        >>> run_names([Path("runs/jan/ease"), Path("runs/feb/ease"), Path("runs/pop")])
        ['jan/ease', 'feb/ease', 'pop']
    """
    parts = [p.resolve().parts for p in paths]
    depth = [1] * len(paths)
    while True:
        names = ["/".join(pp[-d:]) for pp, d in zip(parts, depth, strict=True)]
        clashes = {n for n in names if names.count(n) > 1}
        if not clashes or all(depth[i] >= len(parts[i]) for i, n in enumerate(names) if n in clashes):
            return names
        depth = [d + 1 if n in clashes else d for d, n in zip(depth, names, strict=True)]


def _stored_result(run: Run, columns: Sequence[str]) -> tuple[pd.DataFrame, dict[str, float]] | None:
    """The per-user frame and summary saved with the run, when they hold every column needed."""
    frame = run.per_user_metrics()
    per_user = [c for c in columns if not c.startswith("coverage@")]
    if frame is None or not set(per_user) <= set(frame.columns) or not set(columns) <= set(run.meta.metrics):
        return None
    return frame, dict(run.meta.metrics)


def compare(
    runs: Annotated[list[Path], typer.Argument(help="Two or more run directories; the first is the baseline.")],
    k: Annotated[list[int] | None, typer.Option("--k", help="List lengths (default 10 and 20).")] = None,
    metric: Annotated[list[str] | None, typer.Option("--metric", help="Metrics tested per user (default ndcg@10 "
                                                                      "and recall@10).")] = None,
    json_output: JsonOpt = False,
) -> None:
    """Evaluate runs on the same test users and test each against the first (Wilcoxon, paired t-test).

    Runs are named by the shortest end of their path that tells them apart. A run whose per-user test metrics
    were saved (by `whyrec train` or `whyrec evaluate`) is not evaluated again.
    """
    if len(runs) < 2:
        raise ConfigError("compare needs at least two run directories.", field="runs")
    ks = sorted(set(k or [10, 20]))
    tested = metric or [f"ndcg@{ks[0]}", f"recall@{ks[0]}"]
    columns = [f"{m}@{kk}" for kk in ks for m in ("recall", "ndcg")] + [f"coverage@{ks[0]}"]
    loaded = [load_run(r) for r in runs]
    names = dict(zip((id(r) for r in loaded), run_names(runs), strict=True))
    base = loaded[0]
    for other in loaded[1:]:
        if (other.meta.dataset_fingerprint, other.split_id) != (base.meta.dataset_fingerprint, base.split_id):
            raise ConfigError(f"runs {names[id(base)]} and {names[id(other)]} were made on different data or splits; "
                              "compare runs of one dataset and split.", field="runs")
    results = []
    for run in loaded:
        stored = _stored_result(run, [*columns, *tested])
        if stored is None:
            if run is not base and base._split is not None:
                run._split = base._split  # same data and split: share it instead of reading it again
            stored = score_ranking(rank_split(run.model, run.split, k=max(ks)), ks=ks)
        results.append((run, *stored))
    protocol = base.meta.protocol or base.meta.split.protocol
    tests = [{"run": names[id(run)], "baseline": names[id(base)],
              **paired_test(results[0][1], per_user, m).__dict__}
             for run, per_user, _ in results[1:] for m in tested]
    if json_output:
        print_json({"protocol": protocol,
                    "runs": [{"run": names[id(r)], "path": str(r.path), "model": r.meta.model, "metrics": s}
                             for r, _, s in results],
                    "paired_tests": tests})
        return
    rows = [{"run": names[id(r)], "model": r.meta.model, **s} for r, _, s in results]
    users = len(results[0][1])
    out.print(metrics_table(f"test, {users:,} users ({protocol})", rows, ["run", "model", *columns]))
    rows = [{"run": t["run"], "metric": t["metric"], "difference": t["mean_difference"], "wilcoxon p": t["wilcoxon_p"],
             "t-test p": t["ttest_p"], "significant": "yes" if t["wilcoxon_p"] < 0.05 else "no"} for t in tests]
    out.print(metrics_table(f"paired per-user tests against {names[id(base)]}", rows,
                            ["run", "metric", "difference", "wilcoxon p", "t-test p", "significant"]))
