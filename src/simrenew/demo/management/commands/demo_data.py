"""`simrenew demo_data`: load the demo brands, catalogue, 1,000 lines and demo logins. Safe to re-run.

Lines are created not identified; `demo_identities` (run by `demo_offline`, once the demo shops exist)
records how their holders were identified."""

import random
from datetime import UTC, datetime, time, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from simrenew.brands.models import Brand, PaymentMethodFee
from simrenew.catalog.models import Product, ProductKind
from simrenew.charging import clients
from simrenew.charging import service as charging
from simrenew.charging.models import MB_BYTES, NetworkClient, Rate, RatingGroup
from simrenew.customers import service as customers
from simrenew.customers.models import LineHolding, LineLink, User
from simrenew.demo import catalogue
from simrenew.demo.catalogue import DEMO_ADMIN, DEMO_CUSTOMER, DEMO_LINE, DEMO_STAFF
from simrenew.kit import clock
from simrenew.kit.phone import luhn_check_digit
from simrenew.ledger import service as ledger
from simrenew.ledger.models import AccountKind, Journal
from simrenew.lines import service as lines
from simrenew.lines.models import BundlePeriod, Line
from simrenew.promotions.models import Promotion, PromotionKind, PromotionStatus
from simrenew.staff import demo as demo_authenticator
from simrenew.staff import roles
from simrenew.staff import service as staff


def demo_iccid(brand_index: int, index: int) -> str:
    payload = f"8932{brand_index:02d}{index:012d}"
    return payload + luhn_check_digit(payload)


