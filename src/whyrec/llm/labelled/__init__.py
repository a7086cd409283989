"""The guard's labelled set: real whyrec explanations on three catalogs, rewritten faithfully and not.

Used by the tests (tests/llm) and by ``benchmarks/llm_guard.py``; nothing here calls an LLM.
"""

from whyrec.llm.labelled.cases import CATEGORIES, Case, cases_for
from whyrec.llm.labelled.catalogs import (
    ExplainedCatalog,
    explain_catalog,
    explained_catalogs,
    games_dataset,
    zh_films_dataset,
)
from whyrec.llm.labelled.held_out import fresh_cases, held_out_cases

__all__ = ["CATEGORIES", "Case", "ExplainedCatalog", "cases_for", "explain_catalog", "explained_catalogs",
           "fresh_cases", "games_dataset", "held_out_cases", "zh_films_dataset"]
