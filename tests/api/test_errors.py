"""The API's refusals are JSON in the caller's language, whatever goes wrong: validation, an
unreadable body, a receipt not found, a bug."""

import pytest
from django.test import Client

from simrenew.catalog import queries as catalog
from tests.factories import create_brand

pytestmark = pytest.mark.django_db


def test_a_validation_refusal_keeps_its_shape_and_speaks_the_callers_language(client: Client):
    # the public receipt check needs ?code=: missing, in Dutch
    response = client.get("/api/public/receipts/R-1/verify", headers={"Accept-Language": "nl"})
    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/json")
    [error] = response.json()["detail"]
    assert (error["type"], error["loc"], error["msg"]) == ("missing", ["query", "code"], "Dit veld is verplicht.")


def test_a_receipt_not_found_is_said_in_the_callers_language(client: Client):
    response = client.get("/api/public/receipts/R-1/verify?code=ABC", headers={"Accept-Language": "de"})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert response.json()["detail"] == (
        "Zu dieser Nummer und diesem Code passt keine Quittung. Sie ist möglicherweise nicht echt."
    )


def test_a_body_that_is_not_json_is_a_json_400(client: Client):
    response = client.generic(
        "POST", "/api/kiosk/quotes", b"{not json", content_type="application/json", headers={"Accept-Language": "fr"}
    )
    # unsigned: the terminal check answers first, in JSON too
    assert response.status_code in (400, 401)
    assert response["Content-Type"].startswith("application/json")


def test_a_bug_is_a_json_500_not_an_html_page(client: Client, monkeypatch, caplog):
    create_brand()

    def broken(brand):
        raise RuntimeError("a bug")

    monkeypatch.setattr(catalog, "topup_product_for", broken)
    response = client.get("/api/public/brands", headers={"Accept-Language": "zh-hans"})
    assert response.status_code == 500
    assert response.json() == {"code": "server_error", "detail": "我们这边出了点问题。请稍后再试。"}
    assert "a bug" in caplog.text  # logged with its traceback
