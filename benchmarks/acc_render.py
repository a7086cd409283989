"""docs/benchmarks/accuracy.md from docs/benchmarks/accuracy.json (written by benchmarks/accuracy.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

DOCS = Path(__file__).resolve().parent.parent / "docs" / "benchmarks"
RESULTS = DOCS / "accuracy.json"
FAMILY_NAMES = {"als": "ALS", "bpr": "BPR", "ease": "EASE", "itemknn": "ItemKNN", "multvae": "Mult-VAE",
                "sasrec": "SASRec", "gru4rec": "GRU4Rec", None: "baseline"}
BEST_TARGET, FAMILY_TARGET = 1.05, 0.97
#: Hand-written reading of each dataset's results (kept here so that a re-render keeps it).
READING: dict[str, list[str]] = {
    "ml-100k": [
        "Reading (by hand, 2026-12-03; the sequence and ALS rows ran on a quiet machine, load 0.4-3): whyrec's",
        "best model here is SASRec, 1.094x the best peer (implicit's ALS), trained in one stage under a 6-minute",
        "budget (`--max-minutes 6`: early stopping on valid, no refit; it stopped on its own after 195 s). GRU4Rec",
        "is 1.086x. With the refit of `whyrec train`'s default both reach 0.2201 (last section). No peer library",
        "ran a sequence model here (RecBole's SASRec trains at 53-96 targets a second on this machine,",
        "sequence.md, so a converged run on these files did not fit in the session), so the SASRec and GRU4Rec",
        "families have no like-for-like row. Every family run against a peer is at or above 0.97x.",
    ],
    "ml-100k-binary": [
        "Reading: the same split files with every interaction weighing 1. SASRec and GRU4Rec read only the order",
        "of the events, so their rows are the weighted dataset's (same model, same seed, same score): SASRec is",
        "1.115x the best peer (lenskit's EASE). Every family is at or above 0.97x (EASE 0.997x, ItemKNN 1.001x,",
        "BPR 1.040x, ALS 1.047x). cornac's VAECF and ItemKNN did not finish before the deadline of 2026-12-02.",
    ],
    "synthetic-beauty": [
        "Reading: at half the preset (11,000 shoppers) whyrec's ItemKNN is 1.054x the best peer that finished",
        "(implicit's ALS). whyrec's ALS is **behind** (0.87x, rerun at load 0.3 with 5 trials in its one-minute",
        "`--tune auto` budget): validation chose 128 factors (valid 0.0223 against implicit's 0.0230), and 128",
        "factors score lower on test here. It is the search, not the model: with implicit's chosen settings",
        "(64 factors, regularization 0.01, alpha 1, 15 epochs) whyrec's ALS scores 0.0240 on test (0.99x), and",
        "0.0235 with the scaled start's regularization and alpha at 64 factors (a probe over these split files",
        "on 2026-12-02, load ~1). Before this branch, the scaled start was not even tried on this data (its only",
        "start was binary, and ALS does not search `use_weights`): fixed in evaluate/scaled_defaults.py. whyrec's",
        "BPR, rerun after branch `bpr2` changed its defaults (sqrt-popularity negatives, the BPR fold-in), is",
        "0.0248 (3.6x popularity's 0.0069; implicit's BPR 0.0088 with 2 settings). SASRec ran 6 minutes in",
        "one stage at load 20-25",
        "and stayed at popularity's level (0.0066): starved of CPU. The documented run in sequence.md (full",
        "preset, load ~1, 11 minutes) reached 0.0347, 5.8x popularity, against published SASRec on Beauty's",
        "5.2x. RecBole 1.2.1 resolves in .venv-peers (pip --dry-run) but was not run: no time left. The peers",
        "here had 4 settings (implicit's ALS) or 2 (the rest), as the `trials` column shows; cornac's EASE was",
        "stopped (845 s per setting under load) and is missing, as are lenskit's ItemKNN and ALS and cornac's",
        "VAECF and ItemKNN.",
    ],
    "synthetic-longtail": [
        "Reading: whyrec is **behind** the 1.05x target here: its best (BPR, 0.1115 ± 0.0066) is 1.003x lenskit's",
        "ALS. With 500 test users one standard error is 6% of the score, so the four best systems (whyrec's BPR",
        "and EASE, lenskit's ALS and EASE) are within one standard error of each other, and a 5% lead could not",
        "be told from noise on this size (the full preset, 2,500 shoppers, would halve the error; its 20,000",
        "items were beyond the peers' EASE in the session's time). The preset has no sequential signal",
        "(choices follow brand and category preferences, not the previous item), and the sequence models are",
        "far behind (SASRec 0.0711, GRU4Rec 0.0494). The hybrid (EASE + MiniLM text of titles naming brand and",
        "category) gained 2% over EASE on an in-memory split of the same data (0.1099 against 0.1076, a probe",
        "not in the table). Every family is at or above 0.97x. whyrec's EASE chose lambda 50, the lower bound",
        "of its search space (the binary scaled start 17.5 scored lower on valid, 0.0746, and on test, 0.1069).",
        "cornac's VAECF and ItemKNN did not run.",
    ],
}

HEAD = """# Accuracy on several shapes of data, beside the peer libraries

