"""Content-Security-Policy on every audience's pages: scripts and <style> blocks run only with the
request's nonce, no inline handlers or javascript: URLs, no eval, nobody frames us."""

import re

import pytest
from django.test import Client

from tests.factories import create_bundle, create_customer, create_line, create_order, link
from tests.kiosks.factories import create_kiosk, enrol_screen
from tests.retail.factories import create_cashier, create_outlet, create_retailer
from tests.shops.factories import create_shop, create_staff, staff_client

pytestmark = pytest.mark.django_db

SCRIPT_OR_STYLE = re.compile(r"<(script|style)\b([^>]*)>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in header.split(";"))}


def assert_only_nonced_code(response) -> None:
    """The page's policy allows no inline code but the nonce's, and every script and style carries it."""
    assert response.status_code == 200
    directives = policy(response)
    for directive in ("script-src", "style-src"):
        assert "'unsafe-inline'" not in directives[directive]
        assert "'unsafe-eval'" not in directives[directive]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    nonce = next((value[len("'nonce-") : -1] for value in directives["script-src"] if value.startswith("'nonce-")), "")
    html = response.content.decode()
    for name, attributes in SCRIPT_OR_STYLE.findall(html):
        assert nonce and f'nonce="{nonce}"' in attributes, f"<{name}{attributes}> has not the nonce {nonce!r}"
        assert f"'nonce-{nonce}'" in directives["style-src"]
    assert not INLINE_HANDLER.search(html), INLINE_HANDLER.search(html)
    assert "javascript:" not in html


@pytest.fixture
def customer_client(client: Client) -> Client:
    customer = create_customer()
    line = create_line(credit=3000)
    link(customer, line)
    create_order(line=line, product=create_bundle(line.brand), method="credit", customer=customer)
    client.force_login(customer)
    return client


@pytest.mark.parametrize("path", ["/en/", "/zh-hans/login/", "/nl/register/", "/fr/verify/", "/en/dev/outbox/"])
def test_portal_pages(client, path):
    assert_only_nonced_code(client.get(path))


@pytest.mark.parametrize("path", ["/en/account/", "/en/topup/"])
def test_portal_pages_of_a_customer(customer_client, path):
    response = customer_client.get(path)
    assert_only_nonced_code(response)
    assert "simrenew/vendor/htmx-2.0.11.min.js" in response.content.decode()


def test_htmx_runs_without_eval_or_injected_styles(client):
    html = client.get("/en/").content.decode()
    assert '"allowEval": false' in html
    assert '"includeIndicatorStyles": false' in html


def test_a_printable_receipt(customer_client):
    from simrenew.orders.models import Receipt

    receipt = Receipt.objects.get()
    response = customer_client.get(f"/en/receipts/{receipt.number}/?code={receipt.verification_code}")
    assert_only_nonced_code(response)
    assert "data-print" in response.content.decode()


def test_shop_desk_pages(client):
    assert_only_nonced_code(client.get("/en/shop/login/"))
    desk = staff_client(create_staff(create_shop("csp", name="CSP shop")))
    assert_only_nonced_code(desk.get("/en/shop/"))


def test_pos_pages(client):
    assert_only_nonced_code(client.get("/en/pos/login/"))
    client.force_login(create_cashier(create_outlet(create_retailer())))
    assert_only_nonced_code(client.get("/en/pos/"))


def test_kiosk_pages(client):
    kiosk = create_kiosk("csp")
    enrol_screen(client, kiosk)
    assert_only_nonced_code(client.get(f"/en/kiosk/{kiosk.code}/"))


def test_admin_pages(client, admin_client):
    assert_only_nonced_code(client.get("/en/admin/login/"))
    assert_only_nonced_code(admin_client.get("/en/admin/"))
    assert_only_nonced_code(admin_client.get("/en/admin/audit/auditentry/"))


def test_api_docs_use_our_own_swagger_files(client):
    response = client.get("/api/docs")
    assert_only_nonced_code(response)
    html = response.content.decode()
    assert "/static/simrenew/vendor/swagger-ui-5.35.0/swagger-ui-bundle.js" in html
    assert "/static/simrenew/api-docs.js" in html
    assert "cdn." not in html


def test_the_language_switcher_needs_no_inline_handler(client):
    html = client.get("/en/").content.decode()
    assert 'name="language" data-submit-on-change' in html
    assert "simrenew/page.js" in html
