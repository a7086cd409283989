"""Actions the evidence does not record: "you added X to your cart" is kept only if X's event is a cart.

A phrase of an action (:data:`whyrec.explain.text.verbs.ACTIONS`: bought, added to cart, rated, clicked,
saved, shared...) is attached to the titles it speaks of: those inside it ("added X and Y to your cart"), else
the one right after it ("bought X", "买过的《X》") with the titles listed with it, else the ones just before it
in its clause ("把《X》加入过购物车"), else the next one in its clause, else the last title before it in its
sentence ("X, which you bought"). Each attached item must carry an event kind that records the action; a
phrase attached to no title needs one history item that does. An item whose recorded event is another one
gives ``wrong_action`` ("bought" for a view); an item with no recorded event, or a phrase that names no title
and that no history item backs, gives ``unrecorded_action``. The generic verbs (watched, viewed, looked at,
看过, 关注过) are no actions and always pass.

Titles are collapsed to one character first, so the phrases' bounded gaps reach across titles of any length;
each step is one pass over the text (plus a binary search per phrase).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator, Sequence
from functools import cache

from whyrec.explain.explanation import Lang
from whyrec.explain.text.mentions import Mention
from whyrec.explain.text.verbs import ACTIONS, Action
from whyrec.llm.evidence import Facts

__all__ = ["action_findings"]

_CLAUSE = re.compile(r"[,;:()—–，；：（）。.!?！？\n]")
_SENTENCE = re.compile(r"[.!?。！？\n]")
_LIST_GAP = re.compile(r"[\s,、\"'“”‘’《》「」]*(?:and|or|as well as|&|和|与|及|以及)?[\s,、\"'“”‘’《》「」]*",
                       re.IGNORECASE)
_TITLE, _VALUE = "\x00", "\x01"
# what may stand between a phrase and the title it is about ("bought "X"", "买过的《X》", "rated the film X")
_NEXT_TO = re.compile(r"[\s的了过着\"'“《「]*(?:(?:the|a|an|your)\s+)?"
                      r"(?:(?:films?|movies?|games?|items?|products?)\s+)?[\s\"'“《「]*", re.IGNORECASE)


@cache
def _phrases(lang: Lang) -> re.Pattern[str]:
    """One alternation of every action's phrases, a named group per action (``a0``, ``a1``...)."""
    parts = []
    for n, action in enumerate(ACTIONS):
        pieces = action.en if lang is Lang.EN else action.zh
        if pieces:
            parts.append(f"(?P<a{n}>{'|'.join(pieces)})")
    return re.compile("|".join(parts), re.IGNORECASE if lang is Lang.EN else 0)


def action_findings(text: str, titles: Sequence[Mention], spans: Sequence[tuple[int, int]],
                    values: Sequence[tuple[int, int]], facts: Facts, lang: Lang) -> Iterator[tuple[str, int, int, str]]:
    """``unrecorded_action`` and ``wrong_action`` findings of `text`.

    Args:
        text: the text.
        titles: the catalog titles found in it (with their items).
        spans: every span to collapse (titles, quoted names).
        values: the attribute values found in it: an action said of one ("you rated Action Comedy", "you've
            added Bluefin Studios to the list") is never recorded, events being on items.
        facts: the explanation's facts (``events`` by history item).
        lang: the text's language.
    """
    compact, starts, ends = _collapse(text, [(s, e, _TITLE) for s, e in spans] + [(s, e, _VALUE) for s, e in values])
    positions = [bisect.bisect_right(starts, m.start) - 1 for m in titles]
    order = sorted(range(len(titles)), key=positions.__getitem__)
    at = [positions[i] for i in order]
    clause, sentence = _ids(compact, _CLAUSE), _ids(compact, _SENTENCE)
    for found in _phrases(lang).finditer(compact):
        action = ACTIONS[int(str(found.lastgroup)[1:])]
        start, end = starts[found.start()], ends[found.end() - 1]
        group = _attached(compact, found.start(), found.end(), at, clause, sentence)
        holds_title = any(found.start() <= at[k] < found.end() for k in group)
        if _said_of_value(compact, found.start(), found.end()) and not holds_title:
            yield ("unrecorded_action", start, end, f"{action.said_en!r} ({action.name}) said of an attribute "
                                                    "value: the evidence records events of items, not of values")
        elif group:
            for k in group:
                m = titles[order[k]]
                if not any(action.records(facts.events.get(i)) for i in m.items):
                    yield _finding(action, m.items, facts, start, end, m.text)
        elif not any(action.records(facts.events.get(i)) for i in facts.history):
            yield _finding(action, frozenset(), facts, start, end, None)


