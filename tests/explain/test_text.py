"""Readable reasons: templates filled only with evidence, in English and Simplified Chinese, on real ml-100k."""

from __future__ import annotations

import re

import numpy as np
import pytest

from whyrec.data.dataset import Dataset
from whyrec.data.history import HistoryBatch
from whyrec.data.loading import DataSource
from whyrec.errors import ConfigError
from whyrec.explain.attributes import AttributeExplainer
from whyrec.explain.base import ScoredHistory
from whyrec.explain.counterfactual import CounterfactualExplainer
from whyrec.explain.exact import ExactExplainer
from whyrec.explain.explanation import (
    Evidence,
    EvidenceKind,
    ExplainMethod,
    Explanation,
    Lang,
    TextSource,
)
from whyrec.explain.kg import KGExplainer, load_ml100k_kg
from whyrec.explain.text import find_mentions, realize, unsupported_mentions
from whyrec.models import EASE
from whyrec.models.popular import MostPopular

N_USERS = 36
K = 10


@pytest.fixture(scope="module")
def synthetic_small() -> Dataset:
    dataset, _ = DataSource(source="synthetic", synthetic_events=5_000, seed=1).load()
    return dataset


@pytest.fixture(scope="module")
def explanations(fit: Dataset, ease: EASE) -> list[Explanation]:
    """Exact (with counterfactuals, as `whyrec explain` makes them), attribute and KG explanations of top-10s."""
    candidates = fit.active_items
    exact = ExactExplainer(fit, candidates=candidates)
    counterfactual = CounterfactualExplainer(fit, k=K, candidates=candidates)
    attribute = AttributeExplainer(fit, candidates=candidates)
    kg = KGExplainer(fit, load_ml100k_kg(), candidates=candidates)
    out: list[Explanation] = []
    for user in fit.users.ids_of(fit.active_users[::26][:N_USERS]):
        history = fit.history(user)
        items = ease.recommend(HistoryBatch.from_histories([history], fit.n_items), K, candidates=candidates).items[0]
        scored = ScoredHistory(ease, history, fit.n_items, candidates)
        cfs = counterfactual.explain(ease, history, items, scored)
        out += [e.model_copy(update={"counterfactual": c.counterfactual})
                for e, c in zip(exact.explain(ease, history, items, scored), cfs, strict=True)]
        out += attribute.explain(ease, history, items, scored) + kg.explain(ease, history, items, scored)
    return out


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_entity_in_1000_reasons_is_in_the_evidence(explanations: list[Explanation], fit: Dataset,
                                                         lang: str) -> None:
    assert len(explanations) >= 1000
    unfaithful, with_entities = [], 0
    for e in explanations:
        reason = realize(e, fit.catalog, lang)
        assert reason.lang == Lang(lang) and reason.source == TextSource.TEMPLATE
        said = find_mentions(reason.text, fit.catalog)
        with_entities += bool(said.titles or said.values)
        if problems := unsupported_mentions(reason.text, e, fit.catalog):
            unfaithful.append((reason.text, problems))
    assert unfaithful == []
    assert with_entities >= 0.9 * len(explanations)  # the check scanned real mentions, not empty sentences


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_foreign_title_value_or_number_is_caught(explanations: list[Explanation], fit: Dataset, lang: str) -> None:
    e = next(x for x in explanations if x.method == ExplainMethod.EXACT)
    text = realize(e, fit.catalog, lang).text
    mentioned = find_mentions(text, fit.catalog).titles
    foreign = next(t for t in fit.catalog.titles if t not in mentioned and t != fit.catalog.label(
        fit.items.index_of(e.item_id)) and t not in {x.label for x in e.evidence})
    assert unsupported_mentions(text, e, fit.catalog) == []
    assert unsupported_mentions(f"{text} {foreign}", e, fit.catalog) == [f"title {foreign!r}"]
    genre = "恐怖片" if lang == "zh" else "Horror"
    assert unsupported_mentions(text + genre, e, fit.catalog) == ["attribute value 'Horror'"]
    assert unsupported_mentions(text + " 4321", e, fit.catalog) == ["number 4321"]
    assert unsupported_mentions(text + " seventeen", e, fit.catalog) == ["number 17"]


def test_english_history_reason_names_the_top_supporting_titles(explanations: list[Explanation],
                                                                fit: Dataset) -> None:
    e = next(x for x in explanations if x.method == ExplainMethod.EXACT and x.evidence[1].weight > 0)
    first, second = e.evidence[0].label, e.evidence[1].label
    assert realize(e, fit.catalog).text.startswith(f"Because you watched {first} and {second}.")


