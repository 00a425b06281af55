"""The back office pages for retail, vouchers and terminals open, and a float top-up posts its journal."""

import pytest

from simrenew.ledger.models import Journal
from simrenew.retail import service
from simrenew.terminals.models import Terminal
from tests.factories import create_brand, create_topup_product
from tests.retail.factories import create_outlet, create_retailer, create_terminal

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        "retail/retailer/",
        "retail/retailer/add/",
        "retail/outlet/",
        "retail/outlet/add/",
        "retail/commissionrate/",
        "retail/floatdeposit/",
        "retail/floatdeposit/add/",
        "retail/sale/",
        "vouchers/voucher/",
        "vouchers/voucherbatch/",
        "terminals/terminal/",
        "terminals/terminal/add/",
        "audit/auditentry/",
    ],
)
def test_back_office_pages_open(admin_client, path):
    create_outlet(create_retailer(float_amount=100))
    assert admin_client.get(f"/en/admin/{path}").status_code == 200


def test_an_outlet_page_lists_its_terminals_and_cashiers(admin_client):
    outlet = create_outlet(create_retailer())
    create_terminal(outlet)
    assert admin_client.get(f"/en/admin/retail/outlet/{outlet.pk}/change/").status_code == 200


def test_adding_a_terminal_shows_its_secret_once(admin_client):
    response = admin_client.post(
        "/en/admin/terminals/terminal/add/", {"name": "till 9", "kind": "pos", "active": "on"}, follow=True
    )
    terminal = Terminal.objects.get(name="till 9")
    assert terminal.key_id in response.content.decode() and "secret" in response.content.decode()


def test_setting_a_rate_in_the_retailer_page(admin_client):
    brand = create_brand()
    create_topup_product(brand)
    retailer = create_retailer()
    form = {
        "name": retailer.name,
        "kind": "chain",
        "active": "on",
        "outlets-TOTAL_FORMS": "0",
        "outlets-INITIAL_FORMS": "0",
        "commission_rates-TOTAL_FORMS": "1",
        "commission_rates-INITIAL_FORMS": "0",
        "commission_rates-0-brand": brand.pk,
        "commission_rates-0-rate_bp": "450",
    }
    response = admin_client.post(f"/en/admin/retail/retailer/{retailer.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert service.commission_rate_bp(retailer=retailer, brand=brand) == 450


def test_float_top_up_from_the_admin(admin_client):
    retailer = create_retailer()
    admin_client.post(
        "/en/admin/retail/floatdeposit/add/", {"retailer": retailer.pk, "amount_euros": "100", "reference": "x"}
    )
    assert service.float_balance(retailer) == 10_000
    assert Journal.objects.filter(key__startswith=f"retailer:{retailer.pk}:deposit:").count() == 1
