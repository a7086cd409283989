"""``whyrec recommend``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from whyrec import progress
from whyrec.cli.common import AnnOpt, AnnThresholdOpt, JsonOpt
from whyrec.cli.output import metrics_table, out, print_json
from whyrec.data.filters import ItemFilter
from whyrec.data.history import HistoryBatch
from whyrec.errors import ConfigError, UnknownIdError
from whyrec.evaluate.evaluator import rank_split
from whyrec.retrieval import ANN_THRESHOLD, RetrievalConfig, RetrievalMode, Retrieved, retriever_for
from whyrec.runs import load_run


def recommend(
    run_dir: Annotated[Path, typer.Argument(help="A run directory made by `whyrec train`.")],
    user: Annotated[str | None, typer.Option("--user", help="A user id: their train + valid items are the history.")]
    = None,
    history: Annotated[str | None, typer.Option("--history", help="Comma-separated item ids, oldest first, "
                                                                 "scored as a new user.")] = None,
    all_users: Annotated[bool, typer.Option("--all-users", help="Every test user; needs --out.")] = False,
    k: Annotated[int, typer.Option("--k", min=1, help="List length.")] = 10,
    out_file: Annotated[Path | None, typer.Option("--out", help="CSV for --all-users: user_id,item_id,rank,score.")]
    = None,
    category: Annotated[str | None, typer.Option("--category", help="Only items of this category (the catalog's "
                                                                   "`category` column).")] = None,
    filters: Annotated[list[str] | None, typer.Option("--filter", help="column:value: only items with this value "
                                                                       "in any catalog column (repeat it: the same "
                                                                       "column means either value).")] = None,
    exclude: Annotated[str | None, typer.Option("--exclude", help="Comma-separated item ids never to "
                                                                  "recommend.")] = None,
    candidates: Annotated[str | None, typer.Option("--candidates", help="Comma-separated item ids: recommend "
                                                                        "only among these.")] = None,
    ann: AnnOpt = RetrievalMode.AUTO,
    ann_threshold: AnnThresholdOpt = ANN_THRESHOLD,
    json_output: JsonOpt = False,
) -> None:
    """Top-k items for one user, for any list of items, or for every test user."""
    item_filter = ItemFilter.parse(category=category, filters=filters or (), exclude=exclude or (),
                                   candidates=candidates)
    chosen = sum(x is not None and x is not False for x in (user, history, all_users))
    if chosen != 1:
        raise ConfigError("give exactly one of --user ID, --history ID,ID,... or --all-users.", field="user")
    run = load_run(run_dir)
    fit = run.fit_data
    retrieval = RetrievalConfig(mode=ann, threshold=ann_threshold)
    if all_users:
        if out_file is None:
            raise ConfigError("--all-users writes a CSV: add --out recs.csv.", field="out")
        if not item_filter.is_empty:
            raise ConfigError("--category, --filter, --exclude and --candidates apply to --user and --history, "
                              "not to --all-users.", field="filter")
        retriever = retriever_for(run.model, run.meta.n_items, retrieval, run_dir=run.path)
        ranking = rank_split(run.model, run.split, k=k, retriever=retriever)
        frame = ranking.to_frame()
        frame.to_csv(out_file, index=False, float_format="%.6g")
        if json_output:
            print_json({"out": str(out_file), "users": len(ranking.user_ids), "rows": len(frame),
                        "retrieval": ranking.retrieval, "approximate_lists": ranking.approximate_lists})
        else:
            out.print(f"wrote {len(frame):,} rows for {len(ranking.user_ids):,} users to {out_file} "
                      f"({ranking.retrieval} retrieval)")
        return
    if user is not None:
        if user not in fit.users:
            raise UnknownIdError("user", [user], where=f"run {run_dir}", n_known=len(fit.active_users))
        batch = fit.histories([user])
    else:
        ids = [x.strip() for x in (history or "").split(",") if x.strip()]
        if not ids:
            raise ConfigError("--history needs at least one item id, e.g. --history 50,172,181.", field="history")
        try:
            new = fit.history_from_items(ids)
        except UnknownIdError as e:
            raise UnknownIdError("item", e.ids, where=f"run {run_dir}", n_known=fit.n_items) from None
        batch = HistoryBatch.from_histories([new], fit.n_items)
    retriever = retriever_for(run.model, run.meta.n_items, retrieval, run_dir=run.path)
    with progress.task("Scoring"):
        allowed = item_filter.allows(fit.active_items, fit.catalog, fit.items)
        recs = (run.model if retriever is None else retriever).recommend(batch, k, exclude_seen=True,
                                                                         candidates=allowed)
    how = "approximate" if isinstance(recs, Retrieved) and recs.approximate[0] else "exact"
    items = [int(i) for i in recs.items[0] if i >= 0]
    scores = recs.scores[0][: len(items)]
    rows = [{"item_id": fit.items.id_of(i), "rank": r + 1, "score": float(s), "title": fit.catalog.label(i)}
            for r, (i, s) in enumerate(zip(items, scores, strict=True))]
    if json_output:
        print_json([{"item_id": r["item_id"], "rank": r["rank"], "score": r["score"], "retrieval": how}
                    for r in rows])
        return
    who = f"user {user}" if user is not None else f"history of {len(batch[0])} items"
    out.print(metrics_table(f"{run.meta.model}: top {k} for {who} ({how} retrieval)", rows,
                            ["rank", "item_id", "score", "title"]))

