"""Catalog titles in the forms people write them.

A title is also named without its year, with its article in front or left out, without an alternative
title in parentheses, without an edition or platform suffix ("Mass Effect - PC" is "Mass Effect"), and by
its subtitle alone when the subtitle is at least two words ("The Wrath of Khan"). Nothing else counts: a
translated title or a sequel number the catalog does not have is another title.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["core_forms", "display_title", "normalize", "title_variants"]

_YEAR = re.compile(r"\s*\((?:\d{4}|\d{4}\s*-\s*\d{0,4})\)\s*$")
_PARENS = re.compile(r"\s*[(\[][^()\[\]]*[)\]]")
# "English Patient, The" -> "The English Patient" (MovieLens and many catalogs put the article last)
_TRAILING_ARTICLE = re.compile(r"^(?P<rest>.+), (?P<article>the|a|an|les|la|le|l'|il|el|das|der|die|los|las)$",
                               re.IGNORECASE)
_LEADING_ARTICLE = re.compile(r"^(?:the|a|an) ")
# " - PC", " - Xbox 360", ", Deluxe Edition": a suffix of at most four words after a dash or comma
_SUFFIX = re.compile(r"\s+[-–—|]\s+[^-–—|]{1,40}$|,\s+[^,]{1,30}\b(?:edition|version|bundle|pack)$", re.IGNORECASE)
_EDITION = re.compile(r"\s+(?:(?:deluxe|standard|gold|premium|complete|definitive|ultimate|special|limited"
                      r"|collector'?s|anniversary|game of the year|goty)\s+)+(?:edition|version)$", re.IGNORECASE)
_SUBTITLE = re.compile(r":\s+")
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


def core_forms(title: str) -> set[str]:
    """Normalized forms of the title without year, alternative title, edition or platform (article in front).

    Example:
        >>> sorted(core_forms("Mass Effect 2 (Collector's Edition) - PC"))  # doctest: +NORMALIZE_WHITESPACE
        ['mass effect 2', 'mass effect 2 collector s edition', 'mass effect 2 collector s edition pc',
         'mass effect 2 pc']
    """
    no_year = _YEAR.sub("", title).strip()
    cores = {no_year}
    for core in list(cores):
        cores.add(_PARENS.sub("", core).strip())
    for core in list(cores):
        shorter = core
        while (cut := _SUFFIX.sub("", shorter).strip()) != shorter and cut:
            shorter = cut
            cores.add(shorter)
        cores.add(_EDITION.sub("", shorter).strip())
    for core in list(cores):
        match = _TRAILING_ARTICLE.match(core)
        if match:
            cores.discard(core)
            cores.add(f"{match['article']} {match['rest']}")
    return {normalize(c) for c in cores} - {""}


def title_variants(title: str) -> set[str]:
    """Normalized forms that count as a mention of `title`.

    Example:
        >>> sorted(title_variants("English Patient, The (1996)"))[-3:]
        ['english patient the 1996', 'the english patient', 'the english patient 1996']
        >>> "wrath of khan" in title_variants("Star Trek II: The Wrath of Khan (1982)")
        True
    """
    no_year = _YEAR.sub("", title).strip()
    year = title[len(no_year):].strip(" ()")
    forms = core_forms(title) | {normalize(no_year)}
    match = _TRAILING_ARTICLE.match(_PARENS.sub("", no_year).strip())
    if match:
        forms.add(normalize(match["rest"]))
    for form in list(forms):
        if _LEADING_ARTICLE.match(form):
            forms.add(_LEADING_ARTICLE.sub("", form))
    for core in _subtitles(no_year):
        sub = normalize(core)
        if len(sub.split()) >= 2:
            forms |= {sub, _LEADING_ARTICLE.sub("", sub)}
    if year:
        forms |= {f"{f} {normalize(year)}" for f in list(forms)}
    return {f for f in forms if f}


def _subtitles(title: str) -> list[str]:
    """What follows the first colon, with its own suffixes dropped ("Zelda: Breath of the Wild - Switch")."""
    parts = _SUBTITLE.split(_PARENS.sub("", title), maxsplit=1)
    if len(parts) < 2:
        return []
    sub = parts[1].strip()
    if match := _TRAILING_ARTICLE.match(sub):  # the article belongs to the whole title
        sub = match["rest"]
    while (cut := _SUFFIX.sub("", sub).strip()) != sub and cut:
        sub = cut
    return [sub]