def test_chinese_reason_quotes_catalog_titles_verbatim(explanations: list[Explanation], fit: Dataset) -> None:
    e = next(x for x in explanations if x.method == ExplainMethod.EXACT and x.evidence[1].weight > 0)
    text = realize(e, fit.catalog, Lang.ZH).text
    assert text.startswith(f"因为你看过《{e.evidence[0].label}》和《{e.evidence[1].label}》。")
    assert text.endswith("。") and "Because" not in text


def test_counterfactual_claims_only_what_was_verified(explanations: list[Explanation], fit: Dataset) -> None:
    verified = [x for x in explanations if x.counterfactual is not None and x.counterfactual.verified]
    # EASE counterfactuals are checked against the retrained model; both wordings are rendered from each one
    assert len(verified) >= 100 and {x.counterfactual.verified for x in verified} == {"retrained"}
    for found in verified[:50]:
        assert found.counterfactual is not None
        as_rescored = found.counterfactual.model_copy(update={"verified": "rescored"})
        e = found.model_copy(update={"counterfactual": as_rescored})
        removed = {fit.catalog.label(fit.items.index_of(i)) for i in found.counterfactual.removed}
        rescored, rescored_zh = realize(e, fit.catalog).text, realize(e, fit.catalog, "zh").text
        assert re.search(r"(is the main reason|are the main reasons) this model ranks it here\.$", rescored)
        assert rescored_zh.endswith("是这个模型把它排在这里的主要原因。")
        assert "would not" not in rescored and "如果" not in rescored_zh
        assert removed <= find_mentions(rescored, fit.catalog).titles
        retrained = e.model_copy(update={"counterfactual": e.counterfactual.model_copy(
            update={"verified": "retrained"})})
        claimed = realize(retrained, fit.catalog).text
        assert "If you had not watched " in claimed and claimed.endswith(", we would not show this.")
        assert removed <= find_mentions(claimed, fit.catalog).titles
        assert "如果你没有看过《" in realize(retrained, fit.catalog, "zh").text
        assert unsupported_mentions(claimed, retrained, fit.catalog) == []
        unverified = e.model_copy(update={"counterfactual": e.counterfactual.model_copy(update={"verified": None})})
        plain = realize(unverified, fit.catalog).text
        assert "reason" not in plain and "would not" not in plain and not any(
            f"{t} is" in plain for t in removed - {x.label for x in e.evidence})
        assert "如果" not in realize(unverified, fit.catalog, "zh").text
        assert "主要原因" not in realize(unverified, fit.catalog, "zh").text


def test_verbs_follow_the_event_kind(explanations: list[Explanation], fit: Dataset) -> None:
    e = next(x for x in explanations if x.method == ExplainMethod.EXACT and x.evidence[1].weight > 0
             and x.counterfactual is not None and x.counterfactual.verified)
    first, second = e.evidence[:2]
    bought = e.model_copy(update={"evidence": (first.model_copy(update={"event": "purchase"}),
                                               second.model_copy(update={"event": "view"}), *e.evidence[2:]),
                                  "counterfactual": e.counterfactual.model_copy(update={
                                      "removed": (first.ref,), "verified": "retrained"})})
    assert realize(bought, fit.catalog).text == (f"Because you bought {first.label} and viewed {second.label}. "
                                                 f"If you had not bought {first.label}, we would not show this.")
    assert realize(bought, fit.catalog, "zh").text == (f"因为你购买过《{first.label}》，浏览过《{second.label}》。"
                                                       f"如果你没有购买《{first.label}》，我们就不会推荐它。")
    carted = bought.model_copy(update={"evidence": tuple(x.model_copy(update={"event": "cart"})
                                                         for x in bought.evidence)})
    assert realize(carted, fit.catalog).text.startswith(
        f"Because you added {first.label} and {second.label} to your cart.")
    rated = bought.model_copy(update={"evidence": tuple(x.model_copy(update={"event": "rating"})
                                                        for x in bought.evidence)})
    assert realize(rated, fit.catalog).text.startswith(f"Because you rated {first.label} and {second.label}.")
    assert realize(rated, fit.catalog, "zh").text.startswith(f"因为你给《{first.label}》和《{second.label}》评过分。")
    for x in (bought, carted, rated):
        for lang in ("en", "zh"):
            assert unsupported_mentions(realize(x, fit.catalog, lang).text, x, fit.catalog) == []


