"""Every hyperparameter of every registered model is named in docs/concepts/glossary.md."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from whyrec.models import MODEL_NAMES, model_class

GLOSSARY = Path(__file__).parents[2] / "docs" / "concepts" / "glossary.md"


def glossary_names() -> set[str]:
    return set(re.findall(r"^\| `([a-z_]+)` \|", GLOSSARY.read_text(), flags=re.MULTILINE))


@pytest.mark.parametrize("name", sorted(MODEL_NAMES))
def test_hyperparameters_come_from_the_glossary(name: str) -> None:
    fields = set(model_class(name).config_class.model_fields)
    unknown = fields - glossary_names()
    assert not unknown, f"{name} uses {sorted(unknown)}, which docs/concepts/glossary.md does not define"


def test_glossary_is_parsed() -> None:
    assert {"seed", "regularization", "embedding_size", "n_neighbors"} <= glossary_names()