Generated by `benchmarks/accuracy.py` (rows merged into accuracy.json per run, this page rendered from it with
`.venv/bin/python benchmarks/accuracy.py --render`). Each dataset is split once and written to files
(`runs/accbench/splits/NAME/{train,valid,test}.csv`, the `--split-dir` format); every system reads those files.
All top-10 lists, whyrec's and the peers', are scored by one evaluator (whyrec's `score_ranking`): full
ranking of the train + valid catalog, each user's train + valid items excluded, binary relevance. Rows scored
since 2026-12-03 give NDCG@10 ± one standard error of the mean over the test users: on the small datasets a
few percent between two systems is within it.

**Tuning budget (the same rule for everyone, stated honestly).** whyrec's models choose their settings as
`whyrec train` does by default (`--tune auto`): at most 8 trials on valid, data-scaled starting points and the
fixed defaults first, stopping early on a time budget (twice what the starting points took, at most one
minute); epoch-trained models (Mult-VAE, SASRec, GRU4Rec) are not searched by `auto` and keep their fixed
defaults, with early stopping on valid (SASRec and GRU4Rec under `--max-minutes`: one stage, no refit).
Each peer gets a fixed grid of at most 8 settings (its library defaults first,
then common good values), every one fitted on train and scored on valid (NDCG@10), the best refit on train +
valid, with no time limit; cornac's VAECF gets 2 (its defaults and the Mult-VAE paper's 600-200
architecture). So the peers get at least whyrec's budget. `trials` counts the settings each system fitted.
The peers' grids are in benchmarks/acc_peers.py. One seed (0) each. The machine was too loaded to run every
peer everywhere before the deadline: rows missing from a table did not run, and on synthetic-beauty the
peers got 4 or 2 settings (`--peer-trials`). Runs stopped at the deadline had their finished peers' lists
scored afterwards with `--collect` (the command shown); such rows show the load at collection time.

**Timing.** The machine has 2 cores shared with other engineers' jobs: `tune s` (the search) and `fit s` (the
final fit) are loaded wall-clock seconds, with the 1-minute load average before/after each system in the
last column. Peers run with one BLAS/OpenMP thread, as whyrec does.

