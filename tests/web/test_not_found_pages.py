"""An address that matches nothing, or names something that does not exist, answers 404 with a page of
its area (the portal, the shop desk, the back office, a kiosk, the POS, the staff pages) in the
URL's language and the area's look, with a way back to the area's start; under /api/ with the API's
JSON error. Should the area's page fail to render, a minimal page still says 404."""

import json
import re

import pytest
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client

from simrenew.shops import queries as shop_queries
from simrenew.staff.roles import CUSTOMER_SERVICE
from tests.factories import create_customer, start_in_english  # noqa: F401
from tests.kiosks.factories import create_kiosk, enrol_screen
from tests.shops.factories import create_shop, create_staff, staff_client
from tests.staff.factories import MODEL_BACKEND, create_staff_user, staff_session

pytestmark = pytest.mark.django_db

TITLE = "Page not found"
MESSAGE = "The page or item you are looking for does not exist or is no longer available."
BACK_TO_START = {"zh-hans": "返回首页", "nl": "Terug naar het begin"}


def page_of(response) -> str:
    assert response.status_code == 404
    assert response["Content-Type"] == "text/html; charset=utf-8"
    return response.content.decode()


def lang(page: str) -> str:
    match = re.search(r'<html lang="([^"]+)">', page)
    assert match, page
    return match.group(1)


def heading(page: str) -> str:
    match = re.search(r"<h1[^>]*>([^<]+)</h1>", page)
    assert match, page
    return match.group(1)


def links(page: str, css_class: str) -> list[tuple[str, str]]:
    """(href, text) of each link with `css_class` in the page's main part."""
    main = page[page.index('<main id="main"') :]
    return re.findall(rf'<a class="{css_class}" href="([^"]+)">([^<]+)</a>', main)


# --- The portal ----------------------------------------------------------------------------------


def test_an_unknown_portal_address_is_a_portal_page_with_the_way_home(client):
    page = page_of(client.get("/en/nope/"))

    assert lang(page) == "en"
    assert "simrenew/portal.css" in page
    assert "<title>Page not found · simrenew</title>" in page
    assert heading(page) == TITLE
    assert MESSAGE in page
    assert links(page, "button") == [("/en/", "Back to the start")]


@pytest.mark.parametrize("language", ["zh-hans", "nl"])
def test_the_portal_page_is_in_the_urls_language(client, language):
    page = page_of(client.get(f"/{language}/brands/nope/", HTTP_ACCEPT_LANGUAGE="de"))

    assert lang(page) == language
    assert "simrenew/portal.css" in page
    # The way back's label is translated already; the title and message are new strings.
    assert links(page, "button") == [(f"/{language}/", BACK_TO_START[language])]


def test_a_line_that_is_not_the_customers_is_not_found_in_their_account(client):
    client.force_login(create_customer(language="nl"), backend=MODEL_BACKEND)

    page = page_of(client.get("/zh-hans/account/lines/99999/"))

    assert lang(page) == "zh-hans"
    assert 'href="/zh-hans/account/"' in page  # the signed-in menu, as on the account's pages
    assert links(page, "button") == [("/zh-hans/", "返回首页")]


def test_an_address_without_a_language_answers_in_the_visitors(client):
    page = page_of(client.get("/nope/", HTTP_ACCEPT_LANGUAGE="nl"))

    assert lang(page) == "nl"
    assert links(page, "button") == [("/nl/", "Terug naar het begin")]


# --- The shop desk -------------------------------------------------------------------------------


def test_an_unknown_line_at_the_shop_desk_is_a_desk_page_with_the_way_back_to_the_search():
    client = staff_client(create_staff(create_shop("brussels", name="Brussels-Central")))

    page = page_of(client.get("/zh-hans/shop/lines/99999/"))

    assert lang(page) == "zh-hans"
    assert "simrenew/shop.css" in page
    assert "Brussels-Central" in page  # the desk's own bar, as on its pages
    assert links(page, "button") == [("/zh-hans/shop/", "返回柜台")]


def test_the_shop_desk_page_in_english_to_anyone(client):
    page = page_of(client.get("/en/shop/nope/"))

    assert "simrenew/shop.css" in page
    assert heading(page) == TITLE
    assert MESSAGE in page
    assert links(page, "button") == [("/en/shop/", "Back to the desk")]


# --- The back office -----------------------------------------------------------------------------


