"""Every error and warning whyrec raises lives in whyrec.errors, and its docstring draws the whole tree."""

from __future__ import annotations

import importlib
import pkgutil

import whyrec
from whyrec import errors


def _subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub, *_subclasses(sub)}
    return found


def test_every_error_is_defined_in_whyrec_errors_and_drawn_in_its_tree() -> None:
    for module in pkgutil.walk_packages(whyrec.__path__, "whyrec."):  # every module, so every class is seen
        importlib.import_module(module.name)
    classes = _subclasses(errors.WhyrecError) | _subclasses(errors.WhyrecWarning)
    assert {errors.StorageError, errors.LLMTimeoutError, errors.ItemNotFoundError} <= classes
    stray = sorted(f"{c.__module__}.{c.__name__}" for c in classes if c.__module__ != "whyrec.errors")
    assert stray == []
    tree = errors.__doc__ or ""
    assert sorted(c.__name__ for c in classes if c.__name__ not in tree) == []
    assert sorted(errors.__all__) == sorted(c.__name__ for c in classes | {errors.WhyrecError, errors.WhyrecWarning})
