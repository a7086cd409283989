"""Approximate top-k retrieval for models that score by inner products (ALS, BPR, LightGCN).

Above a catalog size (`RetrievalConfig.threshold`, 50,000 items by default) ``whyrec recommend``, the
service's list endpoint and, when asked, ``whyrec evaluate`` find each list with an HNSW index of the item
vectors (faiss, inner-product metric) instead of scoring every item. The index is kept in the run directory
(``ann/``) and rebuilt when missing or stale. Seen items and filters still hold: the index is asked for more
items than the list needs, the rest are filtered out, and a list left too short is ranked exactly.
"""

from whyrec.retrieval.config import ANN_THRESHOLD, Retrieval, RetrievalConfig, RetrievalMode, uses_index
from whyrec.retrieval.index import ItemIndex, run_index
from whyrec.retrieval.recall import recall_at_k
from whyrec.retrieval.retriever import Retrieved, Retriever, retriever_for

__all__ = ["ANN_THRESHOLD", "ItemIndex", "Retrieval", "RetrievalConfig", "RetrievalMode", "Retrieved", "Retriever",
           "recall_at_k", "retriever_for", "run_index", "uses_index"]
