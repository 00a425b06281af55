"""What the shop desk's pages say: the audit log in words (raw codes kept for support), the till's
day field and labelled figures, the header's session piece."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from simrenew.audit import service as audit
from simrenew.brands.models import PaymentMethod
from simrenew.shops import service as shops
from simrenew.web.shop.audit_entries import action_label
from tests.factories import create_brand, create_line, create_topup_product
from tests.shops.factories import create_shop, create_staff, staff_client

pytestmark = pytest.mark.django_db


def url(name: str, language: str = "en") -> str:
    with translation.override(language):
        return reverse(f"shop:{name}")


def text(page: str) -> str:
    """What a person reads: the page without its tags (and so without their attributes)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]*>", " ", page))


@pytest.fixture
def shop():
    return create_shop("brussels-central", name="Brussels-Central")


@pytest.fixture
def manager(shop):
    return create_staff(shop, role=shops.MANAGER, email="marc@staff.example")


@pytest.fixture
def line():
    return create_line(create_brand(code="acme", name="Acme Mobile"), msisdn="+32470123456", credit=500)


@pytest.fixture
def topup_sold(shop, manager, line):
    product = create_topup_product(line.brand)
    return shops.sell(
        shop=shop, staff=manager, line=line, product=product, method=PaymentMethod.CASH, topup_amount=2000
    )


# --- Audit log ---------------------------------------------------------------------------------


def test_the_audit_log_says_what_happened_in_words(manager, line, topup_sold):
    page = staff_client(manager).get(url("audit")).content.decode()
    shown = text(page)
    assert "Top-up sold" in shown and line.display in shown
    assert f"Order: {topup_sold.order.number}" in shown
    assert "Payment method: Cash" in shown and "Amount: €20.00" in shown
    assert "shop.topup_sold" not in shown and f"line:{line.pk}" not in shown and "amount=" not in shown
    # The raw record stays on the page for support.
    assert 'title="shop.topup_sold"' in page and f'title="line:{line.pk}"' in page
    raw = re.search(r'<td data-label="[^"]*" title="([^"]*amount=2000[^"]*)"', page)
    assert raw is not None, "the raw details are kept in a title attribute"
    assert {f"order={topup_sold.order.number}", "method=cash", "amount=2000"} <= set(raw.group(1).split())


def test_the_audit_log_formats_money_in_the_pages_language(manager, topup_sold):
    shown = text(staff_client(manager).get(url("audit", "nl")).content.decode())
    assert "€ 20,00" in shown and "amount=" not in shown


def test_a_login_names_the_shop_and_an_unknown_action_shows_its_code(shop, manager):
    shops.record_action(shop=shop, staff=manager, action="shop.login", ip_address="192.0.2.7")
    audit.record(action="shop.something_new", target=f"shop:{shop.code}", user=manager, details={"shop": shop.code})
    shown = text(staff_client(manager).get(url("audit")).content.decode())
    assert "Logged in" in shown and "Brussels-Central" in shown and "shop:brussels-central" not in shown
    assert "shop.something_new" in shown


def test_every_action_the_shop_records_has_a_label():
    for code in ("shop.login", "shop.logout", "shop.line_viewed", "shop.topup_sold", "shop.card_declined"):
        assert action_label(code) != code
    assert action_label("shop.not_yet_known") == "shop.not_yet_known"


# --- Till report -------------------------------------------------------------------------------


def test_the_till_day_field_shows_the_day_viewed(manager):
    today = timezone.localdate().isoformat()
    page = staff_client(manager).get(url("till", "nl")).content.decode()
    assert re.search(rf'<input type="date" name="day" value="{today}"', page)
    chosen = staff_client(manager).get(url("till"), {"day": "2026-01-05"}).content.decode()
    assert 'name="day" value="2026-01-05"' in chosen


def test_every_till_figure_carries_its_label_for_phones(manager, topup_sold):
    page = staff_client(manager).get(url("till")).content.decode()
    total = page[page.index("<tfoot>") : page.index("</tfoot>")]
    for label in ("Sales", "Cash into the till", "Card on the terminal"):
        assert f'data-label="{label}"' in total
    row = page[page.index("<tbody>") : page.index("</tbody>")]
    assert 'data-label="Staff member"' in row and 'data-label="Cash into the till"' in row


# --- Header ------------------------------------------------------------------------------------


def test_who_is_logged_in_and_log_out_stay_together_in_the_header(manager):
    page = staff_client(manager).get(url("desk")).content.decode()
    session = page[page.index('<div class="session">') : page.index("</header>")]
    assert manager.email in session and "Log out" in session and 'name="language"' in session


# --- Said to staff, not to a customer


def test_an_unknown_number_is_said_to_staff_as_staff(manager):
    page = staff_client(manager).get(url("desk"), {"number": "0470 99 99 99"}).content.decode()
    assert "No line of ours has this number. Check it with the customer." in text(page)
    assert "contact your operator" not in page


def test_the_price_at_the_counter_is_the_customer_s(manager, line):
    product = create_topup_product(line.brand)
    with translation.override("en"):
        page_url = reverse("shop:topup", kwargs={"line_id": line.pk})
    amount = product.topup_choices()[0]
    page = staff_client(manager).post(page_url, {"amount": amount, "method": "cash"}).content.decode()
    assert "Price for the customer" in page and "Your price" not in page
