"""A real `whyrec serve` on 127.0.0.1 and one headless Chromium (Debian's) for the browser tests.

The server and the browser are started once for the session; each test gets its own page, which records
every request it makes, so that a test fails when the page asks anything of a host other than 127.0.0.1.
Screenshots go to a temporary folder (printed at the end), or to ``$WHYREC_SCREENSHOTS`` when set (``make
screenshots`` writes docs/screenshots/ that way).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from whyrec.data import Dataset
from whyrec.data.loading import DataSource
from whyrec.evaluate import Split, split_dataset
from whyrec.evaluate.evaluator import evaluate
from whyrec.models import EASE
from whyrec.models.popular import MostPopular
from whyrec.models.registry import create_model
from whyrec.runs import RunMeta, save_run

from tests.serve.test_serve_process import free_port, whyrec_serve

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
LOCAL_HOSTS = {"127.0.0.1"}


def _need_chromium() -> None:
    """Skip without Chromium and Playwright, except in CI (``make test`` installs both), where it fails."""
    missing = [what for what, ok in (("chromium", Path(CHROMIUM).exists()), ("playwright", _has_playwright()))
               if not ok]
    if missing:
        message = f"browser tests need {' and '.join(missing)} (`make browser-deps` installs them)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


def _has_playwright() -> bool:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.fixture(scope="session")
def web_runs(ml100k: Dataset, ml100k_split: Split, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of two runs of ml-100k, EASE and popularity, with their test metrics, per-user metrics and split
    (as `whyrec train` saves them)."""
    folder = tmp_path_factory.mktemp("web-runs")
    for model in (MostPopular(), EASE()):
        model.fit(ml100k_split.fit)
        result = evaluate(model, ml100k_split)
        meta = RunMeta(model=model.name, params=model.config.model_dump(), data=DataSource(source="ml-100k"),
                       dataset_fingerprint=ml100k.fingerprint, n_items=ml100k.n_items, protocol=ml100k_split.protocol,
                       metrics=result.summary)
        save_run(folder / model.name, model, meta, split=ml100k_split, per_user=result.per_user)
    return folder


@pytest.fixture(scope="session")
def ease_web_run(web_runs: Path) -> Path:
    """The EASE run the server serves."""
    return web_runs / "ease"


@pytest.fixture(scope="session")
def server(ease_web_run: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of `whyrec serve` on an EASE run of ml-100k, with its own SQLite store; the analyst view
    reports on both runs of its folder."""
    _need_chromium()
    db = tmp_path_factory.mktemp("web-db") / "events.sqlite3"
    port = free_port()
    with whyrec_serve(ease_web_run, f"sqlite:///{db}", port):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """One headless Chromium for the session."""
    _need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots are saved (the test artefacts)."""
    chosen = os.environ.get("WHYREC_SCREENSHOTS")
    folder = Path(chosen) if chosen else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@contextmanager
def _recorded_page(browser: object, base_url: str) -> Iterator[object]:
    """A fresh page (1200 x 900) on `base_url`; afterwards, no request may have left 127.0.0.1 and no script may
    have thrown."""
    context = browser.new_context(viewport={"width": 1200, "height": 900}, base_url=base_url)  # type: ignore[attr-defined]
    opened = context.new_page()
    requested: list[str] = []
    errors: list[str] = []
    opened.on("request", lambda request: requested.append(request.url))
    opened.on("pageerror", lambda error: errors.append(str(error)))
    opened.set_default_timeout(10_000)
    yield opened
    context.close()
    outside = [u for u in requested
               if urlsplit(u).scheme not in ("data", "blob") and urlsplit(u).hostname not in LOCAL_HOSTS]
    assert requested and not outside, f"requests outside 127.0.0.1: {outside}"
    assert not errors, f"script errors: {errors}"


@pytest.fixture
def page(browser: object, server: str) -> Iterator[object]:
    """A recorded page on the EASE server (see `_recorded_page`)."""
    with _recorded_page(browser, server) as opened:
        yield opened


@dataclass(frozen=True)
class SmallRunServer:
    """`whyrec serve` on a small run of a synthetic shop: its base URL and a user of its training data."""

    url: str
    user: str

    def explained_list(self) -> dict[str, Any]:
        """The user's explained top 10 from the API (what the page draws)."""
        answer: dict[str, Any] = httpx.get(f"{self.url}/v1/users/{self.user}/recommendations",
                                           params={"k": 10, "explain": True}, timeout=30).json()
        return answer

    def open_first_why(self, page: Any, item_id: str) -> Any:
        """Open the user's page, check its first card is `item_id`, open its why panel and return the card."""
        from playwright.sync_api import expect

        page.goto(f"/?user={self.user}")
        first = page.locator(".card").first
        expect(first).to_have_attribute("data-item", item_id)
        first.get_by_role("button", name="Why?").click()
        return first


@contextmanager
def _serve_small_run(tmp_path_factory: pytest.TempPathFactory, model_name: str,
                     **params: object) -> Iterator[SmallRunServer]:
    """Fit `model_name` with `params` on a small synthetic shop (5,000 events), save the run and serve it."""
    _need_chromium()
    source = DataSource(source="synthetic", synthetic_events=5_000, seed=1)
    dataset, _ = source.load()
    split = split_dataset(dataset)
    model = create_model(model_name, **params).fit(split.fit)
    meta = RunMeta(model=model.name, params=model.config.model_dump(), data=source,
                   dataset_fingerprint=dataset.fingerprint, n_items=dataset.n_items, protocol=split.protocol)
    run = save_run(tmp_path_factory.mktemp(f"{model_name}-run") / model_name, model, meta, split=split)
    db = tmp_path_factory.mktemp(f"{model_name}-db") / "events.sqlite3"
    port = free_port()
    with whyrec_serve(run, f"sqlite:///{db}", port):
        yield SmallRunServer(f"http://127.0.0.1:{port}", split.fit.users.id_of(0))


@pytest.fixture(scope="session")
def deepfm_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SmallRunServer]:
    """DeepFM, one short epoch."""
    with _serve_small_run(tmp_path_factory, "deepfm", embedding_size=8, hidden_size=16, epochs=1, n_negatives=1,
                          batch_size=4096) as served:
        yield served


@pytest.fixture(scope="session")
def sasrec_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SmallRunServer]:
    """SASRec over the last 8 events, one epoch."""
    with _serve_small_run(tmp_path_factory, "sasrec", embedding_size=16, max_length=8, epochs=1,
                          batch_size=256) as served:
        yield served


@pytest.fixture
def deepfm_page(browser: object, deepfm_server: SmallRunServer) -> Iterator[object]:
    """A recorded page on the DeepFM server."""
    with _recorded_page(browser, deepfm_server.url) as opened:
        yield opened


@pytest.fixture
def sasrec_page(browser: object, sasrec_server: SmallRunServer) -> Iterator[object]:
    """A recorded page on the SASRec server."""
    with _recorded_page(browser, sasrec_server.url) as opened:
        yield opened
