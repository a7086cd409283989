"""``explain-eval``: every method on the same (user, item) pairs, measured by re-scoring with the model."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import wilcoxon

from whyrec import progress
from whyrec.data.dataset import Dataset
from whyrec.data.history import HistoryBatch
from whyrec.explain.base import ScoredHistory
from whyrec.explain.explanation import ExplainMethod, Explanation
from whyrec.explain.fidelity import (
    FidelityResult,
    RetrainCheck,
    attribute_truthful,
    measure_fidelity,
    retrain_check,
    top3_jaccard,
)
from whyrec.explain.registry import compared_methods, create_explainer, explain_method, slow_methods
from whyrec.models.base import Recommender

__all__ = [
    "ExplainEvalReport",
    "MethodStats",
    "evaluate_explainers",
    "matches_preference",
    "planted_preferences",
]


def _mean_curve(curves: list[list[float]]) -> list[float] | None:
    """The mean of equally long per-pair curves at each step (None without pairs or when lengths differ)."""
    if not curves or len({len(c) for c in curves}) != 1 or not curves[0]:
        return None
    return [float(v) for v in np.mean(np.asarray(curves, dtype=np.float64), axis=0)]


@dataclass
class MethodStats:
    """What one method achieved on its pairs."""

    method: str
    fidelity: list[FidelityResult] = field(default_factory=list)
    elapsed_ms: list[float] = field(default_factory=list)
    counterfactual_sizes: list[int] = field(default_factory=list)
    counterfactual_total: int = 0
    stability: list[float] = field(default_factory=list)
    correct: list[bool] = field(default_factory=list)
    users: set[str] = field(default_factory=set)
    retrain: list[RetrainCheck] = field(default_factory=list)
    verified_as: set[str] = field(default_factory=set)
    truthful: list[bool] = field(default_factory=list)

    def row(self) -> dict[str, float | int | str | list[float] | None]:
        """One table row."""
        fid = self.fidelity
        row: dict[str, float | int | str | list[float] | None] = {
            "method": self.method,
            "pairs": len(fid),
            "deletion_auc": float(np.mean([f.deletion_auc for f in fid])) if fid else None,
            "deletion_rank_auc": float(np.mean([f.deletion_rank_auc for f in fid])) if fid else None,
            "insertion_auc": float(np.mean([f.insertion_auc for f in fid])) if fid else None,
            "sufficiency": float(np.mean([f.sufficient for f in fid])) if fid else None,
            "ms_median": float(np.median(self.elapsed_ms)) if self.elapsed_ms else None,
            "ms_mean": float(np.mean(self.elapsed_ms)) if self.elapsed_ms else None,
            "ms_p95": float(np.percentile(self.elapsed_ms, 95)) if self.elapsed_ms else None,
            "deletion_curve": _mean_curve([f.deletion_score_drop for f in fid]),
            "insertion_curve": _mean_curve([f.insertion_score for f in fid]),
        }
        if self.counterfactual_total:
            row["cf_validity"] = len(self.counterfactual_sizes) / self.counterfactual_total
            row["cf_median_size"] = float(np.median(self.counterfactual_sizes)) if self.counterfactual_sizes else None
            row["cf_verified_by"] = ",".join(sorted(self.verified_as)) or None
        if self.retrain:
            row["cf_retrain_checked"] = len(self.retrain)
            row["cf_retrain_validity"] = float(np.mean([c.held for c in self.retrain]))
            row["cf_rescore_validity"] = float(np.mean([c.rescore_held for c in self.retrain]))
            row["cf_refits"] = sum(c.refits for c in self.retrain)
        if self.stability:
            row["stability_top3_jaccard"] = float(np.mean(self.stability))
        if self.truthful:
            row["attribute_truthfulness"] = float(np.mean(self.truthful))
        if self.correct:
            row["correctness"] = float(np.mean(self.correct))
        return row


@dataclass
class ExplainEvalReport:
    """Results per method, on all pairs and on the pairs where the expensive methods also ran."""

    model: str
    k: int
    users: int
    all_pairs: dict[str, MethodStats]
    shared_pairs: dict[str, MethodStats]
    shared_users: int
    retrain_seeds: int = 1
    retrain_per_user: int = 0

    def paired_deletion(self, reference: str = ExplainMethod.EXACT) -> list[dict[str, float | int | str]]:
        """`reference` against every other method on the same pairs: deletion AUC difference and its Wilcoxon p.

        Uses the shared pairs when the expensive methods ran, else all pairs. Every method sees the pairs in
        the same order, so the per-pair AUCs are paired samples.
        """
        stats = self.shared_pairs or self.all_pairs
        if reference not in stats:
            return []
        base = np.array([f.deletion_auc for f in stats[reference].fidelity])
        rows: list[dict[str, float | int | str]] = []
        for method, other in stats.items():
            values = np.array([f.deletion_auc for f in other.fidelity])
            if method == reference or len(values) != len(base):
                continue
            diff = base - values
            p = float(wilcoxon(base, values).pvalue) if np.any(diff != 0) else 1.0
            rows.append({"reference": reference, "method": method, "pairs": len(base),
                         "reference_auc": float(base.mean()), "method_auc": float(values.mean()),
                         "difference": float(diff.mean()), "wins": int((diff > 0).sum()),
                         "ties": int((diff == 0).sum()),
                         "losses": int((diff < 0).sum()), "wilcoxon_p": p})
        return rows

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {"model": self.model, "k": self.k, "users": self.users, "shared_users": self.shared_users,
                "retrain_seeds": self.retrain_seeds, "retrain_per_user": self.retrain_per_user,
                "all_pairs": [s.row() for s in self.all_pairs.values()],
                "shared_pairs": [s.row() for s in self.shared_pairs.values()],
                "paired_deletion": self.paired_deletion()}

    def to_markdown(self) -> str:
        """Two tables: every method on the pairs it ran on, and all methods on the shared pairs."""
        columns = ["method", "pairs", "deletion_auc", "deletion_rank_auc", "insertion_auc", "sufficiency",
                   "cf_validity", "cf_median_size", "cf_verified_by", "cf_retrain_checked", "cf_retrain_validity",
                   "cf_rescore_validity", "cf_refits", "attribute_truthfulness", "stability_top3_jaccard",
                   "correctness", "ms_median", "ms_mean", "ms_p95"]
        lines = []
        for title, stats in ((f"all pairs ({self.users} users x top {self.k})", self.all_pairs),
                             (f"shared pairs ({self.shared_users} users x top {self.k}; every method)",
                              self.shared_pairs)):
            if not stats:
                continue
            lines += [f"#### {self.model}: {title}", "", "| " + " | ".join(columns) + " |",
                      "|" + "---|" * len(columns)]
            for s in stats.values():
                row = s.row()
                lines.append("| " + " | ".join(_fmt(row.get(c)) for c in columns) + " |")
            lines.append("")
        if any(s.retrain for s in self.all_pairs.values()):
            lines += [(f"cf_retrain_validity: the ACCENT protocol (delete the user's interactions with the "
                       f"counterfactual's items from the training data, refit from scratch, check the item leaves the "
                       f"top {self.k}) on the first {self.retrain_per_user} claims per user, {self.retrain_seeds} "
                       f"seed(s) per refit (scores averaged); cf_rescore_validity: the same claims re-scored by the "
                       f"original model."), ""]
        paired = self.paired_deletion()
        if paired:
            lines += [f"#### {self.model}: exact against each method, deletion AUC on the same pairs", "",
                      "| method | pairs | exact | method | difference | exact wins / ties / losses | Wilcoxon p |",
                      "|---|---|---|---|---|---|---|"]
            for r in paired:
                lines.append(f"| {r['method']} | {r['pairs']} | {r['reference_auc']:.4f} | {r['method_auc']:.4f} | "
                             f"{r['difference']:+.4f} | {r['wins']} / {r['ties']} / {r['losses']} | "
                             f"{r['wilcoxon_p']:.3g} |")
            lines.append("")
        return "\n".join(lines)

    def write(self, out_dir: Path) -> None:
        """Write ``explain_eval.md`` and ``explain_eval.json``."""
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "explain_eval.md").write_text(self.to_markdown())
        (out_dir / "explain_eval.json").write_text(json.dumps(self.to_dict(), indent=2))


def matches_preference(fit: Dataset, explanation: Explanation, planted: set[tuple[str, str]]) -> bool:
    """Whether the top history-item evidence carries one of the user's planted (attribute, value) pairs."""
    top = max(explanation.evidence, key=lambda e: e.weight)
    item = fit.items.index_of(top.ref)
    attributes = fit.catalog.attributes.categorical
    return any(value in attributes[name][item] for name, value in planted if name in attributes)


