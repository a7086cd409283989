"""SASRec's attention heatmap in the why panel, against the API."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.web.conftest import SmallRunServer


def test_the_why_panel_draws_the_attention_heatmap_the_api_gives(sasrec_page: Page, sasrec_server: SmallRunServer,
                                                                  shots: Path) -> None:
    listed = sasrec_server.explained_list()
    assert listed["model"] == "sasrec"
    attention = listed["items"][0]["explanation"]["attention"]
    assert attention["method"] == "rollout" and len(attention["positions"]) == 8
    first = sasrec_server.open_first_why(sasrec_page, listed["items"][0]["item_id"])
    cells = first.locator("svg.heatmap rect.cell")
    expect(cells).to_have_count(8)
    drawn = [(c.get_attribute("data-item"), float(c.get_attribute("data-share") or "nan")) for c in cells.all()]
    assert drawn == [(p["item_id"], p["share"]) for p in attention["positions"]]
    opacity = [float(c.get_attribute("fill-opacity") or "nan") for c in cells.all()]
    strongest = max(range(8), key=lambda i: drawn[i][1])
    assert opacity[strongest] == max(opacity) == 1.0  # the darkest cell is the largest share
    first.screenshot(path=str(shots / "shopper-sasrec-attention-en.png"))
