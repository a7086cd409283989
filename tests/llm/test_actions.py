"""Actions the evidence does not record: an event verb is kept only for an item whose event it names."""

from __future__ import annotations

import pandas as pd
import pytest

from whyrec.data.catalog import Catalog, build_catalog
from whyrec.data.idmap import IdMap
from whyrec.explain import Evidence, EvidenceKind, ExplainMethod, Explanation, Lang, TextSource
from whyrec.explain.text import realize
from whyrec.explain.text.verbs import ACTIONS, action_of_event
from whyrec.llm import FaithfulnessGuard, llm_reason
from whyrec.llm.slots import evidence_slots

from tests.llm.conftest import Reply, ScriptedServer, completion_body
from tests.llm.test_rewrite import client_for

TITLES = {"r": "Rogue Orbit: Night Harbour - Xbox Series X", "a": "Iron Harbor 2 - PS5", "b": "Ember Saga - PC"}


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    ids = IdMap.from_ids(list(TITLES))
    table = pd.DataFrame({"item_id": list(TITLES), "title": list(TITLES.values()), "category": ["RPG"] * 3,
                          "brand": ["Bluefin Studios", "Stonegate", "Stonegate"]})
    return build_catalog(ids, table, "item_id")


@pytest.fixture(scope="module")
def guard(catalog: Catalog) -> FaithfulnessGuard:
    return FaithfulnessGuard(catalog)


def explained(a: str | None, b: str | None = "view", *, rating: float | None = None,
              removed: tuple[str, ...] = ()) -> Explanation:
    """"r" recommended because of "a" (event `a`) and "b" (event `b`); a retrained counterfactual when `removed`."""
    evidence = tuple(Evidence(kind=EvidenceKind.HISTORY_ITEM, ref=ref, label=TITLES[ref], weight=w, share=w,
                              event=event, rating=rating if event == "rating" else None)
                     for ref, w, event in (("a", 0.6, a), ("b", 0.3, b)))
    cf = {"removed": removed, "new_rank": 20, "new_score": 0.1, "verified": "retrained"} if removed else None
    return Explanation.model_validate({"user_id": "u", "item_id": "r", "score": 1.0, "rank": 1, "model": "ease",
                                       "method": ExplainMethod.EXACT, "evidence": evidence, "counterfactual": cf})


def kinds(guard: FaithfulnessGuard, text: str, e: Explanation, lang: Lang = Lang.EN) -> list[str]:
    return [r.kind.value for r in guard.check(text, e, lang).reasons]


@pytest.mark.parametrize("lang", list(Lang))
@pytest.mark.parametrize("event", ["purchase", "cart", "rating", "click", "view"])
def test_each_template_event_verb_passes_for_its_event_and_fails_for_another(
        guard: FaithfulnessGuard, catalog: Catalog, lang: Lang, event: str) -> None:
    e = explained(event, "view", rating=4.0, removed=("a",))
    text = realize(e, catalog, lang).text
    assert guard.check(text, e, lang).accepted, (text, guard.check(text, e, lang).reasons)
    if event != "view":  # a view is the generic verb: true of every interaction
        other = "purchase" if event != "purchase" else "click"
        assert "wrong_action" in kinds(guard, text, explained(other, "view", removed=("a",)), lang), text
        assert "unrecorded_action" in kinds(guard, text, explained(None, None, removed=("a",)), lang), text


def test_the_bundled_models_added_to_the_list_is_rejected(guard: FaithfulnessGuard) -> None:
    text = f'You\'ve found "{TITLES["r"]}", a RPG pick, and you\'ve added Bluefin Studios to the list'
    assert "unrecorded_action" in kinds(guard, text, explained(None, None))
    assert "unrecorded_action" in kinds(guard, text, explained("purchase", "view"))