def planted_preferences(preferences: pd.DataFrame) -> dict[str, set[tuple[str, str]]]:
    """The synthetic generator's ``preferences`` table as user id -> {(attribute, value)}."""
    out: dict[str, set[tuple[str, str]]] = {}
    for user, attribute, value in preferences[["user_id", "attribute", "value"]].itertuples(index=False):
        out.setdefault(str(user), set()).add((str(attribute), str(value)))
    return out


def _fmt(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4f}" if abs(value) < 100 else f"{value:.1f}"
    return str(value)


def evaluate_explainers(
    model: Recommender,
    fit: Dataset,
    user_ids: Sequence[str],
    *,
    methods: Sequence[str | ExplainMethod] | None = None,
    k: int = 10,
    steps: int = 5,
    shared_users: int = 20,
    second_model: Recommender | None = None,
    preferences: Mapping[str, set[tuple[str, str]]] | None = None,
    retrain_pairs: int = 0,
    retrain_seeds: int = 1,
    retrain_per_user: int = 2,
) -> ExplainEvalReport:
    """Run every method on each user's top-k and measure it.

    Args:
        model: the fitted model.
        fit: its training data (histories, catalog).
        user_ids: the users.
        methods: method names (see ``whyrec.explain.registry``; default: its `compared_methods`); unsupported
            ones are skipped.
        k: list length.
        steps: deletion / insertion steps.
        shared_users: SHAP and LIME run only on the first `shared_users` users (they cost thousands of
            model calls per user); every method is also reported on exactly those pairs.
        second_model: the same model trained with another seed, for stability (None = not measured).
        preferences: the planted truth of a synthetic dataset, user id -> {(attribute, value)}; when given,
            ``correctness`` is the share of explanations whose top history-item evidence carries one of the
            user's planted categories or brands.
        retrain_pairs: claimed counterfactuals checked by refitting from scratch (the ACCENT protocol), per
            method (0: none); the first `retrain_per_user` claims of each user, until this many.
        retrain_seeds: refits per check (seeds 0, 1, ...; their scores averaged); 1 keeps the model's seed.
        retrain_per_user: claims checked per user.
    """
    seeds: tuple[int | None, ...] = (None,) if retrain_seeds <= 1 else tuple(range(retrain_seeds))
    candidates = fit.active_items
    chosen = [explain_method(m) for m in methods] if methods is not None else list(compared_methods())
    expensive = slow_methods()
    explainers = {m: create_explainer(m, fit, candidates=candidates, k=k) for m in chosen}
    explainers = {m: e for m, e in explainers.items() if e.supports(model)}
    all_stats = {m.value: MethodStats(m.value) for m in explainers}
    shared = {m.value: MethodStats(m.value) for m in explainers}
    with progress.task("Explaining", total=len(user_ids)) as bar:
        for position, user in enumerate(user_ids):
            history = fit.history(user)
            items = model.recommend(HistoryBatch.from_histories([history], fit.n_items), k,
                                    candidates=candidates).items[0]
            items = items[items >= 0]
            in_shared = position < shared_users
            scored = ScoredHistory(model, history, fit.n_items, candidates)
            for method, explainer in explainers.items():
                if method in expensive and not in_shared:
                    continue
                started = time.perf_counter()
                explanations: list[Explanation] = explainer.explain(model, history, items, scored)
                per_ms = (time.perf_counter() - started) * 1000 / max(1, len(items))
                targets = [all_stats[method]] + ([shared[method]] if in_shared else [])
                others = None
                if second_model is not None:
                    others = explainer.explain(second_model, history, items)
                checked_here = 0
                for row, explanation in enumerate(explanations):
                    fidelity = measure_fidelity(model, fit, history, explanation, k=k, steps=steps,
                                                candidates=candidates)
                    cf = explanation.counterfactual
                    check = None
                    if (cf is not None and cf.verified is not None and checked_here < retrain_per_user
                            and len(all_stats[method].retrain) < retrain_pairs):
                        removed = fit.items.indices_of(list(cf.removed))
                        check = retrain_check(model, fit, history, int(items[row]), removed, k=k,
                                              candidates=candidates, seeds=seeds)
                        checked_here += 1
                    truthful = attribute_truthful(fit, history, explanation)
                    for stats in targets:
                        if truthful is not None:
                            stats.truthful.append(truthful)
                        if check is not None:
                            stats.retrain.append(check)
                        stats.fidelity.append(fidelity)
                        stats.elapsed_ms.append(per_ms)
                        stats.users.add(user)
                        if explanation.counterfactual is not None:
                            stats.counterfactual_total += 1
                            if explanation.counterfactual.verified is not None:
                                stats.counterfactual_sizes.append(len(explanation.counterfactual.removed))
                                stats.verified_as.add(explanation.counterfactual.verified)
                        if others is not None:
                            stats.stability.append(top3_jaccard(explanation, others[row]))
                        if preferences is not None and explanation.evidence:
                            stats.correct.append(matches_preference(fit, explanation, preferences.get(user, set())))
            bar.advance()
    return ExplainEvalReport(model.name, k, len(user_ids), all_stats,
                             shared if any(m in expensive for m in explainers) else {},
                             min(shared_users, len(user_ids)), retrain_seeds=len(seeds),
                             retrain_per_user=retrain_per_user if retrain_pairs else 0)
