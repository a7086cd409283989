"""The shopper's view in a real browser: cards, the why panel, what-if, feedback, languages, profile, new
shoppers. Each test uses its own user, so they do not depend on each other's events."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Page, expect

CJK = re.compile(r"[\u4e00-\u9fff]")


def api(server: str, method: str, path: str, **kwargs: Any) -> Any:
    response = httpx.request(method, server + path, timeout=10, **kwargs)
    assert response.status_code in (200, 201), response.text
    return response.json()


def open_user(page: Page, user: str, lang: str = "en") -> None:
    page.goto(f"/?user={user}" + ("&lang=zh" if lang == "zh" else ""))
    expect(page.locator(".card")).to_have_count(10)


def card_ids(page: Page) -> list[str]:
    return [c.get_attribute("data-item") or "" for c in page.locator(".card").all()]


def test_why_panel_bars_add_up_to_the_score(page: Page, server: str, shots: Path) -> None:
    open_user(page, "196")
    listed = api(server, "GET", "/v1/users/196/recommendations", params={"k": 10, "explain": True})
    assert card_ids(page) == [r["item_id"] for r in listed["items"]]
    first = page.locator(".card").first
    expect(first.locator(".reason")).to_have_text(listed["items"][0]["explanation"]["reason"]["text"])
    expect(first.locator(".attrs")).to_contain_text("category:")
    expect(first.locator(".trust")).to_contain_text(re.compile(r"evidence strength \d+%"))
    first.get_by_role("button", name="Why?").click()
    expect(first.locator(".why-toggle")).to_have_attribute("aria-expanded", "true")
    bars = first.locator("svg.evidence rect.bar")
    weights = [float(b.get_attribute("data-weight") or "nan") for b in bars.all()]
    kinds = [b.get_attribute("data-kind") for b in bars.all()]
    explanation = listed["items"][0]["explanation"]
    assert kinds[-1] == "baseline" and weights[-1] == explanation["baseline"]
    assert weights[: len(explanation["evidence"])] == [e["weight"] for e in explanation["evidence"]]
    assert abs(sum(weights) - listed["items"][0]["score"]) < 1e-6  # the bars, "other" and the baseline: the score
    expect(first.locator(".cf")).to_contain_text("verified by refitting")
    page.screenshot(path=str(shots / "shopper-why-en.png"))


def test_switching_off_the_top_evidence_moves_the_item_as_the_api_says(page: Page, server: str, shots: Path) -> None:
    open_user(page, "196")
    first = page.locator(".card").first
    item = first.get_attribute("data-item")
    first.get_by_role("button", name="Why?").click()
    switch = first.locator(".whatif input[type=checkbox]").first
    top = switch.get_attribute("data-ref")
    switch.uncheck()
    shown = first.locator(".whatif-rank")
    expect(shown).to_be_visible()
    answer = api(server, "POST", "/v1/users/196/whatif", json={"without": [top], "item_id": item, "k": 10})
    assert answer["rank"] > answer["rank_before"] == 1
    assert shown.get_attribute("data-rank") == str(answer["rank"])
    expect(shown).to_contain_text(f"from No. 1 to No. {answer['rank']}")
    assert [li.get_attribute("data-item") for li in first.locator(".whatif-list li").all()] == [
        i["item_id"] for i in answer["items"]]
    # nothing was written: the list is unchanged
    assert [r["item_id"] for r in api(server, "GET", "/v1/users/196/recommendations")["items"]] == card_ids(page)
    first.screenshot(path=str(shots / "shopper-whatif.png"))


def test_not_interested_changes_the_list_and_the_new_card_says_why(page: Page) -> None:
    open_user(page, "186")
    before = card_ids(page)
    title = page.locator(".card h3").first.inner_text().split(" · ", 1)[1]
    page.locator(".card").first.get_by_role("button", name=re.compile("^Not interested")).click()
    expect(page.locator(f'.card[data-item="{before[0]}"]')).to_have_count(0)
    after = card_ids(page)
    assert len(after) == 10 and after[:9] == before[1:]
    new = page.locator(".card.changed")
    expect(new).to_have_count(1)
    expect(new.locator(".badge")).to_have_text(f"new: because you just hid {title}")


def test_chinese_on_every_line(page: Page, shots: Path) -> None:
    open_user(page, "196")
    page.get_by_role("button", name="中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator(".card .reason").first).to_contain_text(CJK)
    page.locator(".card").first.locator(".why-toggle").click()
    lines = page.locator("h1, h2, h3, .sub, .card p, .card button, .why p, .why legend, .why label, #tags li, "
                         "figcaption, .switch, #download, #erase")
    texts = [t.strip() for t in lines.all_inner_texts() if t.strip()]
    assert len(texts) > 60
    assert [t for t in texts if not CJK.search(t)] == []
    assert page.evaluate("getComputedStyle(document.documentElement).fontFamily").count("Noto Sans CJK SC") == 1
    page.screenshot(path=str(shots / "shopper-why-zh.png"))


def test_removing_a_tag_moves_it_to_removed_and_restoring_brings_it_back(page: Page) -> None:
    open_user(page, "22")
    tag = page.locator("#tags li").first.get_attribute("data-tag")
    page.locator("#tags li").first.get_by_role("button").click()
    expect(page.locator(f'#removed li[data-tag="{tag}"]')).to_have_count(1)
    expect(page.locator(f'#tags li[data-tag="{tag}"]')).to_have_count(0)
    page.locator(f'#removed li[data-tag="{tag}"]').get_by_role("button", name=re.compile("^Restore")).click()
    expect(page.locator(f'#tags li[data-tag="{tag}"]')).to_have_count(1)


def test_a_new_shopper_builds_a_history_and_the_list_turns_personal(page: Page) -> None:
    page.goto("/")
    page.get_by_role("button", name="Start as a new shopper").click()
    expect(page.locator(".card")).to_have_count(10)
    expect(page.locator("#list-sub")).to_contain_text("ranked by popularity")
    popular = card_ids(page)
    assert re.search(r"user=guest-[0-9a-f]{12}", page.url)
    page.locator(".card").nth(2).get_by_role("button", name=re.compile("^Like")).click()
    expect(page.locator("#history li[data-item]")).to_have_count(1)
    page.locator(".card").first.get_by_role("button", name=re.compile("^Bought")).click()
    expect(page.locator("#history li[data-item]")).to_have_count(2)
    expect(page.locator("#list-sub")).to_contain_text("ranked by ease")
    assert card_ids(page) != popular and page.locator(".card.changed").count() >= 1
    expect(page.locator("#list-heading")).to_contain_text("new shopper (2 items so far)")


def test_keyboard_and_phone_width(page: Page) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    open_user(page, "196")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    why = page.locator(".card").first.locator(".why-toggle")
    why.focus()
    page.keyboard.press("Enter")
    expect(page.locator(".card").first.locator(".why")).to_be_visible()
    assert page.locator(".card").first.locator("svg.evidence").get_attribute("aria-label").startswith("baseline")
