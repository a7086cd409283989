"""`whyrec explain` and `whyrec explain-eval` on ml-100k; counterfactuals confirmed by `recommend --history`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from whyrec.cli import output
from whyrec.cli.main import app
from whyrec.errors import ConfigError

from tests.cli.conftest import invoke, runner


def test_explain_json_is_verified_by_the_recommend_command(runs: dict[str, Path], ml100k_split) -> None:
    explanations = json.loads(invoke("explain", str(runs["ease"]), "--user", "196", "--k", "10", "--json"))
    assert [e["rank"] for e in explanations] == list(range(1, 11))
    fit = ml100k_split.fit
    history = fit.items.ids_of(fit.history("196").items)
    checked = 0
    for e in explanations:
        assert e["method"] == "exact" and e["evidence"][0]["kind"] == "history_item"
        assert e["evidence"][0]["ref"] in history
        cf = e["counterfactual"]
        if not cf["verified"]:
            continue
        edited = [i for i in history if i not in set(cf["removed"])]
        if cf["verified"] == "retrained":  # EASE: the claim is about the refitted model, checked by a refit
            from whyrec.explain.fidelity import retrain_check
            from whyrec.runs import load_run

            run = load_run(runs["ease"])
            check = retrain_check(run.model, run.fit_data, run.fit_data.history("196"),
                                  fit.items.index_of(e["item_id"]), fit.items.indices_of(list(cf["removed"])), k=10,
                                  candidates=fit.active_items)
            assert check.held
        else:
            recs = json.loads(invoke("recommend", str(runs["ease"]), "--history", ",".join(edited), "--k", "10",
                                     "--json"))
            assert e["item_id"] not in [r["item_id"] for r in recs]
        checked += 1
    assert checked >= 9


def test_explain_prints_cards(runs: dict[str, Path]) -> None:
    text = invoke("explain", str(runs["ease"]), "--user", "196", "--k", "2")
    assert "Fargo (1996)" in text and "counterfactual:" in text
    # EASE is retrained exactly (a Woodbury update), so its counterfactuals claim what a refit shows
    assert "verified by refitting the model without those interactions" in text
    assert "If you had not " in text and "we would not show this." in text
    assert "evidence strength" in text and "counterfactual verified: by retraining" in text


def test_explain_eval_writes_tables(runs: dict[str, Path], tmp_path: Path) -> None:
    payload = json.loads(invoke("explain-eval", str(runs["ease"]), "--users", "6", "--shared-users", "2",
                                "--methods", "exact,counterfactual,shap,random,recent", "--out", str(tmp_path),
                                "--json"))
    rows = {r["method"]: r for r in payload["all_pairs"]}
    assert rows["exact"]["pairs"] == 60 and rows["shap"]["pairs"] == 20
    assert rows["exact"]["deletion_auc"] > rows["random"]["deletion_auc"]
    assert rows["counterfactual"]["cf_validity"] >= 0.9
    shared = {r["method"]: r for r in payload["shared_pairs"]}
    assert {m: shared[m]["pairs"] for m in shared} == {m: 20 for m in ("exact", "counterfactual", "shap", "random",
                                                                       "recent")}
    assert (tmp_path / "explain_eval.md").read_text().startswith("#### ease")


def test_pop_falls_back_to_counterfactual(runs: dict[str, Path]) -> None:
    explanations = json.loads(invoke("explain", str(runs["pop"]), "--user", "196", "--k", "3", "--json"))
    assert all(e["method"] == "counterfactual" and e["counterfactual"]["verified"] is None for e in explanations)


def test_terms_method_on_a_linear_model_matches_exact(runs: dict[str, Path]) -> None:
    exact = json.loads(invoke("explain", str(runs["ease"]), "--user", "196", "--k", "3", "--json"))
    terms = json.loads(invoke("explain", str(runs["ease"]), "--user", "196", "--k", "3", "--method", "terms", "--json"))
    assert [e["method"] for e in terms] == ["terms"] * 3 and all(e["baseline"] == 0.0 for e in terms)
    assert [[(v["ref"], round(v["weight"], 6)) for v in e["evidence"]] for e in terms] == \
        [[(v["ref"], round(v["weight"], 6)) for v in e["evidence"]] for e in exact]


def test_explain_a_new_shoppers_history(runs: dict[str, Path], ml100k_split) -> None:
    history = ["50", "181", "172"]
    explanations = json.loads(invoke("explain", str(runs["ease"]), "--history", ",".join(history), "--k", "3",
                                     "--json"))
    recs = json.loads(invoke("recommend", str(runs["ease"]), "--history", ",".join(history), "--k", "3", "--json"))
    assert [e["item_id"] for e in explanations] == [r["item_id"] for r in recs]
    assert all(e["user_id"] is None and {x["ref"] for x in e["evidence"]} <= set(history) for e in explanations)
    assert all(x["event"] is None for e in explanations for x in e["evidence"])  # a new shopper's events are not logged
    text = invoke("explain", str(runs["ease"]), "--history", ",".join(history), "--k", "1")
    assert "for a new shopper (3 items" in text and "Because you watched " in text


def test_explain_needs_a_user_or_a_history(runs: dict[str, Path]) -> None:
    for args in ((), ("--user", "196", "--history", "50")):
        result = runner.invoke(app, ["explain", str(runs["ease"]), *args])
        assert isinstance(result.exception, ConfigError)  # `whyrec` prints it and exits 2
        assert "--user" in str(result.exception) and "--history" in str(result.exception)


def test_group_by_picks_the_column_attribute_reasons_cite(runs: dict[str, Path], ml100k_split) -> None:
    fit = ml100k_split.fit
    explanations = json.loads(invoke("explain", str(runs["ease"]), "--user", "196", "--k", "5", "--group-by",
                                     "category", "--json"))
    genres = fit.catalog.attributes.categorical["category"]
    for e in explanations:
        assert e["method"] == "attribute" and e["evidence"]
        own = set(genres[fit.items.index_of(e["item_id"])])
        assert {x["ref"] for x in e["evidence"]} <= {f"category={g}" for g in own}
        assert e["reason"]["text"].startswith("Like this film, ")
    result = runner.invoke(app, ["explain", str(runs["ease"]), "--user", "196", "--group-by", "platform"])
    assert isinstance(result.exception, ConfigError) and "no column 'platform'" in str(result.exception)
    assert "columns: category, year" in str(result.exception)


def test_evidence_that_counts_against_is_drawn_and_worded_apart(runs: dict[str, Path],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    args = ("explain", str(runs["ease"]), "--user", "196", "--k", "1", "--evidence", "40")
    # wide enough that no row wraps; rich fixes the width when COLUMNS is set as the console is made (xdist sets it)
    monkeypatch.setattr(output.out, "_width", 200)
    (e,) = json.loads(invoke(*args, "--json"))
    against = sum(x["weight"] < 0 for x in e["evidence"])
    assert against > 0
    def card(*more: str) -> str:
        return runner.invoke(app, [*args, *more], catch_exceptions=False).stdout

    rows = [line for line in card().splitlines() if "█" in line or "░" in line]
    assert len(rows) == len(e["evidence"])
    negative = [r for r in rows if "(counts against)" in r]
    assert len(negative) == against
    assert all("░" in r and "█" not in r and "\N{MINUS SIGN}" in r and "+" not in r for r in negative)
    assert all("█" in r and "+" in r for r in rows if r not in negative)
    chinese = [line for line in card("--lang", "zh").splitlines() if "░" in line]
    assert len(chinese) == against and all("（对它不利）" in r for r in chinese)
