"""Catalog titles in the forms people write them: article in front, year and alternative titles dropped."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["display_title", "normalize", "title_variants"]

_YEAR = re.compile(r"\s*\((?:\d{4}|\d{4}\s*-\s*\d{0,4})\)\s*$")
_PARENS = re.compile(r"\s*\([^()]*\)")
# "English Patient, The" -> "The English Patient" (MovieLens and many catalogs put the article last)
_TRAILING_ARTICLE = re.compile(r"^(?P<rest>.+), (?P<article>the|a|an|les|la|le|l'|il|el|das|der|die|los|las)$",
                               re.IGNORECASE)
_TOKEN = re.compile(r"[0-9a-z]+")


def normalize(text: str) -> str:
    """Casefolded, accents removed, "&" read as "and", every run of non-alphanumerics one space.

    Example:
        >>> normalize("Amélie's  World & Part 2!")
        'amelie s world and part 2'
    """
    plain = unicodedata.normalize("NFKD", text.casefold().replace("&", " and "))
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return " ".join(_TOKEN.findall(plain))


def display_title(title: str) -> str:
    """The title as a sentence would carry it.

    Example:
        >>> display_title("English Patient, The (1996)")
        'The English Patient'
    """
    core = _PARENS.sub("", _YEAR.sub("", title)).strip() or title.strip()
    match = _TRAILING_ARTICLE.match(core)
    if match:
        article = match["article"]
        core = f"{article}{'' if article.endswith(chr(39)) else ' '}{match['rest']}"
    return core


def title_variants(title: str) -> set[str]:
    """Normalized forms that count as a mention of `title` (with or without year, article, alternative title).

    Example:
        >>> sorted(title_variants("English Patient, The (1996)"))[-3:]
        ['english patient the 1996', 'the english patient', 'the english patient 1996']
    """
    no_year = _YEAR.sub("", title).strip()
    year = title[len(no_year):].strip(" ()")
    cores = {no_year, _PARENS.sub("", no_year).strip()}
    for core in list(cores):
        match = _TRAILING_ARTICLE.match(core)
        if match:
            cores |= {f"{match['article']} {match['rest']}", match["rest"]}
    forms = {normalize(c) for c in cores} - {""}
    if year:
        forms |= {f"{f} {normalize(year)}" for f in forms}
    return forms
