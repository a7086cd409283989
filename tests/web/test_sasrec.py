"""SASRec's attention heatmap in the why panel, against the API."""

from __future__ import annotations

from pathlib import Path

import httpx
from playwright.sync_api import Page, expect

from tests.web.conftest import SmallRunServer


def test_the_why_panel_draws_the_attention_heatmap_the_api_gives(sasrec_page: Page, sasrec_server: SmallRunServer,
                                                                  shots: Path) -> None:
    user = sasrec_server.user
    listed = httpx.get(f"{sasrec_server.url}/v1/users/{user}/recommendations", params={"k": 10, "explain": True},
                       timeout=30).json()
    assert listed["model"] == "sasrec"
    attention = listed["items"][0]["explanation"]["attention"]
    assert attention["method"] == "rollout" and len(attention["positions"]) == 8
    page = sasrec_page
    page.goto(f"/?user={user}")
    first = page.locator(".card").first
    expect(first).to_have_attribute("data-item", listed["items"][0]["item_id"])
    first.get_by_role("button", name="Why?").click()
    cells = first.locator("svg.heatmap rect.cell")
    expect(cells).to_have_count(8)
    drawn = [(c.get_attribute("data-item"), float(c.get_attribute("data-share") or "nan")) for c in cells.all()]
    assert drawn == [(p["item_id"], p["share"]) for p in attention["positions"]]
    opacity = [float(c.get_attribute("fill-opacity") or "nan") for c in cells.all()]
    strongest = max(range(8), key=lambda i: drawn[i][1])
    assert opacity[strongest] == max(opacity) == 1.0  # the darkest cell is the largest share
    first.screenshot(path=str(shots / "shopper-sasrec-attention-en.png"))
