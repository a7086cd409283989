"""Training a run from a newer export, starting from a previous run (``whyrec train --warm-start DIR``).

What is reused: the previous run's model and hyperparameters, its split protocol and its data settings
(event weights, cleaning rules), unless the command gives new ones; and, for a model that can start from
learned arrays (:class:`~whyrec.models.capabilities.WarmStartable`: ALS, BPR), the item factors of every
item the previous run knew, found by id. New items start from small random factors, as a cold fit would.
The new run has its own id maps (every id of the new export, in PROTOCOL.md order) and its own split.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from whyrec.data.idmap import IdMap
from whyrec.models.capabilities import WarmStartable
from whyrec.runs import Run

__all__ = ["WarmState", "warm_state"]

_INIT_SCALE = 0.01  # implicit's own initialisation: uniform [0, 0.01)


@dataclass(frozen=True)
class WarmState:
    """Arrays a new fit starts from.

    Attributes:
        arrays: the previous model's `state()`, re-indexed to the new items.
        reused: items whose rows come from the previous run.
        new: items the previous run did not know.
    """

    arrays: dict[str, np.ndarray]
    reused: int
    new: int


def warm_state(previous: Run, items: IdMap, *, seed: int = 0) -> WarmState | None:
    """The previous model's per-item arrays for the items `items` (None when the model cannot warm-start).

    Args:
        previous: the run to start from.
        items: the new dataset's items.
        seed: seed of the random rows of new items.
    """
    if not isinstance(previous.model, WarmStartable):
        return None
    old_items = previous.dataset.items
    position = old_items.indices_of(list(items.ids), missing="mark")
    known = position >= 0
    rng = np.random.default_rng(seed)
    arrays: dict[str, np.ndarray] = {}
    for name, array in previous.model.state().items():
        array = np.asarray(array, dtype=np.float32)
        if array.shape[:1] != (len(old_items),):
            return None  # not one row per item: nothing to carry over by id
        fresh = (rng.random((len(items), *array.shape[1:]), dtype=np.float32) * _INIT_SCALE if array.ndim > 1
                 else np.zeros(len(items), dtype=np.float32))
        fresh[known] = array[position[known]]
        arrays[name] = fresh
    return WarmState(arrays, int(known.sum()), int((~known).sum()))
