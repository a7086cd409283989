"""Ratings in reasons: "rated X 5 stars" says the user's own rating, and the guard holds a text to it."""

from __future__ import annotations

import pytest

from whyrec.data import Dataset
from whyrec.evaluate import Split
from whyrec.explain import EvidenceKind, Explanation, Lang
from whyrec.explain.pipeline import recommend_explained
from whyrec.llm import FaithfulnessGuard, RejectionKind
from whyrec.models import EASE

USERS = ("196", "186", "22")
BUDGET_MS = 60_000.0


@pytest.fixture(scope="module")
def rated(ml100k_split: Split) -> tuple[Dataset, dict[Lang, list[Explanation]]]:
    fit = ml100k_split.fit
    model = EASE().fit(fit)
    out = {lang: [e for user in USERS for e in recommend_explained(model, fit.history(user), dataset=fit, k=3,
                                                                   lang=lang).explanations] for lang in Lang}
    return fit, out


def _logged_rating(fit: Dataset, user: str, item_id: str) -> float:
    u, i = fit.users.index_of(user), fit.items.index_of(item_id)
    lo, hi = int(fit.user_indptr[u]), int(fit.user_indptr[u + 1])
    values = fit.events.value[lo:hi][fit.events.item[lo:hi] == i]
    return float(values[-1])


def test_rated_items_say_the_users_own_stars(rated: tuple[Dataset, dict[Lang, list[Explanation]]]) -> None:
    fit, explained = rated
    for e in explained[Lang.EN]:
        user = e.user_id
        assert user is not None
        named = [x for x in e.evidence if x.kind is EvidenceKind.HISTORY_ITEM and x.weight > 0][:2]
        for x in named:
            assert x.event == "rating" and x.rating == _logged_rating(fit, user, x.ref)
        first = e.reason.text.split(". ")[0]
        assert all(f"{x.rating:g} star" in first for x in named), first
    for e in explained[Lang.ZH]:
        named = [x for x in e.evidence if x.kind is EvidenceKind.HISTORY_ITEM and x.weight > 0][:2]
        assert all(f"打过{x.rating:g}星" in e.reason.text for x in named), e.reason.text


def test_the_guard_accepts_the_stars_given_and_rejects_others(
        rated: tuple[Dataset, dict[Lang, list[Explanation]]]) -> None:
    fit, explained = rated
    guard = FaithfulnessGuard(fit.catalog, budget_ms=BUDGET_MS)  # what is checked here is not time
    guard.warm()
    changed = 0
    for lang, wrong in ((Lang.EN, "{} stars"), (Lang.ZH, "{}星")):
        for e in explained[lang]:
            text = e.reason.text
            assert guard.check(text, e, lang).accepted, text
            lead = next(x for x in e.evidence if x.kind is EvidenceKind.HISTORY_ITEM and x.weight > 0)
            assert lead.rating is not None
            given, other = wrong.format(f"{lead.rating:g}"), wrong.format(f"{lead.rating % 5 + 1:g}")
            if given not in text:
                continue
            verdict = guard.check(text.replace(given, other, 1), e, lang)
            assert not verdict.accepted and verdict.reasons[0].kind is RejectionKind.WRONG_COUNT, verdict
            changed += 1
    assert changed >= len(USERS)  # the wrong-star case was really tried in both languages


def test_star_words_and_numerals_are_checked_like_digits(
        rated: tuple[Dataset, dict[Lang, list[Explanation]]]) -> None:
    fit, explained = rated
    guard = FaithfulnessGuard(fit.catalog, budget_ms=BUDGET_MS)  # what is checked here is not time
    guard.warm()
    e = explained[Lang.EN][0]
    lead = next(x for x in e.evidence if x.kind is EvidenceKind.HISTORY_ITEM and x.weight > 0)
    assert lead.rating is not None
    words = {1: ("one", "一"), 2: ("two", "两"), 3: ("three", "三"), 4: ("four", "四"), 5: ("five", "五")}
    right, wrong = words[int(lead.rating)], words[int(lead.rating) % 5 + 1]
    en = 'We picked it because you rated "{}" {} stars.'
    zh = "因为你给《{}》打过{}星，所以推荐它。"
    assert guard.check(en.format(lead.label, right[0]), e, Lang.EN).accepted
    assert not guard.check(en.format(lead.label, wrong[0]), e, Lang.EN).accepted
    assert guard.check(zh.format(lead.label, right[1]), e, Lang.ZH).accepted
    assert not guard.check(zh.format(lead.label, wrong[1]), e, Lang.ZH).accepted
