"""The analyst view in a real browser: the runs report's charts and the live numbers from /metrics."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect


def test_the_analyst_view_draws_the_runs_and_the_live_numbers(page: Page, server: str, ease_web_run: Path,
                                                               shots: Path) -> None:
    httpx.get(f"{server}/v1/users/196/recommendations", timeout=10)  # some traffic for the latency tile
    meta = json.loads((ease_web_run / "meta.json").read_text())
    page.goto("/analyst?every=300")
    expect(page.locator("#report svg.chart").first).to_be_visible()
    assert page.locator("#report svg.chart").count() >= 5
    bars = page.locator('#report svg.chart[aria-label="model comparison @10"] rect.bar')
    assert f"{meta['metrics']['ndcg@10']:.6g}" in [b.get_attribute("data-value") for b in bars.all()]
    assert bars.count() == 2 * 6  # two runs (ease, pop) x six ranking metrics
    expect(page.locator("#report table.metrics tbody tr")).to_have_count(2)
    expect(page.locator("#live-latency .value")).to_have_text(re.compile(r"^\d+\.\d / \d+\.\d / \d+\.\d ms$"))
    expect(page.locator("#live-cache .value")).to_have_text(re.compile(r"^\d+\.\d%$"))
    expect(page.locator("#live-events .value")).to_have_text(re.compile(r"^\d+\.\d$"))  # after the second poll
    page.screenshot(path=str(shots / "analyst.png"), full_page=True)
    page.get_by_role("button", name="中文").click()  # the report's body switches too (whyrec report --lang zh)
    expect(page.locator("#report h2").first).to_contain_text("中的运行记录")
    expect(page.locator('#report svg.chart[aria-label="模型对比 @10"]')).to_have_count(1)
