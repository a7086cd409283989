"""whyrec's own template sentences always pass the guard: thousands, in both languages, on three catalogs."""

from __future__ import annotations

import pytest

from whyrec.data.history import HistoryBatch
from whyrec.explain.explanation import Lang
from whyrec.explain.kg import KGExplainer, load_ml100k_kg
from whyrec.explain.text import realize
from whyrec.llm import FaithfulnessGuard
from whyrec.llm.labelled import ExplainedCatalog, explained_catalogs
from whyrec.models import EASE
from whyrec.models.popular import MostPopular


@pytest.fixture(scope="module")
def catalogs() -> list[ExplainedCatalog]:
    out = explained_catalogs(n_users=30, k=10)
    films = out[0].dataset
    model = EASE().fit(films)
    kg = KGExplainer(films, load_ml100k_kg(), candidates=films.active_items)
    pop = MostPopular().fit(films)
    extra = []
    for user in films.users.ids_of(films.active_users[::40][:20]):
        history = films.history(user)
        items = model.recommend(HistoryBatch.from_histories([history], films.n_items), 10,
                                candidates=films.active_items).items[0]
        extra += kg.explain(model, history, items)
    cold = films.history_from_items([])
    extra += kg.explain(pop, cold, pop.recommend(HistoryBatch.from_histories([cold], films.n_items), 3).items[0])
    out[0] = ExplainedCatalog("films", films, out[0].explanations + tuple(extra))
    return out


@pytest.mark.parametrize("lang", [Lang.EN, Lang.ZH])
def test_every_template_sentence_passes(catalogs: list[ExplainedCatalog], lang: Lang) -> None:
    rejected, checked = [], 0
    for c in catalogs:
        guard = FaithfulnessGuard(c.dataset.catalog)
        for n, e in enumerate(c.explanations):
            if n % 2:  # a new shopper's explanation: no event kinds, the domain's generic verb
                e = e.model_copy(update={"evidence": tuple(x.model_copy(update={"event": None, "rating": None})
                                                           for x in e.evidence)})
            text = realize(e, c.dataset.catalog, lang).text
            verdict = guard.check(text, e, lang, budget_ms=10_000)
            checked += 1
            if not verdict.accepted:
                rejected.append(f"{c.name}: {text!r}: {[str(r) for r in verdict.reasons]}")
    assert checked >= 1900  # per language: exact with counterfactuals, attribute, KG, popularity
    assert rejected == [], "\n".join(rejected[:20])


def test_the_catalogs_carry_what_the_guard_must_read(catalogs: list[ExplainedCatalog]) -> None:
    _, games, zh_films = (c.dataset.catalog for c in catalogs)
    assert any(" - PC" in t for t in games.titles) and any("Edition)" in t for t in games.titles)
    assert "platform" in games.attributes.categorical
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in t) for t in zh_films.titles)
    methods = {e.method.value for e in catalogs[0].explanations}
    assert {"exact", "attribute", "kg"} <= methods
    verified = [e for c in catalogs for e in c.explanations
                if e.counterfactual is not None and e.counterfactual.verified]
    assert len(verified) > 100
    events = {x.event for c in catalogs for e in c.explanations for x in e.evidence}
    assert {"rating", "view", "cart", "purchase"} <= events  # the verbs of each event kind are rendered
