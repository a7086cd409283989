"""``whyrec explain`` and ``whyrec explain-eval``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from whyrec.cli.common import JsonOpt
from whyrec.cli.output import out, print_json
from whyrec.data.history import HistoryBatch
from whyrec.errors import UnknownIdError
from whyrec.evaluate.calibration import load_calibration
from whyrec.explain.evaluation import evaluate_explainers
from whyrec.explain.explanation import Explanation, Lang, Trust
from whyrec.explain.pipeline import explain_list
from whyrec.explain.registry import DEFAULT_METHODS, compared_methods, explain_method, method_names
from whyrec.explain.trust import POPULAR_SHARE, ListTrust, list_trust
from whyrec.runs import load_run

if TYPE_CHECKING:
    from whyrec.data.catalog import Catalog
    from whyrec.llm import GuardedRewriter

_BAR = 24
_DEFAULT_RULE = ", else ".join(f"{cls.method.value} when the model supports it" if cls.needs else cls.method.value
                               for cls in DEFAULT_METHODS)
_COMPARED = ",".join(m.value for m in compared_methods())


def explain(
    run_dir: Annotated[Path, typer.Argument(help="A run directory made by `whyrec train`.")],
    user: Annotated[str, typer.Option("--user", help="The user whose top-k is explained.")],
    k: Annotated[int, typer.Option("--k", min=1, help="List length.")] = 10,
    method: Annotated[str | None, typer.Option("--method", help=f"One of: {', '.join(method_names())} (default: "
                                                                f"{_DEFAULT_RULE}).")]
    = None,
    evidence: Annotated[int, typer.Option("--evidence", min=1, help="Evidence entries shown per item.")] = 5,
    lang: Annotated[Lang, typer.Option("--lang", help="Language of the reasons: en or zh (Simplified Chinese).")]
    = Lang.EN,
    llm: Annotated[bool, typer.Option("--llm", help="Rewrite each reason with the LLM at WHYREC_LLM_BASE_URL "
                                                    "(or --llm-url); the faithfulness guard keeps the template "
                                                    "sentence when the LLM's text fails it.")] = False,
    llm_url: Annotated[str | None, typer.Option("--llm-url", help="OpenAI-compatible API root, e.g. "
                                                                  "http://127.0.0.1:8765/v1 (`whyrec llm serve`).")]
    = None,
    llm_model: Annotated[str | None, typer.Option("--llm-model", help="Model name on that server.")] = None,
    json_output: JsonOpt = False,
) -> None:
    """Explain each recommended item: a reason, evidence with weights, a verified counterfactual and trust."""
    run = load_run(run_dir)
    calibration = load_calibration(run_dir, run_created=run.meta.created)
    fit = run.fit_data
    if user not in fit.users:
        raise UnknownIdError("user", [user], where=f"run {run_dir}", n_known=len(fit.active_users))
    history = fit.history(user)
    candidates = fit.active_items
    items = run.model.recommend(HistoryBatch.from_histories([history], fit.n_items), k, candidates=candidates).items[0]
    items = items[items >= 0]
    rewriter = _llm_rewriter(fit.catalog, llm_url, llm_model) if llm or llm_url is not None else None
    explanations = explain_list(run.model, history, items, dataset=fit, method=method, lang=lang,
                                calibration=calibration, llm=rewriter, candidates=candidates, k=k, top_n=evidence)
    horizon = calibration.horizon if calibration else 0
    if json_output:
        print_json([e.to_json_dict() for e in explanations])
        return
    out.print(f"[bold]{run.meta.model}[/bold]: why these {len(explanations)} items for user {user} "
              f"({len(history)} events; method: {explanations[0].method if explanations else '-'})")
    def label(item_id: str) -> str:
        return fit.catalog.label(fit.items.index_of(item_id))

    for e in explanations:
        _print_card(e, label, run_dir, horizon)
    _print_list_trust(list_trust(items, fit))


def _llm_rewriter(catalog: Catalog, url: str | None, model: str | None) -> GuardedRewriter:
    """The guarded rewrite by the OpenAI-compatible server at `url` (default: WHYREC_LLM_BASE_URL)."""
    from whyrec.llm import GuardedRewriter, LLMConfig, OpenAICompatibleClient

    return GuardedRewriter(catalog, OpenAICompatibleClient(LLMConfig.from_env(base_url=url, model=model)))


def _print_card(e: Explanation, label: Callable[[str], str], run_dir: Path, horizon: int) -> None:
    title = label(e.item_id)
    out.print(f"\n[bold]{e.rank:>2}. {title}[/bold] (item {e.item_id}, score {e.score:.4f})")
    if e.reason is not None:
        out.print(f"  {e.reason.text}", markup=False)
        if e.reason.llm_model is not None:
            origin = (f"written by {e.reason.llm_model}, checked by the guard" if e.reason.rejected is None
                      else f"template: {e.reason.llm_model}'s text was rejected ({e.reason.rejected})")
            out.print(f"  [dim]({origin})[/dim]")
    table = Table(show_header=False, box=None, padding=(0, 1))
    biggest = max((abs(x.weight) for x in e.evidence), default=0.0) or 1.0
    for x in e.evidence:
        bar = "█" * max(1, round(_BAR * abs(x.weight) / biggest))
        colour = "green" if x.weight >= 0 else "red"
        table.add_row(f"  {x.label}", f"[{colour}]{bar}[/{colour}]", f"{x.weight:+.4f}", f"{x.share:6.1%}")
    out.print(table)
    cf = e.counterfactual
    if cf is not None:
        removed = ", ".join(f"{label(i)} [{i}]" for i in cf.removed)
        if cf.verified:
            rank = f"rank {cf.new_rank}" if cf.new_rank else "no longer ranked"
            out.print(f"  [cyan]counterfactual:[/cyan] without {removed} it falls to {rank} "
                      f"(verified by {'retraining' if cf.verified == 'retrained' else 're-scoring'})")
        else:
            out.print(f"  [yellow]counterfactual:[/yellow] no set of up to {len(cf.removed)} history items takes it "
                      f"out of the list (tried {removed}); not claimed")
    if e.trust is not None:
        out.print(f"  [magenta]trust:[/magenta] {_trust_line(e.trust, run_dir, horizon)}")


def _trust_line(trust: Trust, run_dir: Path, horizon: int) -> str:
    if trust.confidence is None:
        confidence = f"confidence not calibrated (run `whyrec calibrate {run_dir}`)"
    else:
        confidence = f"confidence {trust.confidence:.0%} (relevant within the next {horizon} picks)"
    verified = {"retrained": "yes, by retraining", "rescored": "yes, by re-scoring", None: "no"}[
        trust.counterfactual_verified]
    return (f"{confidence}; evidence strength {trust.evidence_strength:.0%} (top 3 of the score); "
            f"counterfactual verified: {verified}")


def _print_list_trust(trust: ListTrust) -> None:
    diversity = "-" if trust.diversity is None else f"{trust.diversity:.2f} (by {trust.attribute})"
    out.print(f"\n[bold]list:[/bold] diversity {diversity}; novelty {trust.novelty:.2f} bits; "
              f"popular items {trust.popular_share:.0%} (popular = top {POPULAR_SHARE:.0%} of items, at least "
              f"{trust.popular_min_users} users)")


def explain_eval(
    run_dir: Annotated[Path, typer.Argument(help="A run directory made by `whyrec train`.")],
    users: Annotated[int, typer.Option("--users", min=1, help="Users explained (the first N by id order).")] = 200,
    k: Annotated[int, typer.Option("--k", min=1)] = 10,
    methods: Annotated[str, typer.Option("--methods", help=f"Comma-separated methods, of: {', '.join(method_names())}.")]
    = _COMPARED,
    shared_users: Annotated[int, typer.Option("--shared-users", min=1, help="Users on which SHAP and LIME run "
                                                                            "(thousands of model calls each).")] = 20,
    stability_seed: Annotated[int | None, typer.Option("--stability-seed", help="Train a second model with this seed "
                                                                               "to measure stability.")] = None,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for explain_eval.md and .json.")] = Path("explain-eval"),
    retrain_pairs: Annotated[int, typer.Option("--retrain-pairs", min=0, help="Claimed counterfactuals checked by "
                                                                              "refitting the model from scratch "
                                                                              "without them (ACCENT protocol; one "
                                                                              "refit per pair and seed).")] = 0,
    retrain_seeds: Annotated[int, typer.Option("--retrain-seeds", min=1, help="Refits per checked pair, scores "
                                                                              "averaged (3 for ALS).")] = 1,
    json_output: JsonOpt = False,
) -> None:
    """Measure every explanation method on the same pairs: deletion, insertion, sufficiency, validity, speed.

    With --retrain-pairs, also retrain validity: the share of counterfactuals whose item leaves the top k once
    the model is refitted without the user's interactions with the counterfactual's items, next to the share
    that holds by re-scoring with the original model.
    """
    names = [explain_method(m.strip(), field="methods") for m in methods.split(",") if m.strip()]
    run = load_run(run_dir)
    fit = run.fit_data
    second = None
    if stability_seed is not None:
        second = type(run.model)(run.model.config.model_copy(update={"seed": stability_seed})).fit(fit)
    user_ids = fit.users.ids_of(fit.active_users[:users])
    report = evaluate_explainers(run.model, fit, user_ids, methods=names, k=k, shared_users=shared_users,
                                 second_model=second, retrain_pairs=retrain_pairs, retrain_seeds=retrain_seeds)
    report.write(out_dir)
    if json_output:
        print_json(report.to_dict())
        return
    out.print(report.to_markdown())
    out.print(f"wrote {out_dir / 'explain_eval.md'} and {out_dir / 'explain_eval.json'}")
