"""``whyrec explain`` and ``whyrec explain-eval``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from whyrec.cli.common import JsonOpt
from whyrec.cli.output import out, print_json
from whyrec.errors import ConfigError, UnknownIdError
from whyrec.evaluate.calibration import load_calibration
from whyrec.explain.evaluation import evaluate_explainers
from whyrec.explain.explanation import Explanation, Lang
from whyrec.explain.pipeline import recommend_explained
from whyrec.explain.registry import DEFAULT_METHODS, compared_methods, explain_method, method_names
from whyrec.explain.text.card import CARD_WORDS, CardWords, attribute_name, evidence_label
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
    user: Annotated[str | None, typer.Option("--user", help="The user whose top-k is explained.")] = None,
    history: Annotated[str | None, typer.Option("--history", help="A new shopper's history instead of --user: "
                                                                  "comma-separated item ids, oldest first.")]
    = None,
    k: Annotated[int, typer.Option("--k", min=1, help="List length.")] = 10,
    method: Annotated[str | None, typer.Option("--method", help=f"One of: {', '.join(method_names())} (default: "
                                                                f"{_DEFAULT_RULE}; attribute with --group-by).")]
    = None,
    group_by: Annotated[str | None, typer.Option("--group-by", help="The catalog column attribute reasons group "
                                                                    "by (platform, brand...; default: every "
                                                                    "categorical column).")] = None,
    evidence: Annotated[int, typer.Option("--evidence", min=1, help="Evidence entries shown per item.")] = 5,
    lang: Annotated[Lang, typer.Option("--lang", help="Language of the cards: en or zh (Simplified Chinese).")]
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
    if (user is None) == (history is None):
        raise ConfigError("give either --user (a known user) or --history (item ids of a new shopper).",
                          field="user")
    run = load_run(run_dir)
    calibration = load_calibration(run_dir, run_created=run.meta.created)
    fit = run.fit_data
    if user is not None:
        if user not in fit.users:
            raise UnknownIdError("user", [user], where=f"run {run_dir}", n_known=len(fit.active_users))
        shopper = fit.history(user)
    else:
        shopper = fit.history_from_items([i.strip() for i in (history or "").split(",") if i.strip()])
    rewriter = _llm_rewriter(fit.catalog, llm_url, llm_model) if llm or llm_url is not None else None
    made = recommend_explained(run.model, shopper, dataset=fit, k=k, candidates=fit.active_items, method=method,
                               lang=lang, calibration=calibration, llm=rewriter, top_n=evidence, group_by=group_by)
    explanations = made.explanations
    if json_output:
        print_json([e.to_json_dict() for e in explanations])
        return
    words = CARD_WORDS[lang]
    shown_method = explanations[0].method if explanations else "-"
    if user is not None:
        out.print(words.header_user.format(model=f"[bold]{run.meta.model}[/bold]", n=len(explanations), user=user,
                                           events=len(shopper), method=shown_method))
    else:
        out.print(words.header_new.format(model=f"[bold]{run.meta.model}[/bold]", n=len(explanations),
                                          events=len(shopper), method=shown_method))
    if made.fallback is not None:
        out.print(f"[yellow]{escape(words.fallback.format(reason=made.fallback_reason))}[/yellow]")

    def label(item_id: str) -> str:
        return fit.catalog.label(fit.items.index_of(item_id))

    horizon = calibration.horizon if calibration else 0
    for e in explanations:
        _print_card(e, label, run_dir, horizon, lang, k)
    _print_list_trust(list_trust(made.items, fit, attribute=group_by or "category"), lang)


def _llm_rewriter(catalog: Catalog, url: str | None, model: str | None) -> GuardedRewriter:
    """The guarded rewrite by the OpenAI-compatible server at `url` (default: WHYREC_LLM_BASE_URL)."""
    from whyrec.llm import GuardedRewriter, LLMConfig, OpenAICompatibleClient

    return GuardedRewriter(catalog, OpenAICompatibleClient(LLMConfig.from_env(base_url=url, model=model)))


def _print_card(e: Explanation, label: Callable[[str], str], run_dir: Path, horizon: int, lang: Lang,
                k: int) -> None:
    words = CARD_WORDS[lang]
    out.print("\n[bold]" + escape(words.item.format(rank=e.rank, title=label(e.item_id), item_id=e.item_id,
                                                    score=e.score)) + "[/bold]")
    if e.reason is not None:
        out.print(f"  {e.reason.text}", markup=False)
        if e.reason.llm_model is not None:
            origin = (words.llm_kept.format(llm=e.reason.llm_model) if e.reason.rejected is None
                      else words.llm_rejected.format(llm=e.reason.llm_model, why=e.reason.rejected))
            out.print(f"  [dim]({escape(origin)})[/dim]")
    table = Table(show_header=False, box=None, padding=(0, 1))
    biggest = max((abs(x.weight) for x in e.evidence), default=0.0) or 1.0
    for x in e.evidence:
        length = max(1, round(_BAR * abs(x.weight) / biggest))
        if x.weight >= 0:
            table.add_row(f"  {escape(evidence_label(x, lang))}", f"[green]{'█' * length}[/green]", f"+{x.weight:.4f}",
                          f"{x.share:6.1%}")
        else:  # drawn apart: another bar, another colour, a minus, and said in words
            table.add_row(f"  {escape(evidence_label(x, lang))}{words.counts_against}", f"[red]{'░' * length}[/red]",
                          f"\N{MINUS SIGN}{abs(x.weight):.4f}", f"{x.share:6.1%}".replace("-", "\N{MINUS SIGN}"))
    out.print(table)
    cf = e.counterfactual
    if cf is not None:
        removed = words.removed_sep.join(f"{label(i)} [{i}]" for i in cf.removed)
        if cf.verified is not None:
            rank = words.cf_rank.format(rank=cf.new_rank) if cf.new_rank else words.cf_unranked
            line = (words.cf_retrained if cf.verified == "retrained" else words.cf_rescored).format(
                removed=removed, k=k, rank=rank)
            out.print(f"  [cyan]{words.cf_label}[/cyan] {escape(line)}")
        else:
            line = words.cf_unverified.format(size=len(cf.removed), removed=removed)
            out.print(f"  [yellow]{words.cf_label}[/yellow] {escape(line)}")
    if e.trust is not None:
        out.print(f"  [magenta]{words.trust_label}[/magenta] {escape(_trust_line(e, run_dir, horizon, words))}")


def _trust_line(e: Explanation, run_dir: Path, horizon: int, words: CardWords) -> str:
    trust = e.trust
    assert trust is not None
    if trust.confidence is None:
        confidence = words.uncalibrated.format(run_dir=run_dir)
    else:
        confidence = words.confidence.format(confidence=trust.confidence, horizon=horizon)
    strength = words.strength.format(strength=trust.evidence_strength)
    if trust.evidence_strength > 1:
        strength += words.strength_against
    cf = e.counterfactual
    how = ("not asked" if cf is None else "no" if cf.verified is None else cf.verified)
    return words.trust_sep.join([confidence, strength, words.verified.format(how=words.how[how])])


def _print_list_trust(trust: ListTrust, lang: Lang) -> None:
    words = CARD_WORDS[lang]
    diversity = "-" if trust.diversity is None else words.diversity_by.format(
        value=trust.diversity, attribute=attribute_name(str(trust.attribute), lang))
    line = words.list_line.format(diversity=diversity, novelty=trust.novelty, popular=trust.popular_share,
                                  share=POPULAR_SHARE, min_users=trust.popular_min_users)
    out.print("\n" + escape(line))


def explain_eval(
    run_dir: Annotated[Path, typer.Argument(help="A run directory made by `whyrec train`.")],
    users: Annotated[int, typer.Option("--users", min=1, help="Users explained (the first N by id order).")] = 200,
    k: Annotated[int, typer.Option("--k", min=1)] = 10,
    methods: Annotated[str, typer.Option(
        "--methods", help=f"Comma-separated methods, of: {', '.join(method_names())}.")] = _COMPARED,
    shared_users: Annotated[int, typer.Option("--shared-users", min=1, help="Users on which SHAP and LIME run "
                                                                            "(thousands of model calls each).")] = 20,
    stability_seed: Annotated[int | None, typer.Option("--stability-seed", help="Train a second model with this seed "
                                                                               "to measure stability.")] = None,
    out_dir: Annotated[Path, typer.Option("--out",
                                          help="Folder for explain_eval.md and .json.")] = Path("explain-eval"),
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
