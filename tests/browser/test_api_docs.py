"""The API documentation page of the offline stack (`/docs` on the gateway's port): Swagger UI from the npm
package renders the contract under the page's own CSP, with no violation (the context fixture checks)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser_stack")]


def test_docs_page_renders_every_operation_of_the_contract(page: Page, web_stack: dict[str, Any]) -> None:
    page.goto(web_stack["api_url"] + "/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Billing self-service API")
    expect(page.locator(".opblock-summary-path[data-path='/billing/subscription/change']")).to_be_visible()
    count = page.locator(".opblock").count()
    assert count == len(web_stack["routes"]), count
    assert page.js_errors == []  # type: ignore[attr-defined]