class Command(BaseCommand):
    help = "Load demo data (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--lines", type=int, default=1000, help="how many demo lines in all")

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        rng = random.Random(2026)
        now = clock.now()
        per_brand = max(1, options["lines"] // len(catalogue.BRANDS))
        created_lines = 0
        network, _ = clients.simulator()  # past usage is reported as the demo's network simulator
        for brand_index, spec in enumerate(catalogue.BRANDS, start=1):
            fields = {k: v for k, v in spec.items() if k not in ("code", "prefixes")}
            brand, _ = Brand.objects.update_or_create(code=spec["code"], defaults=fields)
            for method, (fixed, bp) in catalogue.FEES.items():
                PaymentMethodFee.objects.update_or_create(
                    brand=brand,
                    method=method,
                    defaults={"fixed_amount": fixed, "percent_bp": bp, "enabled": True},
                )
            for position, (code, price, data, minutes, sms, days) in enumerate(catalogue.BUNDLES[brand.code]):
                Product.objects.update_or_create(
                    brand=brand,
                    code=code,
                    defaults={
                        "kind": ProductKind.BUNDLE,
                        "names": catalogue.bundle_names(code),
                        "descriptions": catalogue.bundle_descriptions(data, minutes, days),
                        "position": position,
                        "price_amount": price,
                        "data_mb": data,
                        "voice_minutes": minutes,
                        "sms_count": sms,
                        "validity_days": days,
                    },
                )
            Product.objects.update_or_create(
                brand=brand,
                code="topup",
                defaults={
                    "kind": ProductKind.TOPUP,
                    "names": catalogue.TOPUP_NAMES,
                    **catalogue.TOPUP_AMOUNTS[brand.code],
                },
            )
            for rating_group, rate in catalogue.charging_rates(brand.code):
                # One version from a fixed start, so that running again changes nothing.
                Rate.objects.update_or_create(
                    brand=brand, rating_group=rating_group, valid_from=datetime(2026, 1, 1, tzinfo=UTC), defaults=rate
                )
            bundles = list(Product.objects.filter(brand=brand, kind=ProductKind.BUNDLE))
            opening = ledger.account("platform:opening_balances", AccountKind.OPENING_BALANCE)
            for index in range(1, per_brand + 1):
                msisdn = catalogue.demo_number(brand.code, index)
                line, created = Line.objects.get_or_create(
                    msisdn=msisdn,
                    defaults={
                        "iccid": demo_iccid(brand_index, index),
                        "brand": brand,
                        "activated_at": now - timedelta(days=rng.randint(30, 900)),
                        "credit_expires_at": now + timedelta(days=rng.randint(20, 360)),
                    },
                )
                if not created:
                    continue
                created_lines += 1
                credit = rng.choice([0, 250, 500, 1250, 2000, 3500]) if index != 1 else 2500
                key = f"demo:opening:{line.pk}"
                if credit and not Journal.objects.filter(key=key).exists():
                    ledger.post_journal(
                        key=key,
                        kind="opening_balance",
                        entries=[
                            ledger.Entry(ledger.account(line.credit_account_code, AccountKind.LINE_CREDIT), credit),
                            ledger.Entry(opening, -credit),
                        ],
                    )
                if index == 1 or rng.random() < 0.7:
                    period = lines.add_bundle_period(
                        line=line,
                        product=rng.choice(bundles) if index != 1 else bundles[1],
                        order_id=None,
                        at=now - timedelta(days=rng.randint(0, 25)),
                    )
                    self._use_so_far(line, period, rng, now, client=network, every_day=index == 1)
                    lines.expire_ended_periods(line=line, at=now)
        self._promotions(now)
        customer = User.objects.filter(email=DEMO_CUSTOMER[0]).first()
        if customer is None:
            customer = User.objects.create_user(
                DEMO_CUSTOMER[0], DEMO_CUSTOMER[1], language="en", full_name="Demo Customer"
            )
        customer.email_verified_at = customer.email_verified_at or now
        customer.save(update_fields=["email_verified_at"])
        demo_line = Line.objects.get(msisdn=DEMO_LINE)
        customers.take_line(customer=customer, line=demo_line)  # its holding too (what it sees of the line)
        # Held since the line was activated, so that My account shows the line's bundle use and orders
        # (an account sees a line's history only from when it took the line).
        since = demo_line.activated_at or now
        LineLink.objects.filter(customer=customer, line=demo_line).update(linked_at=since)
        LineHolding.objects.filter(customer=customer, line=demo_line, ended_at__isnull=True).update(started_at=since)
        self._staff(now)
        self.stdout.write(
            f"demo data: {Brand.objects.count()} brands, {Product.objects.count()} products, "
            f"{Line.objects.count()} lines ({created_lines} new)"
        )

    def _use_so_far(
        self,
        line: Line,
        period: BundlePeriod,
        rng: random.Random,
        now: datetime,
        *,
        client: NetworkClient,
        every_day: bool,
    ) -> None:
        """What the line used of its bundle since it started, reported as the network reports it: a
        charging session (create, then release with the units used) on some of the days since (for the demo
        customer's line, on every day whose share of the use comes to a MB or more), so that My account's
        usage chart and history show where its allowance went. Data only, within the allowance: nothing is
        charged to credit."""
        if not period.data_mb_left:
            return
        days = (min(now, period.ends_at) - period.starts_at).days  # the days it ran (a short one may have ended)
        if days < 1:
            return
        first_day = timezone.localtime(period.starts_at).date()
        chosen = range(1, days + 1) if every_day else sorted(rng.sample(range(1, days + 1), min(days, 3)))
        total = rng.randint(0, period.data_mb_left)  # MB used in all, as the allowance left shows
        shares = [rng.random() for _ in chosen]
        for day, share in zip(chosen, shares, strict=True):
            used = int(total * share / sum(shares)) * MB_BYTES
            if not used:
                continue
            # A moment of that calendar day, Brussels time (a whole day after the period's start could fall
            # on the day after), not before the period began.
            moment = time(rng.randint(8, 22), rng.randint(0, 59))
            at = timezone.make_aware(datetime.combine(first_day + timedelta(days=day - 1), moment))
            at = max(at, period.starts_at + timedelta(minutes=1))
            key = f"demo:{line.pk}:{day}"
            started = charging.start(
                client=client,
                client_key=key,
                msisdn=line.msisdn,
                sequence=0,
                request_hash=key,
                uses=[charging.UnitUse(RatingGroup.DATA, requested=used)],
                at=at,
            )
            charging.report(
                client=client,
                ref=started.session.ref,
                sequence=1,
                request_hash=f"{key}:release",
                uses=[charging.UnitUse(RatingGroup.DATA, used=used)],
                final=True,
                at=at + timedelta(minutes=rng.randint(2, 10)),  # within the grant's validity
            )

    def _staff(self, now: datetime) -> None:
        """The back-office logins: the administrator (a superuser) and one login per office role, each
        with the demo authenticator as its second factor."""
        admin = User.objects.filter(email=DEMO_ADMIN[0]).first()
        if admin is None:
            admin = User.objects.create_superuser(DEMO_ADMIN[0], DEMO_ADMIN[1], email_verified_at=now)
        logins = [(admin, roles.ADMINISTRATOR)]
        for email, password, code, name in DEMO_STAFF:
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User.objects.create_user(email, password, full_name=name, email_verified_at=now)
            elif not user.check_password(password):
                user.set_password(password)
                user.save(update_fields=["password"])
            logins.append((user, roles.role(code)))
        for user, role in logins:
            staff.set_roles(user=user, roles=[role])
            demo_authenticator.give_demo_authenticator(user)

    def _promotions(self, now: datetime) -> None:
        """Two running offers, so quotes, receipts and the back-office report have something to show."""
        base = Brand.objects.get(code="base")
        proximus = Brand.objects.get(code="proximus")
        Promotion.objects.get_or_create(
            code="base-topup-bonus",
            defaults={
                "names": {
                    "en": "Top-up bonus",
                    "nl": "Herlaadbonus",
                    "fr": "Bonus de recharge",
                    "de": "Aufladebonus",
                    "zh-hans": "充值奖励",
                },
                "kind": PromotionKind.TOPUP_BONUS,
                "status": PromotionStatus.ACTIVE,
                "brand": base,
                "starts_at": now - timedelta(days=1),
                "bonus_amount": 500,
                "bonus_validity_days": 31,
                "min_topup_amount": 1500,
                "budget_amount": 100_000,
            },
        )
        autumn, _ = Promotion.objects.get_or_create(
            code="proximus-autumn-20",
            defaults={
                "names": {
                    "en": "Autumn offer -20 %",
                    "nl": "Herfstactie -20 %",
                    "fr": "Offre d'automne -20 %",
                    "de": "Herbstaktion -20 %",
                    "zh-hans": "秋季优惠 8 折",
                },
                "kind": PromotionKind.BUNDLE_DISCOUNT,
                "status": PromotionStatus.ACTIVE,
                "brand": proximus,
                "starts_at": now - timedelta(days=1),
                "ends_at": now + timedelta(days=60),
                "percent_bp": 2000,
                "per_line_limit": 1,
                "budget_amount": 50_000,
            },
        )
        autumn.products.set(Product.objects.filter(brand=proximus, code__in=["pay-go-l", "pay-go-xl"]))
