"""The per-user state cache stays within its byte bound, whatever users ask for."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from whyrec.serve.app import create_app
from whyrec.serve.user_state import deep_size

from tests.serve.runs import ease_run, settings_for  # noqa: F401 (fixtures)

BOUND = 600_000


def test_many_users_never_push_the_cache_over_its_byte_bound(ease_run: Path, tmp_path: Path) -> None:
    settings = settings_for(ease_run, f"sqlite:///{tmp_path / 'db.sqlite3'}", cache_bytes=BOUND,
                            cache_state_bytes=150_000)
    with TestClient(create_app(settings)) as c:
        states = c.app.state.service.states
        for n in range(40):
            user = str(1 + n)  # known users: training histories, so model lists and exact explanations
            for k in (3, 10):
                response = c.get(f"/v1/users/{user}/recommendations", params={"k": k, "explain": "true"})
                assert response.status_code == 200
                assert states.bytes_used <= BOUND
        assert states.evictions > 0 and 0 < states.entries < 40
        cached = [states._states.get(str(1 + n)) for n in range(40)]
        assert states.bytes_used == sum(s.nbytes for s in cached if s is not None)  # the accounting is exact
        text = c.get("/metrics").text
        assert f"whyrec_user_cache_max_bytes {float(BOUND)}" in text
        assert "whyrec_user_cache_evictions_total" in text and "whyrec_user_cache_entries" in text


def test_one_users_explanations_are_bounded(ease_run: Path, tmp_path: Path) -> None:
    """Every k of 1..100 keeps a separate set of explanations: without a per-state bound they pile up."""
    settings = settings_for(ease_run, f"sqlite:///{tmp_path / 'db.sqlite3'}", cache_state_bytes=200_000)
    with TestClient(create_app(settings)) as c:
        states = c.app.state.service.states
        for k in range(1, 60, 3):
            c.get("/v1/users/196/recommendations", params={"k": k, "explain": "true"})
            state = states._states.get("196")
            assert state is not None
            assert state.explanations.nbytes + state.rendered.nbytes <= 200_000


def test_state_sizes_are_measured() -> None:
    from whyrec.explain.explanation import (
        Evidence,
        EvidenceKind,
        ExplainMethod,
        Explanation,
    )

    evidence = tuple(Evidence(kind=EvidenceKind.HISTORY_ITEM, ref=str(i), label="x" * 100, weight=0.1, share=0.1)
                     for i in range(5))
    explanation = Explanation(user_id="u", item_id="i", score=1.0, rank=1, model="ease", method=ExplainMethod.EXACT,
                              evidence=evidence)
    assert deep_size(explanation) > 5 * 100 > 0  # at least the labels
    assert deep_size(explanation) > len(explanation.model_dump_json())
