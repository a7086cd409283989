"""Knowledge-graph paths: recommended item -> relation -> entity <- relation <- history item.

Paths are ranked by the history item's contribution to the score, so a path is shown only when the model
actually leaned on that history item. ml-100k ships a Freebase-derived graph (``ml-100k.kg``, ``.link``)
in the recbole wheel; entities there have ids, not names, so labels name the relation and the entity id.
"""

from __future__ import annotations

import csv
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd

from whyrec._types import IndexArray
from whyrec.data.dataset import Dataset
from whyrec.data.history import History
from whyrec.explain.base import ScoredHistory
from whyrec.explain.counterfactual import history_attribution
from whyrec.explain.explanation import Evidence, EvidenceKind, ExplainMethod, Explanation
from whyrec.models.base import Recommender

__all__ = ["KGExplainer", "KnowledgeGraph", "load_kg", "load_ml100k_kg"]

# Relations that point from a film to what it has; their inverses ("film.director.film") repeat the same edge.
_FILM_RELATIONS = {
    "film.film.actor": "actor", "film.film.genre": "genre", "film.film.directed_by": "director",
    "film.film.written_by": "writer", "film.film.produced_by": "producer", "film.film.cinematography":
    "cinematographer", "film.film.production_companies": "production company", "film.film.subjects": "subject",
    "film.film.award_nomination": "award nomination", "film.film.award_won": "award",
}  # language, country and content rating are left out: they link most films and explain none
# Very common entities (a language, a country) link almost everything and explain nothing.
_MAX_ENTITY_DEGREE = 200


@dataclass(frozen=True)
class KnowledgeGraph:
    """Item -> entity links and each entity's (relation, neighbour) edges."""

    item_entity: dict[str, str]
    edges: dict[str, tuple[tuple[str, str], ...]]
    degree: dict[str, int]

    def neighbours(self, item_id: str) -> tuple[tuple[str, str], ...]:
        """(relation, entity) pairs of an item's entity ((); the item has no entity)."""
        entity = self.item_entity.get(item_id)
        return self.edges.get(entity, ()) if entity else ()


def load_kg(triples: Path, links: Path) -> KnowledgeGraph:
    """Read recbole-style ``.kg`` (head, relation, tail) and ``.link`` (item_id, entity_id) files."""
    kg = pd.read_csv(triples, sep="\t", dtype=str, quoting=csv.QUOTE_NONE)
    kg.columns = ["head", "relation", "tail"]
    link = pd.read_csv(links, sep="\t", dtype=str, quoting=csv.QUOTE_NONE)
    link.columns = ["item_id", "entity"]
    kg = kg[kg["relation"].isin(_FILM_RELATIONS)]
    edges: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for head, relation, tail in kg.itertuples(index=False):
        edges[head].append((_FILM_RELATIONS[relation], tail))
    degree = kg["tail"].value_counts().to_dict()
    return KnowledgeGraph(dict(zip(link["item_id"], link["entity"], strict=True)),
                          {e: tuple(v) for e, v in edges.items()}, {str(k): int(v) for k, v in degree.items()})


def load_ml100k_kg() -> KnowledgeGraph:
    """The ml-100k graph from the cached recbole wheel."""
    from whyrec.data.builtin import ml100k_dir

    folder = ml100k_dir()
    return load_kg(folder / "ml-100k.kg", folder / "ml-100k.link")


class KGExplainer:
    """Paths through shared entities between the recommended item and the history items it owes most to.

    Args:
        dataset: ids and titles.
        graph: the knowledge graph.
        top_n: paths kept per explanation.
        candidates: items that may be recommended (for ranks).
    """

    method: ClassVar[ExplainMethod] = ExplainMethod.KG

    def __init__(self, dataset: Dataset, graph: KnowledgeGraph, *, top_n: int | None = 5,
                 candidates: IndexArray | None = None) -> None:
        self.dataset = dataset
        self.graph = graph
        self.top_n = top_n
        self.candidates = candidates

    def supports(self, model: Recommender) -> bool:
        """Works with any model (contributions are exact for additive ones)."""
        return True

    def explain(self, model: Recommender, history: History, items: IndexArray,
                scored: ScoredHistory | None = None) -> list[Explanation]:
        """One Explanation per item whose evidence is KG paths (possibly none)."""
        scored = scored or ScoredHistory(model, history, self.dataset.n_items, self.candidates)
        items = np.asarray(items, dtype=np.int32)
        started = time.perf_counter()
        hist_items, per_history, _ = history_attribution(model, history, items, self.dataset.n_items)
        ids = self.dataset.items
        hist_neighbours = {int(j): {(r, e) for r, e in self.graph.neighbours(ids.id_of(int(j)))
                                    if self.graph.degree.get(e, 0) <= _MAX_ENTITY_DEGREE} for j in hist_items}
        per_item_ms = (time.perf_counter() - started) * 1000 / max(1, len(items))
        out = []
        for row, item in enumerate(items):
            t0 = time.perf_counter()
            item_id = ids.id_of(int(item))
            mine = set(self.graph.neighbours(item_id))
            paths = []
            for column in np.argsort(-per_history[row], kind="stable"):
                j = int(hist_items[column])
                weight = float(per_history[row, column])
                if weight <= 0:
                    break
                for relation, entity in sorted(mine & hist_neighbours[j]):
                    paths.append((weight, item_id, relation, entity, ids.id_of(j), self.dataset.catalog.label(j)))
                if self.top_n is not None and len(paths) >= self.top_n:
                    break
            paths = paths[: self.top_n] if self.top_n is not None else paths
            score = float(scored.scores[item])
            evidence = tuple(
                Evidence(kind=EvidenceKind.KG_PATH, ref=f"{i}|{rel}|{ent}|{rel}|{j}",
                         label=f"same {rel} ({ent}) as {title}", weight=w, share=w / score if score else 0.0)
                for w, i, rel, ent, j, title in paths)
            out.append(Explanation(
                user_id=history.user_id, item_id=item_id, score=score, rank=scored.rank(int(item)),
                model=model.name, method=self.method, evidence=evidence,
                elapsed_ms=per_item_ms + (time.perf_counter() - t0) * 1000,
            ))
        return out
