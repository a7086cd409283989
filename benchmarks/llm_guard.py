"""The faithfulness guard on a labelled set over three catalogs, and its time; optionally the bundled model.

Labelled set (no LLM): EASE (defaults) explains the top-5 lists of 8 users on each of three catalogs —
ml-100k films (train + valid of the default protocol), video games whose titles carry sequel numbers,
subtitles, editions and platforms, and a Chinese film catalog (both made from the seeded synthetic
shoppers, see ``whyrec.llm.labelled``); history items carry their event kind and rating, as
``explain_list`` gives them. Every exact explanation that names two supporting items is rewritten in English
and Chinese: faithful paraphrases (titles as people write them, counts, attributes, counterfactuals, the
right event verb) and one hallucination per category. The guard's verdicts give false accepts (hallucinations
accepted) and false rejects (faithful texts rejected) by category and language.

Time: every labelled text is checked once more, plus the same cases on the games catalog with every title
padded to 150 characters (texts cut at 600 characters); wall time and CPU time of the thread per check.

``--model`` also rewrites explanations with the bundled SmolLM2-135M (slow: minutes on one core).

Writes docs/benchmarks/llm.md and docs/benchmarks/llm.json.

Run: OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 .venv/bin/python benchmarks/llm_guard.py
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from collections import Counter, defaultdict
from pathlib import Path

from whyrec.llm import FaithfulnessGuard
from whyrec.llm.labelled import (
    CATEGORIES,
    Case,
    ExplainedCatalog,
    cases_for,
    explain_catalog,
    explained_catalogs,
    fresh_cases,
    games_dataset,
    held_out_cases,
)

OUT = Path(__file__).resolve().parents[1] / "docs" / "benchmarks"
COMMAND = "OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 .venv/bin/python benchmarks/llm_guard.py"
TARGETS = "false accepts <= 2% of in-scope hallucinations (<= 5% overall), false rejects <= 10%, per language"


def labelled(catalogs: list[ExplainedCatalog], per_catalog: int, *, held_out: bool = False,
             fresh: bool = False) -> list[Case]:
    make = fresh_cases if fresh else held_out_cases if held_out else cases_for
    out: list[Case] = []
    for c in catalogs:
        exact = [e for e in c.explanations if e.method.value == "exact"]
        out += [k for e in exact[:per_catalog] for k in make(e, c.dataset, c.name)]
    return out


def judge(cases: list[Case], guards: dict[str, FaithfulnessGuard]) -> list[dict[str, object]]:
    rows = []
    for case in cases:
        verdict = guards[case.catalog].check(case.text, case.explanation, case.lang)
        rows.append({"catalog": case.catalog, "category": case.category, "lang": case.lang.value,
                     "faithful": case.faithful, "accepted": verdict.accepted, "text": case.text,
                     "reasons": [str(r) for r in verdict.reasons]})
    return rows


def timings(cases: list[Case], guards: dict[str, FaithfulnessGuard]) -> dict[str, float]:
    wall, cpu, lengths = [], [], []
    for case in cases:
        text = case.text[:600]
        guard = guards[case.catalog]
        started, started_cpu = time.perf_counter(), time.thread_time()
        guard.check(text, case.explanation, case.lang, budget_ms=10_000)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.thread_time() - started_cpu) * 1000)
        lengths.append(len(text))
    wall.sort()
    cpu.sort()
    n = len(wall)
    return {"n": n, "max_chars": max(lengths), "wall_p50_ms": statistics.median(wall),
            "wall_p99_ms": wall[min(n - 1, int(0.99 * n))], "wall_max_ms": wall[-1],
            "cpu_p50_ms": statistics.median(cpu), "cpu_p99_ms": cpu[min(n - 1, int(0.99 * n))], "cpu_max_ms": cpu[-1]}


def rates(rows: list[dict[str, object]]) -> dict[str, dict[str, object]]:
    """False accepts and false rejects by language, overall and by category."""
    out: dict[str, dict[str, object]] = {}
    for lang in ("en", "zh"):
        mine = [r for r in rows if r["lang"] == lang]
        bad = [r for r in mine if not r["faithful"]]
        good = [r for r in mine if r["faithful"]]
        by_category: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for r in mine:
            wrong = r["accepted"] != r["faithful"]
            by_category[str(r["category"])][0] += wrong
            by_category[str(r["category"])][1] += 1
        out[lang] = {"hallucinations": len(bad), "faithful": len(good),
                     "false_accepts": sum(bool(r["accepted"]) for r in bad) / max(1, len(bad)),
                     "false_rejects": sum(not r["accepted"] for r in good) / max(1, len(good)),
                     "by_category": {k: {"wrong": v[0], "n": v[1]} for k, v in sorted(by_category.items())}}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-catalog", type=int, default=12, help="exact explanations rewritten per catalog")
    parser.add_argument("--model", action="store_true", help="also rewrite with the bundled model (slow)")
    parser.add_argument("--model-n", type=int, default=30, help="explanations per catalog and language for --model")
    args = parser.parse_args()
    started = time.perf_counter()
    catalogs = explained_catalogs(n_users=8, k=5)
    long = explain_catalog("games-150", games_dataset(title_chars=150), 8, 5)
    guards = {c.name: FaithfulnessGuard(c.dataset.catalog) for c in [*catalogs, long]}
    for guard in guards.values():
        guard.warm()
    cases = labelled(catalogs, args.per_catalog)
    held = labelled(catalogs, args.per_catalog, held_out=True)
    fresh = labelled(catalogs, args.per_catalog, fresh=True)
    rows, held_rows, fresh_rows = judge(cases, guards), judge(held, guards), judge(fresh, guards)
    timed = timings(cases + held + labelled([long], args.per_catalog), guards)
    result = {"rates": rates(rows), "held_out_rates": rates(held_rows), "time": timed, "cases": len(cases),
              "held_out_cases": len(held), "catalogs": sorted({c.catalog for c in cases}), "rows": rows,
              "held_out_rows": held_rows, "fresh_rates": rates(fresh_rows), "fresh_cases": len(fresh),
              "fresh_rows": fresh_rows}
    previous = json.loads((OUT / "llm.json").read_text(encoding="utf-8")) if (OUT / "llm.json").exists() else {}
    if args.model:
        result["bundled_model"] = rewrite_with_bundled_model(catalogs, guards, args.model_n)
    elif "bundled_model" in previous:
        result["bundled_model"] = previous["bundled_model"]
    elif "en" in previous:  # the run before grounded generation and this guard
        result["bundled_model"] = {
            "note": "Not rerun here (slow). Measured before grounded generation, with the free-text prompt and the "
                    "previous guard: 100 English and 20 Chinese rewrites of ml-100k explanations.",
            "results": {lang: {"n": x["n"], "accepted": x["accepted"]} for lang, x in previous.items()
                        if lang in ("en", "zh")}}
    write(result, time.perf_counter() - started)


def rewrite_with_bundled_model(catalogs: list[ExplainedCatalog], guards: dict[str, FaithfulnessGuard],
                               n: int) -> dict[str, object]:
    """Grounded rewrites by SmolLM2-135M behind the ``whyrec llm serve`` app; every accepted text is checked
    against its slots (each title whole, none twice)."""
    import socket
    import threading

    import torch
    import uvicorn

    from whyrec.explain import Lang
    from whyrec.llm import LLMConfig, OpenAICompatibleClient, llm_reason
    from whyrec.llm.local import LOCAL_MODEL_NAME, LocalChatModel
    from whyrec.llm.server import create_app
    from whyrec.llm.slots import evidence_slots

    torch.set_num_threads(1)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(create_app(LocalChatModel.load(threads=1)), host="127.0.0.1", port=port,
                                           log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    client = OpenAICompatibleClient(LLMConfig(base_url=f"http://127.0.0.1:{port}/v1", model=LOCAL_MODEL_NAME,
                                              timeout_s=120, cache=False))
    results: dict[str, dict[str, object]] = {}
    for lang in (Lang.EN, Lang.ZH):
        rows = []
        for c in catalogs:
            for e in [x for x in c.explanations if x.method.value == "exact"][:n]:
                r = llm_reason(e, c.dataset.catalog, client, lang, guard=guards[c.name])
                titles = [sl.value for sl in evidence_slots(e, c.dataset.catalog, lang) if "." not in sl.marker]
                text = r.reason.text
                garbled = r.reason.source.value == "llm" and any(text.count(t) > 1 for t in titles)
                rows.append({"catalog": c.name, "accepted": r.reason.source.value == "llm", "garbled": garbled,
                             "llm_text": r.llm_text, "shown": text, "rejected": r.reason.rejected})
        results[lang.value] = {"n": len(rows), "accepted": sum(x["accepted"] for x in rows) / max(1, len(rows)),
                               "garbled_accepted": sum(x["garbled"] for x in rows), "rows": rows}
    server.should_exit = True
    return {"note": f"Grounded rewrites by {LOCAL_MODEL_NAME} (CPU, one thread, greedy); accepted texts checked "
                    "against their slots.", "results": results}


def write(result: dict[str, object], elapsed_s: float) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    kept = dict(result)
    for key in ("rows", "held_out_rows", "fresh_rows"):  # every mistake, and the first 40 verdicts of each set
        rows_of = result[key]
        kept[key] = [x for x in rows_of if x["accepted"] != x["faithful"]] + rows_of[:40]
    (OUT / "llm.json").write_text(json.dumps(kept, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    r, t, h = result["rates"], result["time"], result["held_out_rates"]
    rows = result["rows"]
    lines = ["# The faithfulness guard on a labelled set (three catalogs, en and zh)", "",
             f"Command: `{COMMAND}` ({elapsed_s:.0f} s on {platform.machine()}, a shared 2-core machine).", "",
             f"{result['cases']} labelled texts over the catalogs {', '.join(result['catalogs'])}; each rewrites a "
             "real exact explanation (EASE) and is labelled by construction (`whyrec.llm.labelled.cases`). Targets: "
             f"{TARGETS}.", "",
             "| language | hallucinations | false accepts | faithful | false rejects |", "|---|---:|---:|---:|---:|"]
    for lang, x in r.items():
        lines.append(f"| {lang} | {x['hallucinations']} | {x['false_accepts']:.1%} | {x['faithful']} | "
                     f"{x['false_rejects']:.1%} |")
    lines += ["", f"Held out: {result['held_out_cases']} texts in a second phrasing of every category, written after "
              "the guard was tuned on the first (`whyrec.llm.labelled.held_out`). Its first run, before the fixes it "
              "prompted, is recorded in docs/concepts/llm.md; since then it is no longer held out:", "",
              "| language | hallucinations | false accepts | faithful | false rejects |", "|---|---:|---:|---:|---:|"]
    for lang, x in h.items():
        lines.append(f"| {lang} | {x['hallucinations']} | {x['false_accepts']:.1%} | {x['faithful']} | "
                     f"{x['false_rejects']:.1%} |")
    lines += ["", f"Fresh: {result['fresh_cases']} texts in a third phrasing of 14 categories, written after the "
              "held-out fixes and never tuned on (`held_out.fresh_cases`; one fix since its first run, a finished "
              "\"..., which you watched.\" read as unfinished). "
              "Its 9.1% (en) and 36.4% (zh) false accepts led to the closed vocabulary "
              "(`whyrec.llm.vocabulary`, 2026-12-02); three connecting words its faithful texts use (thanks, "
              "including, 合) were added to that vocabulary after seeing it, so it is no longer a clean estimate for "
              "wording nobody has tried.", "",
              "| language | hallucinations | false accepts | faithful | false rejects |", "|---|---:|---:|---:|---:|"]
    for lang, x in result["fresh_rates"].items():
        lines.append(f"| {lang} | {x['hallucinations']} | {x['false_accepts']:.1%} | {x['faithful']} | "
                     f"{x['false_rejects']:.1%} |")
    lines += ["", "The action categories (`faithful_action`, `wrong_action`: a recorded item given another event's "
              "verb, `unrecorded_action`: an action no event records; `whyrec.llm.labelled.actions`, 2026-12-02) were "
              "written before the guard's action check was run on them, in both phrasings; their first run gave 0 "
              "false accepts and 0 false rejects in each language (35 cases per category, language and phrasing).",
              "", "Errors by category (wrong / n; faithful categories count false rejects, the others false accepts):",
              "", "| category | faithful | en | zh | en, held out | zh, held out |", "|---|---|---:|---:|---:|---:|"]
    for category, faithful in CATEGORIES.items():
        cells = [f"{x[lang]['by_category'].get(category, {'wrong': 0, 'n': 0})['wrong']} / "
                 f"{x[lang]['by_category'].get(category, {'wrong': 0, 'n': 0})['n']}"
                 for x in (r, h) for lang in ("en", "zh")]
        lines.append(f"| {category} | {'yes' if faithful else 'no'} | " + " | ".join(cells) + " |")
    lines += ["", f"Guard time per check over {t['n']} texts (up to {t['max_chars']} characters; the games cases also "
              "with 150-character titles). Target: p99 under 5 ms, max under 50 ms.", "",
              "| clock | p50 | p99 | max |", "|---|---:|---:|---:|",
              f"| wall | {t['wall_p50_ms']:.2f} ms | {t['wall_p99_ms']:.2f} ms | {t['wall_max_ms']:.1f} ms |",
              f"| thread CPU | {t['cpu_p50_ms']:.2f} ms | {t['cpu_p99_ms']:.2f} ms | {t['cpu_max_ms']:.1f} ms |", "",
              "Wall time includes waiting for a core on the shared machine; thread CPU time does not."]
    wrong = [x for x in [*rows, *result["held_out_rows"], *result["fresh_rows"]] if x["accepted"] != x["faithful"]]
    by = Counter((x["lang"], x["category"]) for x in wrong)
    first = {}
    for x in wrong:
        first.setdefault((x["lang"], x["category"]), x)
    wrong = list(first.values())
    lines += ["", f"Mistakes: {sum(by.values())}; one example per language and category "
              f"({', '.join(f'{lang}/{c}: {n}' for (lang, c), n in sorted(by.items()))}):", ""] + [
        f"- {x['catalog']}/{x['lang']}/{x['category']}: {x['text']!r} -> "
        f"{'accepted' if x['accepted'] else x['reasons']}" for x in wrong] + (["- (none)"] if not wrong else [])
    model = result.get("bundled_model")
    if model:
        lines += ["", "## The bundled model", "", str(model.get("note", "")), "",
                  "| language | n | accepted | garbled or repeated accepted |", "|---|---:|---:|---:|"]
        for lang, x in model.get("results", {}).items():
            lines.append(f"| {lang} | {x['n']} | {x['accepted']:.0%} | {x.get('garbled_accepted', 'not checked')} |")
    lines += ["", "Every mistake and a sample of verdicts, with texts and reasons: `docs/benchmarks/llm.json`.", ""]
    (OUT / "llm.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines[:60]))


if __name__ == "__main__":
    main()
