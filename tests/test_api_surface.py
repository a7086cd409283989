"""The root package's public names: a sorted `__all__`, every name importable, and a light ``import whyrec``."""

from __future__ import annotations

import subprocess
import sys

import pytest

import whyrec


def test_all_is_sorted_and_unique() -> None:
    assert whyrec.__all__ == sorted(set(whyrec.__all__))


def test_every_public_name_imports() -> None:
    namespace: dict[str, object] = {}
    exec("from whyrec import *", namespace)  # what a star import gives is what __all__ promises
    missing = [name for name in whyrec.__all__ if name not in namespace]
    assert missing == []
    assert namespace["Dataset"].__module__ == "whyrec.data.dataset"  # type: ignore[attr-defined]
    assert set(whyrec.__all__) <= set(dir(whyrec))


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'no_such_name'"):
        _ = whyrec.no_such_name  # type: ignore[attr-defined]


def test_importing_whyrec_and_its_public_names_does_not_import_torch() -> None:
    code = ("import sys, whyrec; light = 'pandas' not in sys.modules; from whyrec import *; "
            "print(light, 'torch' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "False"]  # pandas only on first use of a name; torch never
