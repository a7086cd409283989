"""Knowledge-graph paths: recommended item -> relation -> entity <- relation <- history item.

Paths are ranked by the history item's contribution to the score, so a path is shown only when the model
actually leaned on that history item. ml-100k ships a Freebase-derived graph (``ml-100k.kg``, ``.link``)
in the recbole wheel; entities there have ids, not names, so labels name the relation and the entity id.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from whyrec._types import IndexArray
from whyrec.data.dataset import Dataset
from whyrec.data.history import History
from whyrec.errors import ConfigError
from whyrec.explain.base import BaseExplainer, ExplainerConfig, HistoryWeights, ItemEvidence, ScoredHistory
from whyrec.explain.counterfactual import history_attribution
from whyrec.explain.explanation import Evidence, EvidenceKind, ExplainMethod
from whyrec.models.base import Recommender

__all__ = ["KGExplainer", "KnowledgeGraph", "load_kg", "load_ml100k_kg", "shipped_graph"]

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


@cache
def load_ml100k_kg() -> KnowledgeGraph:
    """The ml-100k graph from the cached recbole wheel (read once per process; the graph is immutable)."""
    from whyrec.data.builtin import ml100k_dir

    folder = ml100k_dir()
    return load_kg(folder / "ml-100k.kg", folder / "ml-100k.link")


#: The graphs whyrec ships, by the built-in dataset they describe (a split or sample keeps its name as prefix).
_SHIPPED: dict[str, Callable[[], KnowledgeGraph]] = {"ml-100k": load_ml100k_kg}


def shipped_graph(dataset: Dataset) -> Callable[[], KnowledgeGraph] | None:
    """The loader of the graph whyrec ships for `dataset`, or None when it ships none."""
    return next((load for name, load in _SHIPPED.items() if dataset.name.startswith(name)), None)


class KGExplainer(BaseExplainer[tuple[HistoryWeights, dict[int, set[tuple[str, str]]]]]):
    """Paths through shared entities between the recommended item and the history items it owes most to.

    Args:
        dataset: ids and titles.
        graph: the knowledge graph (default: the one whyrec ships for `dataset`, see `supports_dataset`).
        config: the knobs (``top_n`` paths kept per explanation, ``candidates``), or as `**knobs`.
    """

    method: ClassVar[ExplainMethod] = ExplainMethod.KG
    served: ClassVar[bool] = True

    def __init__(self, dataset: Dataset, graph: KnowledgeGraph | None = None, config: ExplainerConfig | None = None,
                 /, **knobs: Any) -> None:
        super().__init__(dataset, config, **knobs)
        if graph is None:
            load = shipped_graph(dataset)
            if load is None:
                raise ConfigError(self.dataset_requirement(dataset), field="method")
            graph = load()
        self.graph = graph

    @classmethod
    def supports_dataset(cls, dataset: Dataset) -> bool:
        """Whether whyrec ships a knowledge graph for `dataset` (one for ml-100k)."""
        return shipped_graph(dataset) is not None

    @classmethod
    def dataset_requirement(cls, dataset: Dataset) -> str:
        """Which datasets have a graph."""
        return (f"method {cls.method.value!r} needs a knowledge graph; whyrec ships one for "
                f"{', '.join(_SHIPPED)} only, not for {dataset.name!r}.")

    def attribute(self, model: Recommender, history: History, items: IndexArray,
                  scored: ScoredHistory) -> tuple[HistoryWeights, dict[int, set[tuple[str, str]]]]:
        """Contributions of the history items, and each history item's (relation, entity) neighbours."""
        hist_items, per_history, baselines = history_attribution(model, history, items, self.dataset.n_items)
        ids = self.dataset.items
        hist_neighbours = {int(j): {(r, e) for r, e in self.graph.neighbours(ids.id_of(int(j)))
                                    if self.graph.degree.get(e, 0) <= _MAX_ENTITY_DEGREE} for j in hist_items}
        return HistoryWeights(hist_items, per_history, baselines), hist_neighbours

    def describe(self, state: tuple[HistoryWeights, dict[int, set[tuple[str, str]]]], row: int, item: int,
                 score: float) -> ItemEvidence:
        """KG paths (possibly none), through the history items that add most to the score first."""
        attribution, hist_neighbours = state
        ids = self.dataset.items
        item_id = ids.id_of(item)
        mine = set(self.graph.neighbours(item_id))
        paths = []
        for column in np.argsort(-attribution.weights[row], kind="stable"):
            j = int(attribution.items[column])
            weight = float(attribution.weights[row, column])
            if weight <= 0:
                break
            for relation, entity in sorted(mine & hist_neighbours[j]):
                paths.append((weight, item_id, relation, entity, ids.id_of(j), self.dataset.catalog.label(j)))
            if self.top_n is not None and len(paths) >= self.top_n:
                break
        paths = paths[: self.top_n] if self.top_n is not None else paths
        return ItemEvidence(evidence=tuple(
            Evidence(kind=EvidenceKind.KG_PATH, ref=f"{i}|{rel}|{ent}|{rel}|{j}",
                     label=f"same {rel} ({ent}) as {title}", weight=w, share=w / score if score else 0.0)
            for w, i, rel, ent, j, title in paths))