def test_attribute_counts_come_from_the_evidence(explanations: list[Explanation], fit: Dataset) -> None:
    e = next(x for x in explanations if x.method == ExplainMethod.ATTRIBUTE)
    value = e.evidence[0].ref.partition("=")[2]
    count, total = map(int, re.search(r"\((\d+) of your (\d+) items\)", e.evidence[0].label).groups())
    assert realize(e, fit.catalog).text.startswith(f"Like this film, {count} of your {total} films are {value}")
    history = fit.history(e.user_id)
    carriers = sum(value in fit.catalog.attributes.categorical["category"][int(j)] for j in np.unique(history.items))
    assert count == carriers  # the label's count is the real number of history films with that genre
    assert realize(e, fit.catalog, "zh").text.startswith(f"和这部影片一样，你的 {total} 部影片中有 {count} 部是")


def test_kg_reason_names_the_relation_and_the_history_film(explanations: list[Explanation], fit: Dataset) -> None:
    e = next(x for x in explanations if x.method == ExplainMethod.KG and x.evidence)
    _, relation, _, _, history_item = e.evidence[0].ref.split("|")
    title = fit.catalog.label(fit.items.index_of(history_item))
    assert realize(e, fit.catalog).text.startswith(f"It has the same {relation}")
    assert title in realize(e, fit.catalog).text and f"《{title}》" in realize(e, fit.catalog, "zh").text


def test_cold_user_gets_a_popularity_reason_without_entities(fit: Dataset) -> None:
    pop = MostPopular().fit(fit)
    history = fit.history_from_items([])
    items = pop.recommend(HistoryBatch.from_histories([history], fit.n_items), 3, candidates=fit.active_items).items[0]
    (e, *_) = CounterfactualExplainer(fit, candidates=fit.active_items).explain(pop, history, items)
    assert e.evidence == ()
    assert realize(e, fit.catalog).text == "It is popular with other viewers."
    assert realize(e, fit.catalog, "zh").text == "它很受其他观众欢迎。"
    assert unsupported_mentions(realize(e, fit.catalog).text, e, fit.catalog) == []


def _evidence(kind: EvidenceKind, ref: str, label: str, weight: float) -> Evidence:
    return Evidence(kind=kind, ref=ref, label=label, weight=weight, share=weight)


def test_sequence_reason_for_attention_and_negative_evidence_is_not_a_reason(fit: Dataset) -> None:
    titles = [fit.catalog.label(j) for j in range(3)]
    e = Explanation(user_id="1", item_id=fit.items.id_of(5), score=1.0, rank=1, model="sasrec",
                    method=ExplainMethod.ATTENTION, evidence=(
                        _evidence(EvidenceKind.HISTORY_ITEM, fit.items.id_of(0), titles[0], -0.5),
                        _evidence(EvidenceKind.HISTORY_ITEM, fit.items.id_of(1), titles[1], 0.4),
                        _evidence(EvidenceKind.HISTORY_ITEM, fit.items.id_of(2), titles[2], 0.1)))
    text = realize(e, fit.catalog).text
    assert text == f"Among the films you watched, {titles[1]} and {titles[2]} weigh most in your sequence."
    assert titles[0] not in text
    assert realize(e, fit.catalog, "zh").text == (f"在你的观看记录中，《{titles[1]}》和《{titles[2]}》"
                                                   "对这次推荐影响最大。")


def test_products_catalog_uses_shopping_words(synthetic_small: Dataset) -> None:
    model = EASE().fit(synthetic_small)
    user = synthetic_small.users.id_of(int(synthetic_small.active_users[0]))
    history = synthetic_small.history(user)
    items = model.recommend(HistoryBatch.from_histories([history], synthetic_small.n_items), 3).items[0]
    for e in AttributeExplainer(synthetic_small).explain(model, history, items):
        text = realize(e, synthetic_small.catalog).text
        count, verb = re.match(r"Like this item, (\d+) of your \d+ items (is|are) ", text).groups()
        assert verb == ("is" if count == "1" else "are")
        assert unsupported_mentions(text, e, synthetic_small.catalog) == []
        chinese = realize(e, synthetic_small.catalog, "zh").text
        assert chinese.startswith("和这件商品一样，你的 ") and " 件商品中有 " in chinese
        assert unsupported_mentions(chinese, e, synthetic_small.catalog) == []
    e = ExactExplainer(synthetic_small).explain(model, history, items)[0]
    assert realize(e, synthetic_small.catalog).text.startswith("Because you showed interest in ")
    assert realize(e, synthetic_small.catalog, "zh").text.startswith("因为你关注过《")


def test_unknown_language_is_refused(explanations: list[Explanation], fit: Dataset) -> None:
    with pytest.raises(ConfigError) as e:
        realize(explanations[0], fit.catalog, "fr")
    assert e.value.field == "lang" and e.value.allowed == ("en", "zh")
    assert realize(explanations[0], fit.catalog, "zh-CN").lang == Lang.ZH
    with pytest.raises(ConfigError):
        realize(explanations[0], fit.catalog, "zh-TW")  # Traditional Chinese is not what the templates write
