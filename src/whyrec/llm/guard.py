"""The faithfulness guard: an LLM's sentence is kept only if every fact in it comes from the explanation.

It checks, with spans:

- titles: a catalog title must be the recommended item or an evidence item; one in quotes or 《》 that is not
  in the catalog at all is invented too;
- roles: the recommended item must not be said to be in the history, nor a history item to be recommended;
- attribute values (genre, brand, category): they must belong to the recommended item, an evidence item, or
  an attribute evidence;
- numbers: they must follow from the evidence (counts, rank, shares in %, years in the facts' titles);
- names: capitalised words that are no title or attribute, and "directed by"-style claims;
- form: not empty, not a copy of the instructions, not cut off or unfinished, not too long, in the language asked.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from whyrec.data.catalog import Catalog
from whyrec.explain.explanation import EvidenceKind, Explanation, Lang
from whyrec.explain.text.mentions import Mention, NumberKind, catalog_index, find_numbers, is_cjk, tokens
from whyrec.llm.lexicon import PERSON_CUES, PROMPT_ECHO
from whyrec.llm.names import capitalised_runs
from whyrec.llm.roles import Role, claimed_roles

__all__ = ["DEFAULT_MAX_CHARS", "FaithfulnessGuard", "Rejection", "RejectionKind", "Verdict"]

#: Longest accepted text per language, in characters (a Chinese character carries about a word).
DEFAULT_MAX_CHARS: Mapping[Lang, int] = {Lang.EN: 300, Lang.ZH: 120}
_ITEM_KINDS = (EvidenceKind.HISTORY_ITEM, EvidenceKind.SEQUENCE_POSITION, EvidenceKind.TEXT_SIMILARITY)
_DIGITS = re.compile(r"\d+")
# a sentence that stops on one of these was not finished ("We recommend "Alien" because you watched.")
_DANGLING = re.compile(r"(?:\b(?:because|watched|and|or|of|the|an|since)|看过|因为|和)"
                       r"[\s.,;:!?。，；：！？…]*$", re.IGNORECASE)


class RejectionKind(StrEnum):
    """Why a text was rejected."""

    EMPTY = "empty"
    PROMPT_ECHO = "prompt_echo"
    INCOMPLETE = "incomplete"
    TOO_LONG = "too_long"
    WRONG_LANGUAGE = "wrong_language"
    INVENTED_TITLE = "invented_title"
    INVENTED_ATTRIBUTE = "invented_attribute"
    INVENTED_NAME = "invented_name"
    WRONG_COUNT = "wrong_count"
    SWAPPED_ROLE = "swapped_role"


class Rejection(BaseModel):
    """One reason to reject, with the offending span.

    Attributes:
        kind: what is wrong.
        span: the text at fault (the whole text for form problems).
        start: its first character in the text.
        end: one past its last character.
        detail: what was expected instead.
    """

    model_config = ConfigDict(frozen=True)

    kind: RejectionKind
    span: str
    start: int
    end: int
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.span!r}"


class Verdict(BaseModel):
    """The guard's decision.

    Attributes:
        accepted: True when there is no rejection.
        reasons: every rejection found, in text order (form problems first).
    """

    model_config = ConfigDict(frozen=True)

    accepted: bool
    reasons: tuple[Rejection, ...] = ()


class FaithfulnessGuard:
    """Checks LLM texts against explanations of one catalog (the catalog is indexed once).

    Args:
        catalog: the items, their titles and attributes.
        max_chars: longest accepted text per language.

    Example:
        >>> guard = FaithfulnessGuard(catalog)  # doctest: +SKIP
        >>> guard.check('We recommend "Star Wars" because you watched "Return of the Jedi".', explanation,
        ...             Lang.EN).accepted  # doctest: +SKIP
        True
    """

    def __init__(self, catalog: Catalog, *, max_chars: Mapping[Lang, int] = DEFAULT_MAX_CHARS) -> None:
        self.catalog = catalog
        self.index = catalog_index(catalog)
        self.max_chars = dict(max_chars)

    def check(self, text: str, explanation: Explanation, lang: Lang, *, finish_reason: str | None = None,
              also_allowed: str = "") -> Verdict:
        """Judge one text.

        Args:
            text: the LLM's answer.
            explanation: the evidence it had to stick to.
            lang: the language asked.
            finish_reason: the server's; ``length`` means the text was cut off.
            also_allowed: a text whose numbers count as derived (the template reason of the same evidence).
        """
        reasons = self._form(text, lang, finish_reason)
        if text.strip():
            reasons += self._facts(text, explanation, lang, also_allowed)
        return Verdict(accepted=not reasons, reasons=tuple(reasons))

    def _form(self, text: str, lang: Lang, finish_reason: str | None) -> list[Rejection]:
        whole = (text, 0, len(text))
        if not text.strip():
            return [Rejection(kind=RejectionKind.EMPTY, span=text, start=0, end=len(text),
                              detail="expected one or two sentences")]
        out = []
        limit = self.max_chars.get(lang, DEFAULT_MAX_CHARS[Lang.EN])
        if finish_reason == "length":
            out.append(_reject(RejectionKind.TOO_LONG, *whole, "cut off at the token limit; expected a finished "
                                                                "sentence"))
        elif len(text) > limit:
            out.append(_reject(RejectionKind.TOO_LONG, *whole, f"{len(text)} characters; expected at most {limit}"))
        elif dangling := _DANGLING.search(text):
            out.append(_reject(RejectionKind.INCOMPLETE, dangling.group(0), dangling.start(), dangling.end(),
                               "the sentence stops before it says why; expected a finished sentence"))
        out += [_reject(RejectionKind.PROMPT_ECHO, m.group(0), m.start(), m.end(),
                        "a copy of the instructions; expected an answer to them")
                for m in PROMPT_ECHO[lang].finditer(text)]
        outside = _outside_quotes(text)
        cjk = sum(is_cjk(c) for c in outside)
        latin = sum(c.isascii() and c.isalpha() for c in outside)
        if lang is Lang.ZH and (cjk < 4 or cjk < 0.3 * (cjk + latin)):
            out.append(_reject(RejectionKind.WRONG_LANGUAGE, *whole,
                               f"Chinese was asked; found {cjk} Chinese characters and {latin} Latin letters"))
        if lang is Lang.EN and cjk:
            out.append(_reject(RejectionKind.WRONG_LANGUAGE, *whole,
                               f"English was asked; found {cjk} Chinese characters"))
        return out

    def _facts(self, text: str, explanation: Explanation, lang: Lang, also_allowed: str) -> list[Rejection]:
        recommended = self.catalog.items.index_of(explanation.item_id)
        history = frozenset(self.catalog.items.index_of(e.ref) for e in explanation.evidence
                            if e.kind in _ITEM_KINDS and e.ref in self.catalog.items)
        facts = history | {recommended}
        toks = tokens(text)
        quoted = self.index.quoted(text)
        taken = [(m.start, m.end) for m in quoted]
        titles = [m for m in quoted if m.items] + self.index.unquoted_titles(text, toks, facts, taken)
        taken += [(m.start, m.end) for m in titles]
        attributes = self.index.attributes(text, toks, taken)
        out: list[Rejection] = []
        for m in quoted:
            chinese_quote = m.start > 0 and text[m.start - 1] in "“「" and not tokens(m.text)  # a quotation
            if not m.items and not chinese_quote and not self._names_value_or_fact(m, facts):
                out.append(_reject(RejectionKind.INVENTED_TITLE, m.text, m.start, m.end,
                                   "not a title of the catalog; expected one of the titles given"))
        for m in titles:
            if not m.items & facts:
                out.append(_reject(RejectionKind.INVENTED_TITLE, m.text, m.start, m.end,
                                   "a catalog title that is not in the evidence"))
        for m, role in zip(titles, claimed_roles(text, titles, lang), strict=True):
            if role is Role.RECOMMENDED and recommended not in m.items and m.items & history:
                out.append(_reject(RejectionKind.SWAPPED_ROLE, m.text, m.start, m.end,
                                   "an item the user interacted with, presented as the recommended one"))
            elif role is Role.HISTORY and recommended in m.items:
                out.append(_reject(RejectionKind.SWAPPED_ROLE, m.text, m.start, m.end,
                                   "the recommended item, presented as one the user interacted with"))
        allowed_values = self._allowed_values(explanation, facts)
        for m in attributes:
            if m.value.casefold() not in allowed_values:
                out.append(_reject(RejectionKind.INVENTED_ATTRIBUTE, m.text, m.start, m.end,
                                   f"{m.value!r} is not an attribute of the recommended item or the evidence"))
        taken += [(m.start, m.end) for m in attributes]
        counts = self._allowed_numbers(explanation, facts, also_allowed)
        counts.add(float(len({i for m in titles for i in m.items & history})))  # "the two films A and B"
        percents = {float(f(100 * e.share)) for e in explanation.evidence for f in (math.floor, math.ceil, round)}
        for m in find_numbers(text, taken):
            value = m.value
            allowed = percents if m.kind is NumberKind.PERCENT else counts
            decade = m.kind is NumberKind.DECADE and any(value <= n < value + 10 for n in counts)
            if value not in allowed and not decade:
                out.append(_reject(RejectionKind.WRONG_COUNT, m.text, m.start, m.end,
                                   f"not derivable from the evidence (allowed: {_listed(allowed)})"))
        if lang is Lang.EN:
            for m in capitalised_runs(text, taken):
                out.append(_reject(RejectionKind.INVENTED_NAME, m.text, m.start, m.end,
                                   "a name that is neither a title nor an attribute in the evidence"))
        for match in PERSON_CUES[lang].finditer(text):
            out.append(_reject(RejectionKind.INVENTED_NAME, match.group(0), match.start(), match.end(),
                               "the evidence names no people"))
        return sorted(out, key=lambda r: r.start)

    def _names_value_or_fact(self, m: Mention, facts: frozenset[int]) -> bool:
        """A quoted span that is an attribute value, or a part of a fact's title ("Jedi")."""
        if m.text in self.index.cjk_values:
            return True
        words = " ".join(t.norm for t in tokens(m.text))
        if not words:
            return False
        if words in self.index.values:
            return True
        return any(f" {words} " in f" {form} " for form, items in self.index.titles.items() if items & facts)

    def _allowed_values(self, explanation: Explanation, facts: frozenset[int]) -> set[str]:
        values = {v.casefold() for index in facts for vals in self.catalog.attributes.of(index).values() for v in vals}
        for e in explanation.evidence:
            if e.kind in (EvidenceKind.ATTRIBUTE, EvidenceKind.KG_PATH, EvidenceKind.USER_ATTRIBUTE):
                values |= {part.strip().casefold() for part in re.split(r"[=:,;>→]", f"{e.ref}:{e.label}")}
        return values

    def _allowed_numbers(self, explanation: Explanation, facts: frozenset[int], also_allowed: str) -> set[float]:
        items = [e for e in explanation.evidence if e.kind in _ITEM_KINDS]
        positive = [e for e in items if e.weight > 0]
        numbers = {float(len(explanation.evidence)), float(len(items)), float(len(positive)),
                   float(min(3, len(positive))), float(explanation.rank)}
        for e in explanation.evidence:
            numbers |= {float(d) for d in _DIGITS.findall(e.label)}
        for index in facts:
            numbers |= {float(d) for d in _DIGITS.findall(self.catalog.label(index))}
            for name, values in self.catalog.attributes.numeric.items():
                if not math.isnan(value := float(values[index])):
                    numbers.add(value)
        numbers |= {float(d) for d in _DIGITS.findall(also_allowed)}
        return numbers


def _reject(kind: RejectionKind, span: str, start: int, end: int, detail: str) -> Rejection:
    return Rejection(kind=kind, span=span, start=start, end=end, detail=detail)


def _outside_quotes(text: str) -> str:
    return re.sub(r"《[^》]*》|\"[^\"]*\"|“[^”]*”", "", text)


def _listed(numbers: set[float]) -> str:
    shown = sorted(numbers)[:8]
    return ", ".join(f"{n:g}" for n in shown) + (", ..." if len(numbers) > 8 else "")
