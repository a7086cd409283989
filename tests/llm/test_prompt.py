"""The prompt carries the evidence only, with the roles spelled out."""

from __future__ import annotations

from whyrec.data import Dataset
from whyrec.explain import Evidence, EvidenceKind, ExplainMethod, Explanation, Lang
from whyrec.llm import build_messages


def star_wars(weight_of_fargo: float = -0.2) -> Explanation:
    evidence = (Evidence(kind=EvidenceKind.HISTORY_ITEM, ref="181", label="Return of the Jedi (1983)", weight=0.8,
                         share=0.8),
                Evidence(kind=EvidenceKind.HISTORY_ITEM, ref="100", label="Fargo (1996)", weight=weight_of_fargo,
                         share=-0.2))
    return Explanation(user_id="u", item_id="50", score=1.0, rank=1, model="ease", method=ExplainMethod.EXACT,
                       evidence=evidence)


def test_english_prompt_names_roles_and_only_supporting_evidence(ml100k: Dataset) -> None:
    messages = build_messages(star_wars(), ml100k.catalog, Lang.EN, noun="movie")
    assert [m.role for m in messages] == ["system", "user", "assistant", "user"]
    facts = messages[-1].content
    assert 'RECOMMENDED ITEM: "Star Wars" (Action, Adventure, Romance, Sci-Fi, War)' in facts
    assert 'ITEMS THE USER INTERACTED WITH: "Return of the Jedi"' in facts
    assert "Fargo" not in facts  # negative evidence is no reason
    assert "Use only the facts given" in messages[0].content and "movie" in messages[0].content


def test_chinese_prompt_keeps_titles_in_brackets(ml100k: Dataset) -> None:
    messages = build_messages(star_wars(0.1), ml100k.catalog, Lang.ZH, noun="movie")
    facts = messages[-1].content
    assert "推荐的物品：《Star Wars》" in facts and "用户互动过的物品：《Return of the Jedi》、《Fargo》" in facts
    assert "电影" in messages[0].content