The targets of issue 17: whyrec's best model >= 1.05x the best peer's NDCG@10 on each dataset, and each whyrec
family >= 0.97x the best peer of the same family.
"""


def _fmt_params(params: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in params.items())


def _ratio(a: float, b: float, target: float) -> str:
    ratio = a / b if b > 0 else float("inf")
    return f"{ratio:.3f} ({'met' if ratio >= target else '**not met**'})"


def dataset_section(name: str, data: dict[str, Any]) -> list[str]:
    """The table and target ratios of one dataset."""
    manifest = data["manifest"]
    rows = [r for r in data["rows"].values() if "failed" not in r]
    failed = [r for r in data["rows"].values() if "failed" in r]
    size = manifest.get("events")
    lines = [f"## {name}", "",
             f"Source `{manifest['source']}`" + (f" at {size:,} events" if size else "") +
             f", split `{manifest['split']}` ({manifest['protocol']}), "
             f"input {'binary' if manifest['binary'] else 'weighted'}; "
             f"pairs train / valid / test in the files: {data['sizes']['train']:,} / {data['sizes']['valid']:,} / "
             f"{data['sizes']['test']:,} (valid/test rows whose user or item train lacks are left out of the "
             f"files: {manifest['rows_left_out_unknown_to_train']['valid']:,} / "
             f"{manifest['rows_left_out_unknown_to_train']['test']:,}).", "",
             "| system | family | NDCG@10 | Recall@10 | valid NDCG@10 | trials | tune s | fit s | chosen | load |",
             "|---|---|---:|---:|---:|---:|---:|---:|---|---|"]
    for r in sorted(rows, key=lambda r: -r["ndcg@10"]):
        valid = f"{r['valid_ndcg@10']:.4f}" if r.get("valid_ndcg@10") is not None else ""
        chosen = "fixed defaults" if r["tuning"] == "fixed defaults" else _fmt_params(r["chosen"]) or "defaults kept"
        ndcg = f"{r['ndcg@10']:.4f}" + (f" ± {r['ndcg@10_se']:.4f}" if "ndcg@10_se" in r else "")
        lines.append(f"| {r['system']} | {FAMILY_NAMES[r['family']]} | {ndcg} | {r['recall@10']:.4f} | "
                     f"{valid} | {r['trials']} | {r['tune_s']:.1f} | {r['fit_s']:.1f} | {chosen} | "
                     f"{r['load'][0]}/{r['load'][1]} |")
    for r in failed:
        lines.append(f"| {r['system']} | | failed: {r['failed']} | | | | | | | |")
    ours = [r for r in rows if r["library"] == "whyrec"]
    peers = [r for r in rows if r["library"] != "whyrec" and r["family"] is not None]
    lines.append("")
    if ours and peers:
        best, best_peer = max(ours, key=lambda r: r["ndcg@10"]), max(peers, key=lambda r: r["ndcg@10"])
        lines.append(f"- Best whyrec / best peer: {best['system']} {best['ndcg@10']:.4f} / {best_peer['system']} "
                     f"{best_peer['ndcg@10']:.4f} = {_ratio(best['ndcg@10'], best_peer['ndcg@10'], BEST_TARGET)}, "
                     f"target >= {BEST_TARGET}.")
        for family in FAMILY_NAMES:
            mine = [r for r in ours if r["family"] == family and family is not None]
            theirs = [r for r in peers if r["family"] == family]
            if mine and theirs:
                a, b = mine[0], max(theirs, key=lambda r: r["ndcg@10"])
                lines.append(f"- {FAMILY_NAMES[family]}: {a['system']} {a['ndcg@10']:.4f} / {b['system']} "
                             f"{b['ndcg@10']:.4f} = {_ratio(a['ndcg@10'], b['ndcg@10'], FAMILY_TARGET)}, "
                             f"target >= {FAMILY_TARGET}.")
            elif mine:
                lines.append(f"- {FAMILY_NAMES[family]}: no peer of this family ran here.")
    lines += ["", *READING.get(name, []), "", "Commands: " + "; ".join(
        sorted({f"`{r['command']}`" for r in data["rows"].values() if "command" in r})), ""]
    return lines


def all_models_section(table: dict[str, Any]) -> list[str]:
    """The README's table: every whyrec model on ml-100k with its fixed defaults."""
    lines = [
        "## Every whyrec model on ml-100k (fixed defaults)", "",
        "Generated by `.venv/bin/python benchmarks/accuracy.py --all-models` on x86_64 with 2 CPUs (one torch "
        f"thread, OPENBLAS_NUM_THREADS=1). Protocol: {table['protocol']} (../shared/PROTOCOL.md): full ranking of the "
        "train + valid catalog, 943 test users, rating-weighted input. Every model uses its fixed defaults "
        "(`--tune off`, tuned on the ml-100k validation split, docs/concepts/tuning.md) and is fitted as `whyrec "
        "train` fits it; fit seconds include the early-stopping stage on train/valid and the refit on train + "
        "valid; recommend seconds rank the whole catalog for every test user. One run each, seed 0. The text and "
        "hybrid rows read MiniLM embeddings cached on disk by an earlier run. This table predates the split files "
        "above (it splits in memory; the same split, but test rows of items that train lacks still count).", "",
        "| model | Recall@10 | NDCG@10 | Recall@20 | NDCG@20 | coverage@10 | fit s | recommend s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in sorted(table["rows"], key=lambda r: -r["ndcg@10"]):
        lines.append(f"| {r['model']} | {r['recall@10']:.4f} | {r['ndcg@10']:.4f} | {r['recall@20']:.4f} | "
                     f"{r['ndcg@20']:.4f} | {r['coverage@10']:.4f} | {r['fit_s']:.1f} | {r['recommend_s']:.2f} |")
    return [*lines, "", "Hyperparameters of each row: accuracy.json (`all_models`).", ""]


def render(results: dict[str, Any]) -> None:
    """Write accuracy.md from `results` (the content of accuracy.json)."""
    lines = [HEAD]
    order = ["ml-100k", "ml-100k-binary", "synthetic-beauty", "synthetic-longtail"]
    datasets = results.get("datasets", {})
    for name in sorted(datasets, key=lambda n: order.index(n) if n in order else len(order)):
        lines += dataset_section(name, datasets[name])
    if "all_models" in results:
        lines += all_models_section(results["all_models"])
    DOCS.mkdir(parents=True, exist_ok=True)
    (DOCS / "accuracy.md").write_text("\n".join(lines))
