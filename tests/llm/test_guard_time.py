"""The guard is linear: 150-character titles in 600-character texts are judged in milliseconds."""

from __future__ import annotations

import time

import pandas as pd

from whyrec.data.catalog import build_catalog
from whyrec.data.idmap import IdMap
from whyrec.explain import Evidence, EvidenceKind, ExplainMethod, Explanation, Lang
from whyrec.llm import FaithfulnessGuard, RejectionKind


def long_title(seed: int) -> str:
    words = ["Legend", "of", "the", "Silver", "Harbour", "and", "Night", "Edition", "Part", "Return"]
    out: list[str] = []
    while len(" ".join(out)) < 150:
        out.append(words[(seed + 3 * len(out)) % len(words)])
    return f"{seed} {' '.join(out)}"[:150].strip().ljust(150, "x")


def test_long_titles_in_long_texts_are_judged_fast() -> None:
    titles = [long_title(i) for i in range(4)]
    assert all(len(t) == 150 for t in titles)
    ids = IdMap.from_ids(["a", "b", "c", "d"])
    catalog = build_catalog(ids, pd.DataFrame({"item_id": ["a", "b", "c", "d"], "title": titles,
                                               "category": ["Games"] * 4}), "item_id")
    e = Explanation(user_id="u", item_id="a", score=1.0, rank=1, model="ease", method=ExplainMethod.EXACT,
                    evidence=tuple(Evidence(kind=EvidenceKind.HISTORY_ITEM, ref=ref, label=titles[n + 1],
                                            weight=1.0 - n / 10, share=0.3) for n, ref in enumerate("bcd")))
    guard = FaithfulnessGuard(catalog)
    guard.warm()  # jieba's dictionary loads once per guard, before any timed check
    texts = [
        f'We recommend "{titles[0]}" because you watched "{titles[1]}", "{titles[2]}" and "{titles[3]}".',
        f"We recommend {titles[0]} because you watched {titles[1]}, {titles[2]} and {titles[3]}, and",
        f"因为你看过《{titles[1]}》、《{titles[2]}》和《{titles[3]}》，所以向你推荐《{titles[0]}》。",
        ", ".join([titles[1]] * 4) + " and",
        "\x00" * 600,
        (" " * 598) + "x.",
        "Because " + "and, " * 120,
        f'Because you added "{titles[1]}" ' + "and bought " * 40 + "to your cart.",
        "因为你把" + f"《{titles[2]}》和" * 3 + "加入过购物车" * 20 + "。",
    ]
    slowest = 0.0
    for text in texts:
        text = text[:600]
        started = time.perf_counter()
        guard.check(text, e, Lang.ZH if "因为" in text else Lang.EN, budget_ms=10_000)
        slowest = max(slowest, time.perf_counter() - started)
    assert slowest < 0.5


def test_a_check_past_its_budget_rejects_the_text() -> None:
    ids = IdMap.from_ids(["a", "b"])
    catalog = build_catalog(ids, pd.DataFrame({"item_id": ["a", "b"], "title": ["Halo - PC", "Doom - PC"]}),
                            "item_id")
    e = Explanation(user_id="u", item_id="a", score=1.0, rank=1, model="ease", method=ExplainMethod.EXACT,
                    evidence=(Evidence(kind=EvidenceKind.HISTORY_ITEM, ref="b", label="Doom - PC", weight=1.0,
                                       share=1.0),))
    guard = FaithfulnessGuard(catalog)
    text = 'We recommend "Halo" because you looked at "Doom".'
    assert guard.check(text, e, Lang.EN).accepted
    late = guard.check(text, e, Lang.EN, budget_ms=0.0)
    assert [r.kind for r in late.reasons] == [RejectionKind.GUARD_TIMEOUT]
