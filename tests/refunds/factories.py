"""Paid online orders to refund: fulfilled as a provider payment would, with that payment recorded."""

from django.db import transaction
from django.urls import reverse

from simrenew.ledger import service as ledger
from simrenew.ledger.models import AccountKind
from simrenew.lines.models import Line
from simrenew.orders import service as orders
from simrenew.orders.models import Order, OrderStatus
from simrenew.payments.models import Payment, PaymentStatus
from simrenew.sandbox import service as sandbox
from tests import factories


def paid_online_order(
    *, line: Line | None = None, topup_amount: int | None = None, price_amount: int = 1500, language: str = "en"
) -> Order:
    """A bundle (or, with `topup_amount`, a top-up) bought on the web and paid by Bancontact."""
    line = line or factories.create_line()
    if topup_amount is None:
        product = factories.create_bundle(line.brand, price_amount=price_amount)
    else:
        product = factories.create_topup_product(line.brand)
    order = factories.create_order(
        line=line, product=product, topup_amount=topup_amount, language=language, email="buyer@example.be"
    )
    Payment.objects.create(
        order=order,
        provider="mollie",
        provider_payment_id=f"tr_test{order.pk:06d}",
        method=order.method,
        amount=order.total_amount,
        currency=order.currency,
        status=PaymentStatus.PAID,
    )
    return factories.fulfil_paid(order)


def spend_credit(line: Line, amount: int) -> None:
    """The network charged `amount` of the line's paid credit for calls (credit → revenue)."""
    with transaction.atomic():
        ledger.post_journal(
            key=f"test:usage:{line.pk}:{amount}",
            kind="usage",
            entries=[
                ledger.Entry(ledger.account(line.credit_account_code, AccountKind.LINE_CREDIT), -amount),
                ledger.Entry(ledger.account(f"brand:{line.brand.code}:revenue", AccountKind.REVENUE), amount),
            ],
        )


def paid_through_sandbox(site: str, *, language: str = "en", amount: int = 2000) -> Order:
    """A top-up bought on the web and paid through the sandbox (its webhook fulfilled the order)."""
    customer = factories.create_customer(email="refund-me@example.be", language=language)
    line = factories.create_line()
    factories.link(customer, line)
    product = factories.create_topup_product(line.brand)
    order = factories.create_order(
        line=line, product=product, customer=customer, topup_amount=amount, language=language
    )
    payment = orders.start_payment(
        order=order,
        redirect_url=f"{site}/en/orders/{order.number}/return/",
        webhook_url=site + reverse("mollie_webhook"),
    )
    sandbox.set_status(payment.provider_payment_id, "paid")
    order.refresh_from_db()
    assert order.status == OrderStatus.FULFILLED
    return order
