"""The API's Swagger UI and ReDoc pages render offline in a real browser (their scripts are served locally)."""

from __future__ import annotations

from playwright.sync_api import Page, expect


def test_swagger_and_redoc_render_with_nothing_from_another_host(page: Page) -> None:
    page.goto("/docs")
    operations = page.locator(".swagger-ui .opblock")
    expect(operations.first).to_be_visible()
    assert operations.count() > 10
    paths = page.locator(".swagger-ui .opblock-summary-path")
    expect(paths.filter(has_text="/v1/users/{user_id}/view")).not_to_have_count(0)
    page.goto("/redoc")
    expect(page.locator(".redoc-wrap")).to_be_visible()
    expect(page.get_by_text("/v1/users/{user_id}/whatif").first).to_be_attached()
