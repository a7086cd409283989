"""Do counterfactuals hold once the model is retrained? The ACCENT protocol on ml-100k, and EASE latency.

ACCENT (Tran, Ghazimatin & Saha Roy, SIGIR 2021): for an explained (user, item) pair with a counterfactual
set R, delete the user's interactions with R from the training data, refit the model from scratch, and check
that the item has left the user's top k. For each pair both searches run: scored by the retrained model
(``verified="retrained"``, the default) and by re-scoring with the fixed weights (``"rescored"``); each claim
is checked by real refits (ALS: 3 seeds, scores averaged).

Run (each step stays under ~10 minutes on 2 shared cores; a later --start run adds pairs to an earlier one,
ALS refits dominate: 3 per claim; results go to docs/benchmarks/):

    RUN='nice .venv/bin/python benchmarks/explain_retrain.py'
    $RUN validity --model ease --pairs 150 --budget-s 480
    $RUN validity --model ease --pairs 45 --start 131 --budget-s 400
    $RUN validity --model itemknn --pairs 150 --budget-s 480
    # ALS, with APPROXIMATE_SLACK (users 0-74 were run before it; their files are in explain_retrain_before_slack/):
    # each --start below is the previous one plus the users it covered
    for S in 75 86 93 115 175; do $RUN validity --model als --seeds 3 --start $S --budget-s 480 --kinds retrained; done
    $RUN latency --sizes 1600,5000,12000
    $RUN kernel
    $RUN report
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from whyrec import load_dataset
from whyrec.data import Dataset, History, HistoryBatch
from whyrec.data.loading import DataSource
from whyrec.evaluate import split_dataset
from whyrec.explain import CounterfactualExplainer, ScoredHistory
from whyrec.explain.base import excluded_mask
from whyrec.explain.fidelity import retrain_check
from whyrec.models import create_model
from whyrec.models.base import Recommender
from whyrec.models.capabilities import RetrainScorer

K, SEED = 10, 0
OUT = Path("docs/benchmarks")
SIZES = (1_600, 5_000, 12_000)  # synthetic catalog sizes for the latency curve
TARGETS = {"ease": 0.95, "itemknn": 0.95, "als": 0.90}  # retrain validity the issue asks for


def validity(name: str, pairs: int, seeds: int, budget_s: float, start: int = 0,
             kinds: tuple[str, ...] = ("retrained", "rescored")) -> dict[str, object]:
    """ACCENT validity of retrained and rescored claims on up to `pairs` ml-100k pairs (one item per user).

    `start` skips the first users of the (seeded) user order, so a second run adds new pairs to the first.
    """
    dataset, _ = load_dataset("ml-100k")
    fit = split_dataset(dataset).fit
    model = create_model(name).fit(fit)
    candidates = fit.active_items
    searches = {kind: CounterfactualExplainer(fit, k=K, candidates=candidates, retrain=kind == "retrained")
                for kind in kinds}
    rng = np.random.default_rng(SEED)
    users = rng.permutation(fit.users.ids_of(fit.active_users)).tolist()
    picks = [int(v) for v in rng.integers(0, 1 << 30, len(users))]
    seed_list: tuple[int | None, ...] = (None,) if seeds <= 1 else tuple(range(seeds))
    rows: list[dict[str, object]] = []
    started = time.perf_counter()
    for user, pick in list(zip(users, picks, strict=True))[start:]:
        if sum(r["kind"] == "retrained" and r["claimed"] for r in rows) >= pairs:
            break
        if time.perf_counter() - started > budget_s:
            break
        history = fit.history(user)
        items = model.recommend(HistoryBatch.from_histories([history], fit.n_items), K, candidates=candidates).items[0]
        valid = items[items >= 0]
        item = int(valid[pick % len(valid)])
        scored = ScoredHistory(model, history, fit.n_items, candidates)
        checked: dict[frozenset[int], object] = {}
        for kind, explainer in searches.items():
            t0 = time.perf_counter()
            cf = explainer.explain(model, history, np.array([item], dtype=np.int32), scored)[0].counterfactual
            ms = (time.perf_counter() - t0) * 1000
            assert cf is not None
            row: dict[str, object] = {"user": user, "item": item, "kind": kind, "claimed": cf.verified is not None,
                                      "verified": cf.verified, "size": len(cf.removed), "claimed_rank": cf.new_rank,
                                      "ms": ms}
            if cf.verified is not None:
                removed = frozenset(int(i) for i in fit.items.indices_of(list(cf.removed)))
                if removed not in checked:
                    checked[removed] = retrain_check(model, fit, history, item, sorted(removed), k=K,
                                                     candidates=candidates, seeds=seed_list)
                check = checked[removed]
                row.update(held=check.held, rescore_held=check.rescore_held, refit_rank=check.new_rank,
                           refits=check.refits, margin=_margin(model, fit, history, item, removed, kind))
            rows.append(row)
    summary = _summary(rows)
    result = {"model": name, "k": K, "seeds": len(seed_list), "users": len({r["user"] for r in rows}),
              "elapsed_s": time.perf_counter() - started, "summary": summary, "pairs": rows}
    suffix = f"_from{start}" if start else ""
    (OUT / f"explain_retrain_{name}{suffix}.json").write_text(json.dumps(result, indent=1, default=_plain))
    print(json.dumps(summary, indent=1, default=_plain))
    return result


def _margin(model: Recommender, fit: Dataset, history: History, item: int, removed: frozenset[int],
            kind: str) -> float:
    """(k-th best score - the item's score) / |k-th best score| after the edit, as the search saw it."""
    if kind == "retrained" and isinstance(model, RetrainScorer):
        edits = model.retrained_edits(history, fit)
        scores = edits([removed])[0] if edits is not None else None
    else:
        scores = None
    if scores is None:
        scores = model.score(HistoryBatch.from_histories([history.without(removed)], fit.n_items))[0]
    allowed = ~excluded_mask(fit.n_items, history.without(removed).items, fit.active_items)
    kth = np.sort(scores[allowed])[::-1][K - 1]
    return float((kth - scores[item]) / max(abs(kth), 1e-12))


def _summary(rows: list[dict[str, object]]) -> dict[str, dict[str, object]]:
    out: dict[str, dict[str, object]] = {}
    for kind in ("retrained", "rescored"):
        mine = [r for r in rows if r["kind"] == kind]
        claims = [r for r in mine if r["claimed"]]
        sizes = [int(r["size"]) for r in claims]  # type: ignore[call-overload]
        out[kind] = {"pairs": len(mine), "claimed": len(claims),
                     "claim_rate": len(claims) / len(mine) if mine else None,
                     "retrain_validity": float(np.mean([r["held"] for r in claims])) if claims else None,
                     "rescore_validity": float(np.mean([r["rescore_held"] for r in claims])) if claims else None,
                     "median_size": float(np.median(sizes)) if sizes else None,
                     "refits": int(sum(int(r["refits"]) for r in claims)),  # type: ignore[call-overload]
                     "ms_p50": float(np.percentile([r["ms"] for r in mine], 50)) if mine else None,
                     "ms_p95": float(np.percentile([r["ms"] for r in mine], 95)) if mine else None}
    return out


def _latency_on(fit: Dataset, model: Recommender, users: int) -> dict[str, float]:
    """p50 / p95 ms of one retrain-verified counterfactual (scoring the history included), one item per user."""
    explainer = CounterfactualExplainer(fit, k=K, candidates=fit.active_items)
    rng = np.random.default_rng(SEED)
    times, claimed = [], 0
    for user in rng.permutation(fit.users.ids_of(fit.active_users))[:users].tolist():
        history = fit.history(user)
        items = model.recommend(HistoryBatch.from_histories([history], fit.n_items), K,
                                candidates=fit.active_items).items[0]
        item = np.array([rng.choice(items[items >= 0])], dtype=np.int32)
        t0 = time.perf_counter()
        cf = explainer.explain(model, history, item)[0].counterfactual
        times.append((time.perf_counter() - t0) * 1000)
        claimed += cf is not None and cf.verified == "retrained"
    return {"n_items": fit.n_items, "users": len(times), "claimed_retrained": claimed,
            "ms_p50": float(np.percentile(times, 50)), "ms_p95": float(np.percentile(times, 95)),
            "history_median": float(np.median(np.diff(fit.interactions.indptr)))}


def latency(users: int, sizes: tuple[int, ...], ml100k: bool) -> list[dict[str, object]]:
    """EASE retrain-verified counterfactual latency on ml-100k and on synthetic catalogs of `sizes` items.

    Rows are merged into explain_retrain_latency.json by data name, so the sizes can run one at a time.
    """
    path = OUT / "explain_retrain_latency.json"
    rows: list[dict[str, object]] = json.loads(path.read_text()) if path.exists() else []

    def add(row: dict[str, object]) -> None:
        rows[:] = [r for r in rows if r["data"] != row["data"]] + [row]
        path.write_text(json.dumps(rows, indent=1))
        print(row)

    if ml100k:
        dataset, _ = load_dataset("ml-100k")
        fit = split_dataset(dataset).fit
        add({"data": "ml-100k", **_latency_on(fit, create_model("ease").fit(fit), users)})
    for n_items in sizes:
        t0 = time.perf_counter()
        dataset, _ = DataSource(source="synthetic", synthetic_events=n_items * 100, seed=SEED).load()
        fit = split_dataset(dataset).fit
        model = create_model("ease").fit(fit)
        fit_s = time.perf_counter() - t0
        add({"data": f"synthetic {n_items * 100:,} events", "fit_s": fit_s, **_latency_on(fit, model, users)})
        del model
    return rows


def kernel(sizes: tuple[int, ...], history_len: int, repeats: int) -> list[dict[str, object]]:
    """ms of the retrained-EASE core alone at each catalog size: set-up for one history plus 10 edits.

    Random weights stand in for a fit (the cost of the dense algebra does not depend on the values; a 12k-item
    EASE fit takes longer than this machine's benchmark budget), so this times the update, not a search.
    """
    from types import SimpleNamespace

    from whyrec.data.history import History
    from whyrec.models import EASE

    rng = np.random.default_rng(SEED)
    rows = []
    for n in sizes:
        model = EASE.from_state(EASE().config, {"weights": (rng.standard_normal((n, n)) * 1e-3).astype(np.float32),
                                                "precision_diag": rng.uniform(1e-4, 1e-3, n)}, n)
        training = SimpleNamespace(n_items=n)
        times = []
        for _ in range(repeats):
            history = History.of_items(rng.choice(n, history_len, replace=False))
            sets = [frozenset(rng.choice(history.items, size, replace=False).tolist()) for size in (1, 1, 1, 1, 2, 2, 2,
                                                                                                   3, 3, 5)]
            t0 = time.perf_counter()
            model.retrained_edits(history, training)(sets)  # type: ignore[arg-type]
            times.append((time.perf_counter() - t0) * 1000)
        rows.append({"n_items": n, "history": history_len, "ms_p50": float(np.percentile(times, 50)),
                     "ms_p95": float(np.percentile(times, 95))})
        print(rows[-1])
        del model
    (OUT / "explain_retrain_kernel.json").write_text(json.dumps(rows, indent=1))
    return rows


def report() -> None:
    """docs/benchmarks/explain_retrain.md from the JSON files the other steps wrote."""
    lines = ["# Counterfactuals under retraining (ACCENT protocol)", "",
             "Generated by `benchmarks/explain_retrain.py` (commands in its docstring). ml-100k, PROTOCOL.md split, "
             "models fitted on train + valid with default hyperparameters; one random top-10 item per random user. "
             "For each pair the counterfactual search runs twice: scored by the model retrained without the removed "
             "interactions (`verified=\"retrained\"`, the default) and by re-scoring with the fixed weights "
             "(`\"rescored\"`). Every claim is then checked by the ACCENT protocol: the user's interactions with the "
             "claimed items are deleted from the training data, the model is refitted from scratch (ALS: the mean "
             "score of 3 seeds) and the item must have left the top 10 (retrain validity). Rescore validity: the "
             "same claims re-scored by the original model.", "",
             "Timings were taken on 2 CPU cores shared with other jobs (load average 8-10 during every run), so "
             "they are upper bounds; the ms columns time one item's whole counterfactual search.", "",
             "| model | search | pairs | claimed | retrain validity | target | rescore validity | median size | "
             "refits | seeds | ms p50 | ms p95 |", "|---|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|"]
    for name in ("ease", "itemknn", "als"):
        parts = [json.loads(p.read_text()) for p in sorted(OUT.glob(f"explain_retrain_{name}*.json"))]
        if not parts:
            continue
        result = {"seeds": parts[0]["seeds"], "summary": _summary([r for p in parts for r in p["pairs"]])}
        for kind, s in result["summary"].items():
            target = TARGETS[name]
            short = "" if s["claimed"] >= 150 else f"; {s['claimed']} of the 150 pairs asked"
            met = "-" if kind == "rescored" or s["retrain_validity"] is None else (
                f"{'met' if s['retrain_validity'] >= target else 'missed'} (>= {target:.0%}{short})")
            lines.append(f"| {name} | {kind} | {s['pairs']} | {s['claimed']} | {_pct(s['retrain_validity'])} | "
                         f"{met} | {_pct(s['rescore_validity'])} | {_num(s['median_size'])} | {s['refits']} | "
                         f"{result['seeds']} | {_num(s['ms_p50'])} | {_num(s['ms_p95'])} |")
    lines += ["", "How each model answers \"retrained\" at request time (`whyrec.models.retraining`): EASE exactly, "
              "by a "
              "rank-2 Woodbury update of the inverse Gram matrix for the edited user row (tests match real refits to "
              "1e-4); ItemKNN by recomputing the removed items' similarity columns, pruning included (exact unless "
              "the changed values move another column's top-n cut-off past a history item; tests match unpruned "
              "refits exactly); ALS by a warm-started refit of the user's vector and the removed items' vectors (2 "
              "alternations), not exact. Because it is an estimate, an ALS claim must take the item past rank k + 1 "
              "(`whyrec.explain.counterfactual.APPROXIMATE_SLACK`), not only past k.", "",
              "**Before that rule** (`docs/benchmarks/explain_retrain_before_slack/`, users 0-74): 61 of 69 ALS "
              "claims held after 3 full refits (88.4%, under the 90% target), and all 8 that failed had been "
              "claimed at rank 11, just outside the top 10; all 50 claims at rank 12 or lower held. The ALS rows "
              "above are new users (from user 75 on), searched with the rule; the rule was chosen on the first 69 "
              "claims, so only these rows test it. With it, 13 of 175 claims failed, claimed at rank 12 or 13 and "
              "back at rank 9 or 10 after refitting: the estimate is sometimes off by three positions, so ALS meets "
              "its 90% target but not the 95% of the exact models.", ""]
    path = OUT / "explain_retrain_latency.json"
    if path.exists():
        lines += ["", "## Latency of a retrain-verified EASE counterfactual", "",
                  "One item per user, the whole request timed (scoring the history, attribution, the search with "
                  "every step scored by the exactly retrained model). Synthetic catalogs from "
                  "`whyrec.data.builtin.synthetic` (100 events per item). Rerun on 2026-12-02 with every size in one "
                  "process (load average 2-6 from other jobs; the 12k-item EASE fit alone took 712 s): p95 grows "
                  "about linearly with the catalog (O(n_items x history) per edit), under 50 ms up to 5k items and "
                  "77 ms at 12k.", "",
                  "| data | items | users | claimed | history median | ms p50 | ms p95 |",
                  "|---|---:|---:|---:|---:|---:|---:|"]
        for r in json.loads(path.read_text()):
            lines.append(f"| {r['data']} | {r['n_items']:,} | {r['users']} | {r['claimed_retrained']} | "
                         f"{r['history_median']:.0f} | {r['ms_p50']:.1f} | {r['ms_p95']:.1f} |")
    path = OUT / "explain_retrain_kernel.json"
    if path.exists():
        lines += ["", "The retrained-EASE update alone (`kernel` step): set-up for one 50-item history plus 10 edits "
                  "of 1-5 items, random weights in place of a fit (the dense algebra costs the same whatever the "
                  "values; a 12k-item EASE fit, an O(n^3) inverse, does not fit this machine's benchmark budget).", "",
                  "| items | history | ms p50 | ms p95 |", "|---:|---:|---:|---:|"]
        for r in json.loads(path.read_text()):
            lines.append(f"| {r['n_items']:,} | {r['history']} | {r['ms_p50']:.1f} | {r['ms_p95']:.1f} |")
    commands = __doc__.split("Run (", 1)[1].split("\n\n", 1)[1].rstrip()
    lines += ["", "## Commands", "", "```", *(c[4:] for c in commands.splitlines()), "```"]
    (OUT / "explain_retrain.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def _pct(v: float | None) -> str:
    return "-" if v is None else f"{v:.1%}"


def _num(v: float | None) -> str:
    return "-" if v is None else f"{v:.1f}"


def _plain(v: object) -> object:
    return v.item() if isinstance(v, np.generic) else str(v)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="step", required=True)
    v = sub.add_parser("validity")
    v.add_argument("--model", required=True, choices=("ease", "itemknn", "als"))
    v.add_argument("--pairs", type=int, default=150, help="retrained claims to check")
    v.add_argument("--seeds", type=int, default=1, help="refits per check (scores averaged)")
    v.add_argument("--budget-s", type=float, default=540.0, help="stop taking new pairs after this long")
    v.add_argument("--start", type=int, default=0, help="skip this many users (a second run adds new pairs)")
    v.add_argument("--kinds", default="retrained,rescored", help="searches to check (retrained only halves refits)")
    lat = sub.add_parser("latency")
    lat.add_argument("--users", type=int, default=100)
    lat.add_argument("--sizes", default=",".join(map(str, SIZES)), help="synthetic catalog sizes (items)")
    lat.add_argument("--no-ml100k", action="store_true", help="skip ml-100k")
    ker = sub.add_parser("kernel")
    ker.add_argument("--sizes", default=",".join(map(str, SIZES)))
    ker.add_argument("--history", type=int, default=50)
    ker.add_argument("--repeats", type=int, default=30)
    sub.add_parser("report")
    args = parser.parse_args()
    if args.step == "validity":
        validity(args.model, args.pairs, args.seeds, args.budget_s, args.start, tuple(args.kinds.split(",")))
    elif args.step == "latency":
        latency(args.users, tuple(int(v) for v in args.sizes.split(",") if v), not args.no_ml100k)
    elif args.step == "kernel":
        kernel(tuple(int(v) for v in args.sizes.split(",") if v), args.history, args.repeats)
    else:
        report()


if __name__ == "__main__":
    main()
