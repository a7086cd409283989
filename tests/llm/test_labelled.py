"""The labelled set (three catalogs, en and zh) meets the issue's targets, and covers what it claims to."""

from __future__ import annotations

from collections import Counter

import pytest

from whyrec.explain import Lang
from whyrec.llm import FaithfulnessGuard
from whyrec.llm.labelled import CATEGORIES, Case, cases_for, explained_catalogs, held_out_cases


@pytest.fixture(scope="module")
def judged() -> list[tuple[Case, bool]]:
    out = []
    for c in explained_catalogs(n_users=8, k=5):
        guard = FaithfulnessGuard(c.dataset.catalog)
        exact = [e for e in c.explanations if e.method.value == "exact"][:8]
        for case in [k for e in exact for k in cases_for(e, c.dataset, c.name) + held_out_cases(e, c.dataset, c.name)]:
            out.append((case, guard.check(case.text, case.explanation, case.lang).accepted))
    return out


def test_the_set_is_large_and_covers_every_category(judged: list[tuple[Case, bool]]) -> None:
    cases = [c for c, _ in judged]
    assert len(cases) >= 600 and {c.catalog for c in cases} == {"films", "games", "zh-films"}
    for lang in Lang:
        assert {c.category for c in cases if c.lang is lang} == set(CATEGORIES)


@pytest.mark.parametrize("lang", list(Lang))
def test_false_accepts_and_false_rejects_meet_the_targets(judged: list[tuple[Case, bool]], lang: Lang) -> None:
    bad = [accepted for c, accepted in judged if c.lang is lang and not c.faithful]
    good = [accepted for c, accepted in judged if c.lang is lang and c.faithful]
    wrong = Counter(c.category for c, accepted in judged if c.lang is lang and accepted != c.faithful)
    assert sum(bad) <= 0.02 * len(bad), wrong
    assert good.count(False) <= 0.10 * len(good), wrong
