"""DeepFM's field attributions in the why panel, against the API, in English and Chinese."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.web.conftest import SmallRunServer

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_the_why_panel_draws_deepfm_fields_as_the_api_gives_them(deepfm_page: Page, deepfm_server: SmallRunServer,
                                                                   shots: Path) -> None:
    listed = deepfm_server.explained_list()
    assert listed["model"] == "deepfm"
    first_item = listed["items"][0]
    fields = first_item["explanation"]["fields"]
    assert fields["baseline"] == "zeros" and fields["fields"][0]["field"] == "item"
    first = deepfm_server.open_first_why(deepfm_page, first_item["item_id"])
    bars = first.locator("svg.fields rect.bar")
    expect(bars.first).to_be_visible()
    rows = [(b.get_attribute("data-kind"), b.get_attribute("data-field"),
             float(b.get_attribute("data-weight") or "nan")) for b in bars.all()]
    drawn = [(name, weight) for kind, name, weight in rows if kind == "field"]
    assert drawn == [(f["field"], f["weight"]) for f in fields["fields"]]
    assert rows[-1][0] == "baseline" and rows[-1][2] == fields["baseline_score"]
    assert abs(sum(weight for _, _, weight in rows) - first_item["score"]) < 1e-6  # fields, residual, baseline
    labels = first.locator("svg.fields text.label").all_text_contents()
    assert any(t.startswith("category: ") for t in labels) and any(t.startswith("your gender: ") for t in labels)
    first.screenshot(path=str(shots / "shopper-deepfm-fields-en.png"))

    deepfm_page.get_by_role("button", name="中文").click()
    expect(deepfm_page.locator("html")).to_have_attribute("lang", "zh-CN")
    zh = deepfm_page.locator(".card").first.locator("svg.fields text.label")
    expect(zh.first).to_contain_text(CJK)
    texts = zh.all_text_contents()
    assert len(texts) == len(rows) and all(CJK.search(t) for t in texts), texts
    assert any(t.startswith("类别：") for t in texts) and any(t.startswith("你的性别：") for t in texts)
