"""Every hyperparameter of every registered model, and every split parameter, is named in docs/concepts/glossary.md."""

from __future__ import annotations

import re
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel

from whyrec.evaluate.splits import SplitProtocol
from whyrec.models import MODEL_NAMES, model_class

GLOSSARY = Path(__file__).parents[2] / "docs" / "concepts" / "glossary.md"


def glossary_names() -> set[str]:
    return set(re.findall(r"^\| `([a-z_]+)` \|", GLOSSARY.read_text(), flags=re.MULTILINE))


def splitters() -> list[type[BaseModel]]:
    """Every split the run metadata accepts (the members of the SplitProtocol union)."""
    union, *_ = typing.get_args(SplitProtocol)  # Annotated[A | B | ..., Field(discriminator="kind")]
    return list(typing.get_args(union))


@pytest.mark.parametrize("name", sorted(MODEL_NAMES))
def test_hyperparameters_come_from_the_glossary(name: str) -> None:
    fields = set(model_class(name).config_class.model_fields)
    unknown = fields - glossary_names()
    assert not unknown, f"{name} uses {sorted(unknown)}, which docs/concepts/glossary.md does not define"


@pytest.mark.parametrize("splitter", splitters(), ids=lambda cls: cls.__name__)
def test_split_parameters_come_from_the_glossary(splitter: type[BaseModel]) -> None:
    unknown = set(splitter.model_fields) - {"kind"} - glossary_names()
    assert not unknown, f"{splitter.__name__} uses {sorted(unknown)}, which docs/concepts/glossary.md does not define"


def test_a_split_parameter_means_one_thing_in_every_split() -> None:
    seen: dict[str, set[tuple[object, object]]] = {}
    for splitter in splitters():
        for name, field in splitter.model_fields.items():
            if name != "kind":
                seen.setdefault(name, set()).add((field.annotation, field.default))
    assert {"test_percent", "valid_percent"} <= set(seen)
    assert {name: kinds for name, kinds in seen.items() if len(kinds) > 1} == {}


def test_glossary_is_parsed() -> None:
    assert {"seed", "regularization", "embedding_size", "n_neighbors", "test_percent"} <= glossary_names()
