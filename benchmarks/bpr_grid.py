"""BPR settings on validation (or test): fit once per training setting, score with each fold-in setting.

Prints popularity, then per training setting the fit time and, per scoring setting, NDCG@10 and the
correlation of the learned item bias with log item popularity (0 means the bias learned no popularity).

Run: PYTHONPATH=src nice -n 10 .venv/bin/python benchmarks/bpr_grid.py DATA SPLIT SETTINGS
  DATA: ml-100k, or beauty:EVENTS[:SEED] (synthetic-beauty, leave-last-out); SPLIT: valid or test;
  SETTINGS: a Python list of (training kwargs, [scoring kwargs, ...]), e.g.
  "[(dict(negatives='uniform'), [dict(), dict(fold_in='least-squares')])]"
"""

from __future__ import annotations

import sys
import time

import numpy as np

from whyrec.data.loading import DataSource
from whyrec.evaluate import rank_split, score_ranking, split_dataset
from whyrec.evaluate.splits import make_splitter
from whyrec.evaluate.validation import ValidationSet
from whyrec.models import BPR, create_model
from whyrec.models.bpr import BPRConfig


def main() -> None:
    data, which, settings = sys.argv[1], sys.argv[2], sys.argv[3]
    if data.startswith("beauty"):
        _, events, *seed = data.split(":")
        dataset, _ = DataSource(source="synthetic-beauty", synthetic_events=int(events),
                                seed=int(seed[0]) if seed else 0).load()
        parts = split_dataset(dataset, make_splitter("leave-last-out"))
    else:
        dataset, _ = DataSource(source=data).load()
        parts = split_dataset(dataset)
    train = parts.train if which == "valid" else parts.fit
    validation = ValidationSet.from_split(parts)

    def ndcg(model: object) -> float:
        if which == "valid":
            return validation.ndcg(model)  # type: ignore[arg-type]
        return score_ranking(rank_split(model, parts, k=10), ks=(10,))[1]["ndcg@10"]  # type: ignore[arg-type]

    counts = np.asarray((train.interactions > 0).sum(axis=0)).ravel()
    active = counts > 0
    print(data, which, "popularity", round(ndcg(create_model("pop").fit(train)), 4), flush=True)
    for fit_kw, scorings in eval(settings, {"dict": dict}):  # a literal list of dicts, from the command line
        started = time.perf_counter()
        model = BPR(**{"seed": 0, **fit_kw}).fit(train)
        corr = np.corrcoef(model.item_bias_[active], np.log(counts[active]))[0, 1]
        print(f"fit {time.perf_counter() - started:.1f}s {fit_kw} corr(bias, log popularity) {corr:.2f}", flush=True)
        for score_kw in scorings:
            started = time.perf_counter()
            scorer = BPR.from_state(BPRConfig(**{"seed": 0, **fit_kw, **score_kw}), model.state(), train.n_items)
            print(f"   {ndcg(scorer):.4f} score {time.perf_counter() - started:.1f}s {score_kw}", flush=True)


if __name__ == "__main__":
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    main()
