"""Mult-VAE's KL annealing: unset, it spans a fixed number of epochs whatever the number of users."""

from __future__ import annotations

from whyrec.models.torch.multvae import ANNEAL_EPOCHS, MultVAE
from whyrec.testing import blocks

SMALL = {"embedding_size": 8, "hidden_size": 16, "epochs": 2, "batch_size": 16}


def test_unset_annealing_spans_the_same_epochs_for_any_batch_count() -> None:
    data = blocks()  # 40 users
    for batch_size, batches in ((16, 3), (8, 5)):
        model = MultVAE(**{**SMALL, "batch_size": batch_size}).fit(data)
        assert model.anneal_steps_ == ANNEAL_EPOCHS * batches
    assert MultVAE(**SMALL, anneal_steps=7).fit(data).anneal_steps_ == 7