def _said_of_value(compact: str, start: int, end: int) -> bool:
    """Whether a phrase holds an attribute value or is followed by one (its object is no item)."""
    after = _NEXT_TO.match(compact, end)
    return _VALUE in compact[start:end] or (after is not None and compact[after.end():after.end() + 1] == _VALUE)


def _finding(action: Action, items: frozenset[int], facts: Facts, start: int, end: int,
             title: str | None) -> tuple[str, int, int, str]:
    recorded = sorted({facts.events[i] for i in items if i in facts.events})
    said = f"{action.said_en!r} ({action.name})"
    of = f"of {title!r}" if title is not None else "of any history item (it names no title)"
    if recorded:
        return ("wrong_action", start, end, f"the evidence records {', '.join(recorded)} {of}, not {said}")
    return ("unrecorded_action", start, end, f"the evidence records no {said} {of}")


def _attached(compact: str, start: int, end: int, at: list[int], clause: list[int], sentence: list[int]) -> list[int]:
    """Indexes into `at` (title positions in `compact`, sorted) of the titles a phrase at [start, end) speaks of."""
    first_after = bisect.bisect_left(at, end)
    inside = list(range(bisect.bisect_left(at, start), first_after))
    if inside:
        return inside
    after = first_after < len(at) and clause[at[first_after]] == clause[start]
    if after and _NEXT_TO.fullmatch(compact, end, at[first_after]):
        return _listed(compact, at, first_after, step=1)
    last_before = first_after - 1
    if last_before >= 0 and clause[at[last_before]] == clause[start]:
        return _listed(compact, at, last_before, step=-1)
    if after:
        return _listed(compact, at, first_after, step=1)
    if last_before >= 0 and sentence[at[last_before]] == sentence[start]:
        return [last_before]
    return []


def _listed(compact: str, at: list[int], k: int, *, step: int) -> list[int]:
    """Title `k` and the titles listed with it ("A, B and C"), going forward or back."""
    out = [k]
    while 0 <= out[-1] + step < len(at):
        a, b = sorted((at[out[-1]], at[out[-1] + step]))
        if not _LIST_GAP.fullmatch(compact, a + 1, b):
            break
        out.append(out[-1] + step)
    return out


def _collapse(text: str, spans: Sequence[tuple[int, int, str]]) -> tuple[str, list[int], list[int]]:
    """`text` with each span as its one character (spans that overlap merged, the first one's character kept);
    each character's start and end in `text`."""
    merged: list[tuple[int, int, str]] = []
    for s, e, char in sorted(spans):
        if merged and s < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e), merged[-1][2])
        else:
            merged.append((s, e, char))
    chars, starts, ends = [], [], []
    at = 0
    for s, e, char in [*merged, (len(text), len(text), "")]:
        for i in range(at, s):
            chars.append(text[i])
            starts.append(i)
            ends.append(i + 1)
        if e > s:
            chars.append(char)
            starts.append(s)
            ends.append(e)
        at = max(at, e)
    return "".join(chars), starts, ends


def _ids(compact: str, breaks: re.Pattern[str]) -> list[int]:
    """For each character, the number of breaks before it (equal numbers: the same clause or sentence)."""
    out, n = [], 0
    for ch in compact:
        out.append(n)
        if breaks.match(ch):
            n += 1
    return out
