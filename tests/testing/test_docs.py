"""The example in docs/concepts/contracts.md is the test file that runs."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_doc_example_is_the_tested_file() -> None:
    doc = (ROOT / "docs/concepts/contracts.md").read_text()
    match = re.search(r"<!-- example: (\S+) -->\n```python\n(.*?)```\n", doc, flags=re.DOTALL)
    assert match is not None, "docs/concepts/contracts.md lost its example block"
    path, code = match.groups()
    assert path == "tests/testing/test_third_party_example.py"
    assert code == (ROOT / path).read_text()
