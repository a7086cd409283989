"""The guard's labelled set: real whyrec explanations on three catalogs, rewritten faithfully and not.

Used by the tests (tests/llm) and by ``benchmarks/llm_guard.py``; nothing here calls an LLM.
"""

from whyrec.llm.labelled.cases import CATEGORIES, Case, cases_for
from whyrec.llm.labelled.catalogs import ExplainedCatalog, explained_catalogs, games_dataset, zh_films_dataset

__all__ = ["CATEGORIES", "Case", "ExplainedCatalog", "cases_for", "explained_catalogs", "games_dataset",
           "zh_films_dataset"]
