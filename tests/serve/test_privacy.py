"""Privacy: no server paths or URLs in responses or metrics, hashed user ids in logs, erasure that says
what it removed."""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi.testclient import TestClient

from whyrec.serve.access_log import ACCESS_LOGGER, pseudonym
from whyrec.serve.app import create_app

from tests.serve.runs import ADMIN_TOKEN, ease_run, settings_for  # noqa: F401 (fixtures)


def test_no_path_or_url_in_errors_or_metrics(ease_run: Path, tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite3"
    with TestClient(create_app(settings_for(ease_run, f"sqlite:///{db}"))) as c:
        bad = c.post("/v1/admin/reload", json={"run_dir": str(tmp_path / "no-run")},
                     headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
        assert bad.status_code == 422 and str(tmp_path) not in bad.text and "no-run" in bad.text
        metrics = c.get("/metrics").text
        assert str(ease_run.parent) not in metrics and 'run="ease"' in metrics
        db.unlink()
        down = c.post("/v1/events", json={"events": [{"user_id": "u", "item_id": "50"}]})
        assert down.status_code == 503 and str(tmp_path) not in down.text and "sqlite" not in down.text
        assert str(tmp_path) not in c.get("/readyz").text


def test_the_access_log_has_hashed_user_ids(ease_run: Path, tmp_path: Path) -> None:
    settings = settings_for(ease_run, f"sqlite:///{tmp_path / 'db.sqlite3'}", access_log=True,
                            log_salt="a-salt-for-this-test")
    records: list[logging.LogRecord] = []
    catcher = logging.Handler()
    catcher.emit = records.append  # type: ignore[method-assign]
    logging.getLogger(ACCESS_LOGGER).addHandler(catcher)
    try:
        with TestClient(create_app(settings)) as c:
            c.get("/v1/users/shopper-42/recommendations")
            c.delete("/v1/users/shopper-42")
            c.get("/v1/users/shopper-42%0A/profile")  # a bad id: 422, still not logged raw
    finally:
        logging.getLogger(ACCESS_LOGGER).removeHandler(catcher)
    lines = [r.getMessage() for r in records]
    assert len(lines) == 3 and not any("shopper-42" in line for line in lines)
    hashed = pseudonym("shopper-42", b"a-salt-for-this-test")
    assert lines[0].startswith(f"GET /v1/users/{hashed}/recommendations 200")
    assert lines[1].startswith(f"DELETE /v1/users/{hashed} 200")


def test_the_api_docs_load_no_third_party_script(ease_run: Path, tmp_path: Path) -> None:
    import re

    with TestClient(create_app(settings_for(ease_run, f"sqlite:///{tmp_path / 'db.sqlite3'}", auth=True))) as c:
        for page in ("/docs", "/redoc"):
            html = c.get(page)
            assert html.status_code == 200
            sources = re.findall(r'(?:src|href)="([^"]+)"', html.text)
            assert sources and all(s.startswith("/") for s in sources), sources  # nothing from a CDN
            for source in sources:
                if source.startswith("/docs-assets/"):
                    assert c.get(source).status_code == 200, source
