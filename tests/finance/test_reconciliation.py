"""The daily reconciliation end to end: web payments and refunds through the sandbox on a live server,
read back through the official client's Balances and Settlements APIs, matched with our payments,
refunds and ledger; floats, voucher liability and cash boxes in the same run."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from simrenew.brands.models import PaymentMethod
from simrenew.finance import service
from simrenew.finance.errors import ProviderUnreachable
from simrenew.finance.models import Cause, Difference, ReconciliationRun, Resolution, RunStatus
from simrenew.kit import clock
from simrenew.ledger import service as ledger
from simrenew.ledger.models import AccountKind
from simrenew.orders.models import RefundStatus
from simrenew.payments.models import PaymentStatus
from simrenew.retail import service as retail
from simrenew.sandbox import settlements as sandbox_settlements
from simrenew.sandbox.models import SandboxPayment
from simrenew.staff.roles import FINANCE
from simrenew.vouchers import service as vouchers
from tests import factories
from tests.finance.conftest import by_cause, refund, start
from tests.kiosks.factories import create_kiosk
from tests.refunds.factories import paid_online_order
from tests.retail.factories import create_cashier, create_outlet, create_retailer
from tests.staff.factories import create_staff_user

pytestmark = pytest.mark.django_db(transaction=True)


def today():
    return timezone.localdate(clock.now())


def a_day_of_activity(pay):
    """Three web top-ups (Bancontact, card, PayPal), a partial refund, a retail e-PIN sale, a kiosk."""
    line = factories.create_line()
    bancontact = pay(line=line, amount=2000, method=PaymentMethod.BANCONTACT)
    card = pay(line=line, amount=1500, method=PaymentMethod.CARD)
    paypal = pay(line=line, amount=5000, method=PaymentMethod.PAYPAL)
    refunded = refund(card, 500)
    assert refunded.status == RefundStatus.REFUNDED
    retailer = create_retailer(float_amount=20_000)
    cashier = create_cashier(create_outlet(retailer))
    factories.create_topup_product(line.brand)
    with transaction.atomic():
        retail.sell_pin(seller=retail.seller_for_cashier(cashier), brand=line.brand, value_amount=1500)
    create_kiosk("gare-midi")
    return line, (bancontact, card, paypal), refunded


def test_a_day_of_activity_matches_to_the_cent(pay):
    _line, orders, _refunded = a_day_of_activity(pay)

    run = service.reconcile_day(day=today())

    assert list(run.differences.all()) == []
    assert run.status == RunStatus.MATCHED
    paid = [o.payments.get().amount for o in orders]
    # Mollie's fees by its table: Bancontact €0.39; card €0.25 + 1.8 %; PayPal €0.10.
    fees = 39 + (25 + round(paid[1] * Decimal("0.018"))) + 10
    assert run.summary == {
        "settlement_id": f"stl_sb{today():%Y%m%d}",
        "settlement_reference": f"1234567.{today():%y%m}.{today().day:02d}",
        "settlement_amount": sum(paid) - fees - 500,
        "payments_count": 3,
        "payments_amount": sum(paid),
        "fees_amount": fees,
        "refunds_count": 1,
        "refunds_amount": 500,
        "net_amount": sum(paid) - fees - 500,
        "payments_matched": 3,
        "refunds_matched": 1,
        "retailers_checked": 1,
        "brands_checked": 1,
        "kiosks_checked": 1,
    }
    assert ledger.verify() == []


def test_each_planted_mismatch_is_listed_with_its_cause(pay, site):
    line = factories.create_line()
    settled_more = pay(line=line, amount=2000).payments.get()
    fee_higher = pay(line=line, amount=1000, method=PaymentMethod.CARD).payments.get()
    refunded_at_dashboard = pay(line=line, amount=2500).payments.get()
    sandbox_settlements.plant_adjustment(settled_more.provider_payment_id, "amount", Decimal("0.50"))
    sandbox_settlements.plant_adjustment(fee_higher.provider_payment_id, "fee", Decimal("0.20"))
    unknown = sandbox_settlements.plant_unknown_payment(Decimal("12.34"))
    silent = start(site, line=line, amount=1500)
    sandbox_settlements.plant_paid_without_webhook(silent.provider_payment_id)
    dashboard = sandbox_settlements.plant_dashboard_refund(refunded_at_dashboard.provider_payment_id, Decimal("3.00"))
    # Paid in our books only (the provider never saw it).
    ours_only = paid_online_order(line=line, topup_amount=1000).payments.get()
    ours_only.paid_at = clock.now()
    ours_only.save(update_fields=["paid_at"])
    # Books that do not add up: a stray posting on a float, the voucher liability and a cash box.
    retailer = create_retailer(float_amount=10_000)
    kiosk = create_kiosk("airport")
    brand = line.brand
    with transaction.atomic():
        stray = ledger.account("platform:suspense", AccountKind.OPENING_BALANCE)
        ledger.post_journal(
            key="test:stray",
            kind="correction",
            entries=[
                ledger.Entry(retail.float_account(retailer), -700),
                ledger.Entry(vouchers.liability_account(brand), 300),
                ledger.Entry(ledger.account(kiosk.cash_account_code, AccountKind.SHOP_CASH), -200),
                ledger.Entry(stray, 600),
            ],
        )

    run = service.reconcile_day(day=today())

    found = by_cause(run)
    assert found == {
        (Cause.AMOUNT_MISMATCH, settled_more.provider_payment_id): ("settled_amount", 2000, 2050),
        (Cause.FEE_MISMATCH, fee_higher.provider_payment_id): ("fee", 25 + 18, 25 + 18 + 20),
        (Cause.UNKNOWN_PAYMENT, unknown.public_id): ("unknown", None, 1234),
        (Cause.MISSING_WEBHOOK, silent.provider_payment_id): ("not_booked", 1500, 1500),
        (Cause.REFUND_MISMATCH, dashboard.public_id): ("unknown_refund", None, 300),
        (Cause.NOT_AT_PROVIDER, ours_only.provider_payment_id): ("not_settled", 1000, None),
        (Cause.FLOAT_MISMATCH, f"retailer:{retailer.pk}"): ("float", 10_000, 9_300),
        (Cause.VOUCHER_LIABILITY, f"brand:{brand.code}"): ("liability", 300, 0),
        (Cause.CASH_BOX, f"kiosk:{kiosk.code}"): ("box_vs_ledger", 200, 0),
    }, found
    assert run.status == RunStatus.DIFFERENCES
    silent.refresh_from_db()
    assert silent.status == PaymentStatus.OPEN  # the reconciliation reports; it changes no payment


def test_a_refund_our_books_say_failed_but_the_provider_paid_out(pay):
    order = pay(line=factories.create_line(), amount=2000)
    made = refund(order, 2000)
    made.status = RefundStatus.FAILED
    made.save(update_fields=["status"])

    run = service.reconcile_day(day=today())

    assert by_cause(run) == {(Cause.REFUND_MISMATCH, made.provider_refund_id): ("failed_here", 2000, 2000)}


def test_rerunning_a_day_replaces_open_differences_and_keeps_decisions(pay):
    line = factories.create_line()
    first = pay(line=line, amount=2000).payments.get()
    second = pay(line=line, amount=1000).payments.get()
    sandbox_settlements.plant_adjustment(first.provider_payment_id, "fee", Decimal("0.10"))
    sandbox_settlements.plant_adjustment(second.provider_payment_id, "fee", Decimal("0.05"))
    run = service.reconcile_day(day=today())
    assert run.differences.count() == 2
    finance = create_staff_user(FINANCE)
    decided = run.differences.get(reference=first.provider_payment_id)
    with transaction.atomic():
        service.resolve_difference(
            difference_id=decided.pk, resolution=Resolution.ACCEPTED, note="Mollie's new rate", actor=finance
        )

    again = service.reconcile_day(day=today())
    rerun = service.reconcile_day(day=today())

    assert again.pk == rerun.pk == run.pk
    assert ReconciliationRun.objects.count() == 1
    rerun.refresh_from_db()
    assert rerun.runs == 3
    rows = {d.reference: (d.resolution, d.note, d.resolved_by_id) for d in rerun.differences.all()}
    assert rows == {
        first.provider_payment_id: (Resolution.ACCEPTED, "Mollie's new rate", finance.pk),
        second.provider_payment_id: ("", "", None),
    }
    assert Difference.objects.count() == 2
    # Fixed at the source: the open difference goes on the next run; the decided one stays.
    SandboxPayment.objects.get(public_id=second.provider_payment_id).settlement_adjustments.all().delete()
    fixed = service.reconcile_day(day=today())
    assert [d.reference for d in fixed.differences.all()] == [first.provider_payment_id]
    assert fixed.status == RunStatus.MATCHED


def test_resolving_needs_a_note_and_a_valid_decision_and_happens_once(pay):
    order = pay(line=factories.create_line(), amount=2000)
    sandbox_settlements.plant_adjustment(order.payments.get().provider_payment_id, "amount", Decimal("-1.00"))
    run = service.reconcile_day(day=today())
    difference = run.differences.get()
    finance = create_staff_user(FINANCE)

    for resolution, note, error in [
        ("ignored", "why", "decision_not_valid"),
        (Resolution.WRITTEN_OFF, "   ", "decision_note_missing"),
    ]:
        with pytest.raises(Exception) as refused, transaction.atomic():
            service.resolve_difference(difference_id=difference.pk, resolution=resolution, note=note, actor=finance)
        assert refused.value.code == error
        difference.refresh_from_db()
        assert difference.is_open

    with transaction.atomic():
        service.resolve_difference(
            difference_id=difference.pk, resolution=Resolution.WRITTEN_OFF, note="Bank fee", actor=finance
        )
    with pytest.raises(Exception) as twice, transaction.atomic():
        service.resolve_difference(difference_id=difference.pk, resolution=Resolution.FIXED, note="x", actor=finance)
    assert twice.value.code == "difference_already_resolved"
    difference.refresh_from_db()
    assert (difference.resolution, difference.note) == (Resolution.WRITTEN_OFF, "Bank fee")
    run.refresh_from_db()
    assert run.status == RunStatus.MATCHED


def test_an_unreachable_provider_records_the_failure_and_keeps_the_differences(pay, settings):
    order = pay(line=factories.create_line(), amount=2000)
    sandbox_settlements.plant_adjustment(order.payments.get().provider_payment_id, "amount", Decimal("1.00"))
    run = service.reconcile_day(day=today())
    settings.MOLLIE_API_ENDPOINT = "http://127.0.0.1:9/v2-nowhere"

    with pytest.raises(ProviderUnreachable):
        service.reconcile_day(day=today())

    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and run.error
    assert run.differences.count() == 1


def test_the_command_lists_open_differences_and_fails_until_they_are_decided(pay, capsys):
    order = pay(line=factories.create_line(), amount=2000)
    payment_id = order.payments.get().provider_payment_id

    call_command("reconcile", "--date", today().isoformat())
    assert "everything matches to the cent" in capsys.readouterr().out

    sandbox_settlements.plant_adjustment(payment_id, "amount", Decimal("0.01"))
    with pytest.raises(CommandError, match="1 open difference"):
        call_command("reconcile", "--date", today().isoformat())
    out = capsys.readouterr().out
    assert f"DIFFERENCE amount_mismatch {payment_id}: ours 20.00, found 20.01" in out

    for bad in ("2026-13-01", "\u0662\u0660\u0662\u0666-\u0660\u0661-\u0660\u0661", "yesterday"):
        with pytest.raises(CommandError, match="is not a date"):
            call_command("reconcile", "--date", bad)
    assert ReconciliationRun.objects.get().runs == 2


def test_a_quiet_day_matches_with_nothing_settled(site):
    yesterday = today() - timedelta(days=1)

    run = service.reconcile_day(day=yesterday)

    assert (run.status, run.summary["payments_count"], run.summary["settlement_id"]) == (RunStatus.MATCHED, 0, "")
