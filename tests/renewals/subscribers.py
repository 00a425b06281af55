"""A subscriber for renewal tests: a customer, their linked line on a 30-day 15 EUR bundle that ends
at a given moment, auto-renew switched on."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction

from simrenew.catalog.models import Product
from simrenew.customers.models import User
from simrenew.lines import service as lines
from simrenew.lines.models import BundlePeriod, Line
from simrenew.renewals import service as renewals
from tests.factories import create_brand, create_bundle, create_customer, create_line, link


@dataclass
class Subscriber:
    customer: User
    line: Line
    bundle: Product
    period: BundlePeriod


def subscriber(
    *,
    ends_at: datetime,
    credit: int = 0,
    language: str = "en",
    email: str = "sub@example.be",
    auto_renew: bool = True,
    price: int = 1500,
) -> Subscriber:
    brand = create_brand(name="Acme Mobile")
    bundle = create_bundle(
        brand,
        price_amount=price,
        validity_days=30,
        names={"en": "Acme 15", "nl": "Acme 15 NL", "zh-hans": "Acme 15 套餐"},
    )
    line = create_line(brand, credit=credit, credit_expires_at=ends_at + timedelta(days=300))
    customer = create_customer(email=email, language=language)
    link(customer, line)
    with transaction.atomic():
        period = lines.add_bundle_period(
            line=lines.lock_line(line.pk), product=bundle, order_id=None, at=ends_at - timedelta(days=30)
        )
        if auto_renew:
            renewals.set_auto_renew(line=line, customer=customer, enabled=True)
    line.refresh_from_db()
    return Subscriber(customer, line, bundle, period)
