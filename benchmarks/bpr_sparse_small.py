"""BPR variants against popularity on a small sparse set (12,000 events), with the settings of before 2026-12-02.

Run: .venv/bin/python benchmarks/bpr_sparse_small.py
"""

from whyrec.data.loading import DataSource
from whyrec.evaluate import rank_split, score_ranking, split_dataset
from whyrec.evaluate.splits import make_splitter
from whyrec.models import BPR, create_model

ds, _ = DataSource(source="synthetic-beauty", synthetic_events=12_000, seed=0).load()
parts = split_dataset(ds, make_splitter("leave-last-out"))


def f(model: object) -> float:
    return score_ranking(rank_split(model, parts, k=10), ks=(10,))[1]["ndcg@10"]  # type: ignore[arg-type]


print("pop", f(create_model("pop").fit(parts.fit)))
old = {"negatives": "popularity", "fold_in": "least-squares", "fold_in_negatives": 256}
print("old default bpr 15 epochs 32", f(BPR(embedding_size=32, epochs=15, learning_rate=0.005, seed=0, **old
                                            ).fit(parts.fit)))
print("uniform+bpr foldin", f(BPR(negatives="uniform", fold_in="bpr", fold_in_negatives=256, embedding_size=32,
                                 learning_rate=0.05, regularization=0.001, epochs=15, seed=0).fit(parts.fit)))
print("popsampler lr.05 LS", f(BPR(embedding_size=32, learning_rate=0.05, regularization=0.001, epochs=15,
                                  seed=0, **old).fit(parts.fit)))