def test_an_action_said_of_an_attribute_value_is_never_recorded(guard: FaithfulnessGuard) -> None:
    # the bundled model's "you rated [H2.category] Comedy", filled: events are recorded on items, not on values
    e = explained("rating", "rating", rating=5.0)
    assert kinds(guard, f'You watched "{TITLES["a"]}", and you rated RPG games.', e) == ["unrecorded_action"]
    assert kinds(guard, f'You rated "{TITLES["a"]}", a RPG game.', e) == []


def test_each_title_is_checked_against_its_own_event(guard: FaithfulnessGuard) -> None:
    e = explained("purchase", "view")
    a, b, r = (f'"{TITLES[k]}"' for k in "abr")
    assert kinds(guard, f"Because you bought {a} and viewed {b}, we recommend {r}.", e) == []
    assert kinds(guard, f"Because you bought {a} and {b}, we recommend {r}.", e) == ["wrong_action"]
    assert kinds(guard, f"Because you added {a} to your cart, we recommend {r}.", e) == ["wrong_action"]
    assert kinds(guard, f"{a} is in your cart, so we recommend {r}.", explained("cart")) == []
    zh_a, zh_b = f"《{TITLES['a']}》", f"《{TITLES['b']}》"
    assert kinds(guard, f"因为你浏览过{zh_b}，把{zh_a}加入过购物车。", explained("cart"), Lang.ZH) == []
    assert kinds(guard, f"因为你浏览过{zh_b}，把{zh_a}加入过购物车。", explained("purchase"), Lang.ZH) == [
        "wrong_action"]
    assert kinds(guard, f"因为你收藏了{zh_a}，所以推荐《{TITLES['r']}》。", explained("purchase"), Lang.ZH) == [
        "wrong_action"]


def test_liked_is_taste_and_a_like_is_an_action(guard: FaithfulnessGuard) -> None:
    a, r = f'"{TITLES["a"]}"', f'"{TITLES["r"]}"'
    for taste in ("liked", "enjoyed"):
        assert kinds(guard, f"Since you {taste} {a}, we recommend {r}.", explained(None)) == []
    assert kinds(guard, f"Since you gave {a} a like, we recommend {r}.", explained("like")) == []
    assert kinds(guard, f"Since you gave {a} a like, we recommend {r}.", explained("view")) == ["wrong_action"]
    liked_zh = f"因为你给《{TITLES['a']}》点过赞，所以推荐《{TITLES['r']}》。"
    assert kinds(guard, liked_zh, explained(None), Lang.ZH) == ["unrecorded_action"]
    assert kinds(guard, liked_zh, explained("click"), Lang.ZH) == ["wrong_action"]  # 点过赞 is no click


def test_the_table_reads_every_event_kind_the_data_uses() -> None:
    assert {a.name for a in ACTIONS} >= {"purchase", "cart", "rating", "click", "wishlist", "share", "search"}
    assert action_of_event("addtocart").name == "cart" and action_of_event("Purchase").name == "purchase"
    assert action_of_event("view") is None and action_of_event(None) is None


def test_history_slots_name_their_events_verb(catalog: Catalog) -> None:
    slots = {s.marker: s.described for s in evidence_slots(explained("purchase", "cart"), catalog, Lang.EN)}
    assert slots["H1"] == "an item the user bought (the strongest reason)"
    assert slots["H2"] == "an item the user added to the cart"
    zh = {s.marker: s.described for s in evidence_slots(explained("view"), catalog, Lang.ZH)}
    assert zh["H1"] == "用户互动过的物品（最主要的原因）"


def test_a_grounded_fill_meets_the_same_rule(scripted: ScriptedServer, catalog: Catalog) -> None:
    answer = "Because you added [H1] to your cart, we recommend [REC]."
    scripted.push(Reply(body=completion_body(answer)))
    result = llm_reason(explained("view"), catalog, client_for(scripted.base_url), Lang.EN)
    assert result.reason.source is TextSource.TEMPLATE and result.reason.rejected.startswith("wrong_action")
    scripted.push(Reply(body=completion_body(answer)))
    result = llm_reason(explained("cart"), catalog, client_for(scripted.base_url), Lang.EN)
    assert result.reason.source is TextSource.LLM, result.reason.rejected
