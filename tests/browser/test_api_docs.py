"""The API docs (/api/docs) with no way out to the internet: Swagger UI comes from our own static
files and renders every operation, under the Content-Security-Policy."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Route, expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def offline(page: Page, site: str) -> list[str]:
    """Every request to another host is aborted (as on a machine with no internet) and noted."""
    ours = urlsplit(site).netloc
    outside: list[str] = []

    def route(route: Route) -> None:
        if urlsplit(route.request.url).netloc == ours:
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", route)
    return outside


def test_the_api_docs_render_every_operation_offline(page: Page, site: str, offline: list[str]) -> None:
    refusals: list[str] = []
    page.on("console", lambda message: refusals.append(message.text) if "Content Security" in message.text else None)
    page.goto(f"{site}/api/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("simrenew API")
    sale = page.locator(".opblock-post", has_text="/api/pos/sales").first
    expect(sale).to_contain_text("Sell a top-up or a bundle to a number")
    expect(page.locator(".opblock-get", has_text="/api/pos/lines/")).not_to_have_count(0)
    # an operation opens and shows its parameters, so the bundle's code runs, not just its styles
    sale.locator(".opblock-summary").click()
    expect(sale.get_by_text("Idempotency-Key")).to_be_visible()
    assert offline == []
    assert refusals == []


def test_the_docs_page_asks_only_its_own_host(page: Page, site: str, offline: list[str]) -> None:
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.goto(f"{site}/api/docs")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    assert asked and all(url.startswith(site) for url in asked), asked
    assert any("/static/simrenew/vendor/swagger-ui-5.35.0/swagger-ui-bundle.js" in url for url in asked)
