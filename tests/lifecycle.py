"""Helpers for the lifecycle tests (lines, renewals, promotions, notifications): promotions, the
scheduler, saved mandates through the sandbox, and reading what customers were sent."""

from datetime import datetime
from typing import Any

from django.db import transaction
from django.urls import reverse

from simrenew.customers.models import User
from simrenew.lines.models import Line
from simrenew.notifications.models import Channel, Notification
from simrenew.orders import service as orders
from simrenew.orders.models import Order
from simrenew.payments.models import Mandate
from simrenew.promotions.models import Promotion, PromotionKind, PromotionStatus
from simrenew.renewals import scheduler
from simrenew.sandbox import service as sandbox
from tests import factories


def create_promotion(*, code: str, starts_at: datetime, products: list[Any] | None = None, **fields: Any) -> Promotion:
    fields.setdefault("kind", PromotionKind.BUNDLE_DISCOUNT)
    fields.setdefault("status", PromotionStatus.ACTIVE)
    fields.setdefault("names", {"en": f"Offer {code}", "nl": f"Aanbod {code}", "zh-hans": f"优惠 {code}"})
    promotion = Promotion.objects.create(code=code, starts_at=starts_at, **fields)
    if products:
        promotion.products.set(products)
    return promotion


def tick() -> dict[str, dict[str, int]]:
    """One scheduler tick now (the test's clock); every job's result by name. Fails on a job error."""
    outcomes = scheduler.tick()
    errors = {outcome.name: outcome.error for outcome in outcomes if outcome.error}
    assert not errors, errors
    return {outcome.name: outcome.result for outcome in outcomes}


def sent(kind: str | None = None, channel: str | None = None, **filters: Any) -> list[Notification]:
    query = Notification.objects.order_by("id").filter(**filters)
    if kind:
        query = query.filter(kind=kind)
    if channel:
        query = query.filter(channel=channel)
    return list(query)


def kinds_sent(line: Line) -> list[tuple[str, str]]:
    return [(n.kind, n.channel) for n in Notification.objects.filter(line=line).order_by("id")]


def save_mandate(site: str, *, customer: User, line: Line, product: Any, method: str = "creditcard") -> Mandate:
    """The customer pays a first payment in the sandbox (renewing `product`), which saves a mandate."""
    with transaction.atomic():
        order = factories.place_order(customer=customer, line=line, product=product, method=method)
    payment = orders.start_payment(
        order=order,
        redirect_url=f"{site}/en/orders/{order.number}/return/",
        webhook_url=site + reverse("mollie_webhook"),
        save_mandate=True,
    )
    sandbox.set_status(payment.provider_payment_id, "paid")  # the webhook fulfils and records the mandate
    return Mandate.objects.get(customer=customer)


def emails_to(address: str) -> list[Notification]:
    return sent(channel=Channel.EMAIL, recipient=address)


def last_order(line: Line) -> Order:
    return Order.objects.filter(line=line).order_by("-id").first()  # type: ignore[return-value]
