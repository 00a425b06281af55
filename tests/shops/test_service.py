"""Selling at the shop counter (cash into the till, card on the terminal), staff accounts, and the
end-of-day till report, which must equal the ledger exactly."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.db import transaction

from simrenew.audit.models import AuditEntry
from simrenew.brands.models import PaymentMethod
from simrenew.ledger import service as ledger
from simrenew.ledger.models import AccountKind, Journal, Posting
from simrenew.lines.errors import LineNotUsable
from simrenew.lines.models import LineStatus
from simrenew.lines.queries import balances
from simrenew.orders.models import Channel, Order, OrderStatus
from simrenew.payments.terminal import CardDeclined, SandboxTerminal
from simrenew.shops import queries, service
from simrenew.shops.errors import NotPaidAtCounter
from simrenew.shops.models import ASSISTANT_GROUP, MANAGER_GROUP, ShopSale
from tests.factories import create_brand, create_bundle, create_customer, create_line, create_topup_product
from tests.shops.factories import create_shop, create_staff

pytestmark = pytest.mark.django_db
BRUSSELS = ZoneInfo("Europe/Brussels")


@pytest.fixture
def brand():
    return create_brand(code="acme")


@pytest.fixture
def bundle(brand):
    return create_bundle(brand, price_amount=1500)


@pytest.fixture
def topup_product(brand):
    return create_topup_product(brand)


@pytest.fixture
def shop():
    return create_shop("brussels")


def sell_cash(shop, staff, line, product, amount=None):
    with transaction.atomic():
        return service.sell(
            shop=shop,
            staff=staff,
            line=line,
            product=product,
            method=PaymentMethod.CASH,
            topup_amount=amount,
            ip_address="10.1.2.3",
        )


def state() -> tuple:
    return Order.objects.count(), Journal.objects.count(), Posting.objects.count(), ShopSale.objects.count()


def test_a_cash_renewal_goes_into_the_till(shop, brand, bundle):
    staff = create_staff(shop)
    line = create_line(brand)
    sale = sell_cash(shop, staff, line, bundle)
    order = sale.order
    assert order.status == OrderStatus.FULFILLED
    assert order.channel == Channel.SHOP
    assert order.method == PaymentMethod.CASH
    assert sale.staff == staff and sale.amount == 1500
    till = ledger.account(shop.till_account_code, AccountKind.SHOP_CASH)
    assert ledger.balance(till) == -1500  # money we hold is negative
    assert line.periods.filter(order_id=order.pk).count() == 1
    assert order.receipt.number.startswith("R-")
    assert ledger.verify() == []
    entry = AuditEntry.objects.get(action="shop.bundle_sold")
    assert (entry.user, entry.target, entry.ip_address) == (staff, f"line:{line.pk}", "10.1.2.3")
    assert entry.details["order"] == order.number


def test_a_cash_topup_credits_the_line(shop, brand, topup_product):
    line = create_line(brand)
    sell_cash(shop, create_staff(shop), line, topup_product, 2000)
    assert balances(line).credit_amount == 2000
    assert ledger.balance(ledger.account(shop.till_account_code, AccountKind.SHOP_CASH)) == -2000


def test_a_card_payment_goes_to_the_terminal_clearing_account(shop, brand, topup_product):
    staff = create_staff(shop)
    line = create_line(brand)
    sale = service.sell_by_card(
        shop=shop,
        staff=staff,
        line=line,
        product=topup_product,
        topup_amount=1500,
        terminal=SandboxTerminal(),
        ip_address=None,
    )
    assert sale.method == PaymentMethod.TERMINAL_CARD
    assert sale.authorisation_code and sale.card_label.endswith("4242")
    assert ledger.balance(ledger.account(shop.card_account_code, AccountKind.PROVIDER_CLEARING)) == -1500
    assert ledger.balance(ledger.account(shop.till_account_code, AccountKind.SHOP_CASH)) == 0
    assert balances(line).credit_amount == 1500


def test_a_declined_card_writes_nothing_but_an_audit_line(shop, brand, topup_product):
    staff = create_staff(shop)
    line = create_line(brand)
    before = state()
    with pytest.raises(CardDeclined):
        service.sell_by_card(
            shop=shop,
            staff=staff,
            line=line,
            product=topup_product,
            topup_amount=1500,
            terminal=SandboxTerminal(outcome="decline"),
            ip_address="10.0.0.9",
        )
    assert state() == before
    assert balances(line).credit_amount == 0
    assert AuditEntry.objects.filter(action="shop.card_declined", user=staff, target=f"line:{line.pk}").count() == 1


def test_an_approved_charge_whose_sale_is_refused_is_voided(shop, brand, topup_product, monkeypatch):
    staff = create_staff(shop)
    line = create_line(brand)
    terminal = SandboxTerminal()
    from simrenew.orders import service as orders

    def refuse(**kwargs):
        raise LineNotUsable()

    monkeypatch.setattr(orders, "place_order", refuse)
    before = state()
    with pytest.raises(LineNotUsable):
        service.sell_by_card(
            shop=shop,
            staff=staff,
            line=line,
            product=topup_product,
            topup_amount=1500,
            terminal=terminal,
            ip_address=None,
        )
    assert state() == before
    assert len(terminal.voided) == 1 and terminal.voided[0].startswith(f"shop:{shop.pk}:")


def test_a_terminated_line_is_refused_before_the_card_is_charged(shop, brand, topup_product):
    line = create_line(brand, status=LineStatus.TERMINATED)
    terminal = SandboxTerminal()
    before = state()
    with pytest.raises(LineNotUsable):
        service.sell_by_card(
            shop=shop, staff=create_staff(shop), line=line, product=topup_product, topup_amount=1500, terminal=terminal
        )
    assert state() == before and terminal.voided == []


def test_only_cash_or_card_at_the_counter(shop, brand, bundle):
    before = state()
    with pytest.raises(NotPaidAtCounter), transaction.atomic():
        service.sell(
            shop=shop, staff=create_staff(shop), line=create_line(brand), product=bundle, method=PaymentMethod.VOUCHER
        )
    assert state() == before


def test_staff_groups_and_permissions(shop):
    assistant = create_staff(shop)
    manager = create_staff(shop, role=service.MANAGER)
    assert list(assistant.groups.values_list("name", flat=True)) == [ASSISTANT_GROUP]
    assert list(manager.groups.values_list("name", flat=True)) == [MANAGER_GROUP]
    assert assistant.is_staff and manager.is_staff
    assert assistant.has_perm("shops.use_shop_desk") and not assistant.has_perm("shops.view_shop_audit_log")
    assert manager.has_perm("shops.view_shop_audit_log") and manager.has_perm("shops.view_all_tills")
    assert queries.staff_shop(assistant) == shop


def test_a_customer_account_never_becomes_a_staff_account(shop):
    customer = create_customer(email="someone@example.be")
    with pytest.raises(ValueError):
        service.add_staff(shop=shop, email="Someone@example.be", password="x", role=service.ASSISTANT)
    assert queries.staff_shop(customer) is None
    assert not customer.groups.exists()


def test_staff_without_the_group_or_inactive_is_not_staff(shop):
    assistant = create_staff(shop)
    assistant.groups.clear()
    assert queries.staff_shop(type(assistant).objects.get(pk=assistant.pk)) is None
    manager = create_staff(shop, role=service.MANAGER)
    manager.is_active = False
    manager.save()
    assert queries.staff_shop(manager) is None


def test_groups_exist_after_migrate():
    assert set(Group.objects.values_list("name", flat=True)) >= {ASSISTANT_GROUP, MANAGER_GROUP}


# --- Till report -------------------------------------------------------------------------------


def till_postings_on(shop, day: date, code: str) -> int:
    start, end = queries.day_bounds(day)
    return -sum(
        Posting.objects.filter(
            account__code=code, journal__created_at__gte=start, journal__created_at__lt=end
        ).values_list("amount", flat=True)
    )


def test_the_till_report_equals_the_ledger_per_staff_and_day(brand, bundle, topup_product):
    shop, other_shop = create_shop("brussels"), create_shop("antwerp")
    anna, ben = create_staff(shop), create_staff(shop)
    elsewhere = create_staff(other_shop)
    line = create_line(brand)
    # Day 1 (late evening, Brussels time) and day 2 (just after midnight): the day is the shop's local day.
    with time_machine.travel(datetime(2026, 3, 2, 23, 50, tzinfo=BRUSSELS), tick=False):
        sell_cash(shop, anna, line, bundle)  # 15.00
        sell_cash(shop, ben, line, topup_product, 2500)
        service.sell_by_card(
            shop=shop, staff=anna, line=line, product=topup_product, topup_amount=1000, terminal=SandboxTerminal()
        )
        sell_cash(other_shop, elsewhere, line, topup_product, 5000)
    with time_machine.travel(datetime(2026, 3, 3, 0, 10, tzinfo=BRUSSELS), tick=False):
        sell_cash(shop, anna, line, topup_product, 2000)

    report = queries.till_report(shop=shop, day=date(2026, 3, 2))
    rows = {row.staff: (row.sales, row.cash_amount, row.card_amount) for row in report.rows}
    assert rows == {anna.email: (2, 1500, 1000), ben.email: (1, 2500, 0)}
    assert (report.cash_amount, report.card_amount, report.sales) == (4000, 1000, 3)
    assert report.ledger_cash_amount == till_postings_on(shop, date(2026, 3, 2), shop.till_account_code) == 4000
    assert report.ledger_card_amount == till_postings_on(shop, date(2026, 3, 2), shop.card_account_code) == 1000
    assert report.matches_ledger is True

    next_day = queries.till_report(shop=shop, day=date(2026, 3, 3))
    assert [(r.staff, r.cash_amount) for r in next_day.rows] == [(anna.email, 2000)]
    assert next_day.matches_ledger is True
    # Over both days the till account holds exactly what the reports say.
    till = ledger.account(shop.till_account_code, AccountKind.SHOP_CASH)
    assert -ledger.balance(till) == report.cash_amount + next_day.cash_amount

    mine = queries.till_report(shop=shop, day=date(2026, 3, 2), staff=ben)
    assert [(r.staff, r.cash_amount) for r in mine.rows] == [(ben.email, 2500)]
    assert mine.matches_ledger is None  # a single staff member's view does not compare the whole till


def test_a_till_posting_no_sale_explains_shows_as_a_mismatch(shop, brand, bundle):
    sell_cash(shop, create_staff(shop), create_line(brand), bundle)
    with transaction.atomic():
        ledger.post_journal(
            key="test:cash-drop",
            kind="cash_drop",
            entries=[
                ledger.Entry(ledger.account(shop.till_account_code, AccountKind.SHOP_CASH), 500),
                ledger.Entry(ledger.account("platform:bank", AccountKind.PROVIDER_CLEARING), -500),
            ],
        )
    from django.utils import timezone

    from simrenew.kit import clock

    report = queries.till_report(shop=shop, day=timezone.localdate(clock.now()))
    assert report.matches_ledger is False
    assert report.unattributed == [("test:cash-drop", -500)]
    assert report.cash_amount == 1500 and report.ledger_cash_amount == 1000