def test_an_unknown_order_in_the_back_office_is_a_back_office_page():
    client = staff_session(create_staff_user(CUSTOMER_SERVICE))

    page = page_of(client.get("/nl/backoffice/orders/SR-NOPE0000/"))

    assert lang(page) == "nl"
    assert "simrenew/portal.css" in page  # the back office's pages are the portal's
    assert [href for href, _text in links(page, "button")] == ["/nl/backoffice/"]


def test_the_back_office_page_in_english(client):
    page = page_of(client.get("/en/backoffice/nope/"))

    assert heading(page) == TITLE
    assert MESSAGE in page
    assert links(page, "button") == [("/en/backoffice/", "Back to the back office")]


# --- A kiosk -------------------------------------------------------------------------------------


@pytest.fixture
def kiosk(client):
    """The station kiosk, with the test client enrolled as its screen."""
    kiosk = create_kiosk("gent-sint-pieters")
    enrol_screen(client, kiosk)
    return kiosk


def test_an_unknown_receipt_on_a_kiosk_has_a_big_button_back_to_its_start_screen(client, kiosk):
    page = page_of(client.get(f"/nl/kiosk/{kiosk.code}/receipt/SR-NOPE/?code=x"))

    assert lang(page) == "nl"
    assert "simrenew/kiosk.css" in page
    assert kiosk.name in page  # the kiosk's own bar and colours, as on its screens
    assert f'data-reset-url="/en/kiosk/{kiosk.code}/"' in page  # back to the start on its own too
    assert [href for href, _text in links(page, "kiosk-button primary")] == [f"/nl/kiosk/{kiosk.code}/"]
    assert "Opnieuw beginnen" in page


def test_the_kiosk_page_in_english(client, kiosk):
    page = page_of(client.get(f"/en/kiosk/{kiosk.code}/nope/"))

    assert heading(page) == TITLE
    assert MESSAGE in page
    assert links(page, "kiosk-button primary") == [(f"/en/kiosk/{kiosk.code}/", "Start again")]


def test_a_browser_that_is_no_screen_of_the_kiosk_sees_nothing_of_it():
    kiosk = create_kiosk("gent-sint-pieters")

    for path in (f"/en/kiosk/{kiosk.code}/nope/", "/en/kiosk/no-such-kiosk/nope/"):
        page = page_of(Client().get(path))

        assert "simrenew/kiosk.css" in page
        assert heading(page) == TITLE
        assert kiosk.name not in page
        assert "kiosk-button" not in page


# --- The POS and the staff pages -----------------------------------------------------------------


def test_the_pos_page(client):
    page = page_of(client.get("/en/pos/nope/"))

    assert "simrenew/pos.css" in page
    assert heading(page) == TITLE
    assert links(page, "button") == [("/en/pos/", "Back to the start")]


def test_the_staff_page(client):
    page = page_of(client.get("/zh-hans/staff/nope/"))

    assert lang(page) == "zh-hans"
    assert '<body class="staff">' in page
    assert [href for href, _text in links(page, "button")] == ["/zh-hans/backoffice/"]


# --- The API -------------------------------------------------------------------------------------


def test_an_unknown_api_address_answers_the_apis_json_error(client):
    response = client.get("/api/nope", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {"code": "not_found", "detail": "Not found."}


def test_the_api_error_is_in_the_callers_language(client):
    response = client.get("/api/public/nope", HTTP_ACCEPT_LANGUAGE="nl")

    assert response.status_code == 404
    assert json.loads(response.content) == {"code": "not_found", "detail": "Niet gevonden."}


# --- When the area's page cannot be rendered -----------------------------------------------------


def test_a_page_that_fails_to_render_falls_back_to_a_minimal_404(client, monkeypatch):
    def broken(user: object) -> None:
        raise RuntimeError("a bug in the shop's bar")

    monkeypatch.setattr(shop_queries, "staff_shop", broken)

    page = page_of(client.get("/en/shop/nope/"))

    assert '<html lang="en">' in page
    assert heading(page) == TITLE
    assert MESSAGE in page
    assert '<a href="/en/shop/">Back to the desk</a>' in page


def test_a_kiosk_page_that_fails_to_render_still_leads_to_the_start_screen(client, kiosk, monkeypatch):
    def refuse(self: BaseDatabaseWrapper) -> None:
        raise OperationalError("connection refused")

    monkeypatch.setattr(BaseDatabaseWrapper, "ensure_connection", refuse)

    page = page_of(client.get(f"/nl/kiosk/{kiosk.code}/nope/"))

    assert '<html lang="nl">' in page
    assert f'<a href="/nl/kiosk/{kiosk.code}/">Opnieuw beginnen</a>' in page
