"""`simrenew demo_history` gives the demo a month of sales, made through the real services: the reports
show revenue across the month in every language, yesterday is reconciled and matches to the cent, a
mismatch planted in the sandbox is then listed with its cause, the ledger verifies, the README's demo
lines and the retailers' floats are as the README and `demo_retail` say, and a second run adds nothing."""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone, translation

from simrenew.customers.models import User
from simrenew.demo.inprocess import serving_in_process
from simrenew.demo.management.commands.demo_history import last_paid_on
from simrenew.finance.models import Cause, ReconciliationRun, RunStatus
from simrenew.kit import clock
from simrenew.ledger.models import Journal
from simrenew.lines.models import Line
from simrenew.orders.models import Channel, Order, OrderStatus
from simrenew.payments.models import Payment, PaymentStatus
from simrenew.reports import queries as reports
from simrenew.reports.model import Period
from simrenew.retail import service as retail
from simrenew.retail.management.commands.demo_retail import RETAILERS
from simrenew.retail.models import Retailer
from simrenew.retail.queries import day_bounds
from simrenew.sandbox.models import SandboxPayment
from tests import factories
from tests.staff.factories import staff_session
from tests.test_readme_demo import README, check_customer_lines, check_numbers, numbers

SITE = "http://127.0.0.1:8000"
LANGUAGES = ("zh-hans", "en", "nl", "fr", "de")


@pytest.fixture
def sandbox_site(settings, tmp_path):
    settings.DEMO_CLOCK_FILE = str(tmp_path / "demo-clock.json")  # no demo clock moved in another session
    settings.SITE_URL = settings.PUBLIC_URL = SITE
    settings.MOLLIE_API_ENDPOINT = SITE + "/sandbox/mollie"
    settings.PAYMENT_SANDBOX = True
    return SITE


def load(**options) -> str:
    out = StringIO()
    for command in ("demo_data", "demo_offline", "demo_retail"):
        call_command(command, stdout=StringIO(), **({"lines": 40} if command == "demo_data" else {}))
    call_command("demo_history", stdout=out)
    return out.getvalue()


def snapshot() -> tuple[int, int, int, int]:
    return Order.objects.count(), Journal.objects.count(), SandboxPayment.objects.count(), Payment.objects.count()


def test_a_month_of_history_reconciles_yesterday_and_a_planted_mismatch_is_listed(transactional_db, sandbox_site):
    printed = load()
    today = timezone.localdate(clock.now())
    yesterday = today - timedelta(days=1)

    # A month of sales in every channel, through the services (orders fulfilled, web ones paid).
    summary = re.search(r"demo history: (\d+) orders over 30 days", printed)
    assert summary is not None, printed
    assert 150 <= int(summary[1]) == Order.objects.count() <= 500
    first = timezone.localdate(Order.objects.earliest("created_at").created_at)
    assert first == today - timedelta(days=30)
    channels = set(Order.objects.values_list("channel", flat=True))
    assert {Channel.POS, Channel.SHOP, Channel.KIOSK, Channel.WEB, Channel.VOUCHER} <= channels
    web = Order.objects.filter(channel=Channel.WEB)
    assert web.filter(status=OrderStatus.FULFILLED).count() >= 60
    assert not web.exclude(status__in=[OrderStatus.FULFILLED, OrderStatus.REFUNDED]).exists()
    assert Order.objects.filter(refunds__isnull=False).distinct().count() == 2
    assert Order.objects.exclude(promotion_label="").exists()

    # The reports have the month: revenue on most days, in four channels, and render in five languages.
    revenue = reports.revenue_by_day(Period(today - timedelta(days=30), today), "en")
    assert len({row[0] for row in revenue.rows}) >= 25
    assert sum(int(row[-1]) for row in revenue.rows) > 100_000  # over €1,000 excl. VAT
    finance = staff_session(User.objects.get(email="finance@simrenew.example"))
    for language in LANGUAGES:
        with translation.override(language):
            for slug in ("revenue", "sales"):
                page = finance.get(reverse(f"backoffice:report_{slug}"))
                assert page.status_code == 200, (language, slug)
                assert f'lang="{language}"' in page.content.decode()
            page = finance.get(reverse("backoffice:reconciliation"))
            assert page.status_code == 200 and str(yesterday) in page.content.decode()

    # Yesterday is reconciled: matched, and its payments are ours to the cent.
    run = ReconciliationRun.objects.get(day=yesterday)
    assert run.status == RunStatus.MATCHED and not run.differences.exists()
    start, end = day_bounds(yesterday)
    paid = Payment.objects.filter(paid_at__gte=start, paid_at__lt=end, status__in=[PaymentStatus.PAID, "refunded"])
    assert run.summary["payments_count"] == paid.count() > 0
    assert run.summary["payments_amount"] == sum(p.amount for p in paid)
    assert f"reconciled {yesterday}: matched" in printed

    # The command prints where to plant a mismatch; planted, the reconciliation lists it with its cause.
    payment_id = last_paid_on(yesterday)
    assert f"sandbox_mismatch amount {payment_id} 0.50" in printed
    call_command("sandbox_mismatch", "amount", payment_id, "0.50", stdout=StringIO())
    out = StringIO()
    with serving_in_process(SITE), pytest.raises(CommandError, match="1 open difference"):
        call_command("reconcile", "--date", str(yesterday), stdout=out)
    ours = Payment.objects.get(provider_payment_id=payment_id).amount
    assert f"DIFFERENCE {Cause.AMOUNT_MISMATCH} {payment_id}: ours {ours // 100}.{ours % 100:02d}" in out.getvalue()
    run.refresh_from_db()
    assert run.status == RunStatus.DIFFERENCES
    assert list(run.differences.values_list("cause", "expected_amount", "found_amount")) == [
        (Cause.AMOUNT_MISMATCH, ours, ours + 50)
    ]

    # The books hold: the ledger verifies; the README's lines and the floats `demo_retail` prints are true.
    call_command("ledger", "verify", stdout=StringIO())
    assert check_numbers(README) == [] and check_customer_lines(README) == []
    named = [claim.number.replace(" ", "") for claim in numbers(README)]
    assert not Order.objects.filter(line__in=Line.objects.filter(msisdn__in=[f"+32{n[1:]}" for n in named])).exists()
    levels = {name: level for name, _kind, level, _rate, _outlets in RETAILERS}
    assert {r.name: retail.float_balance(r) for r in Retailer.objects.all()} == levels

    # A second run (`make demo` again) adds nothing.
    before = snapshot()
    again = StringIO()
    call_command("demo_history", stdout=again)
    assert "loaded already" in again.getvalue()
    assert snapshot() == before


@pytest.mark.django_db
def test_a_demo_with_sales_from_days_ago_gets_no_second_history(sandbox_site):
    """A run stopped half-way (or a demo in use for days) has orders from days ago: nothing is added."""
    old = factories.create_order(line=factories.create_line())
    Order.objects.filter(pk=old.pk).update(created_at=clock.now() - timedelta(days=3))
    before = snapshot()
    out = StringIO()
    call_command("demo_history", stdout=out)
    assert "has sales from days ago already, nothing added" in out.getvalue()
    assert snapshot() == before


@pytest.mark.django_db
def test_without_the_payment_sandbox_it_refuses_and_adds_nothing(sandbox_site, settings):
    settings.MOLLIE_API_ENDPOINT = ""
    with pytest.raises(CommandError, match="payment sandbox"):
        call_command("demo_history", stdout=StringIO())
    assert snapshot() == (0, 0, 0, 0)
