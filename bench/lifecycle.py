"""The lifecycle scheduler at operator scale on PostgreSQL: the day's run, an idle tick and My account.

    .venv/bin/python bench/lifecycle.py --lines 100000
    .venv/bin/python bench/lifecycle.py --lines 1000000            # loads once, then reuses the template
    .venv/bin/python bench/lifecycle.py --lines 1000000 --only idle --reload

1. Builds a template database (`simrenew_lifecycle_<N>`, kept between runs; `--reload` builds it again):
   migrates it and bulk-loads N lines with COPY (with a progress bar) in the state of an operator at
   T0 where everything due so far has been done (every job's watermark at T0, every notice that fell
   due recorded as sent). The mix: see `Mix` below.
2. Migrates the template to the code under test (once), then runs each measurement in a fresh
   process on a fresh copy of it (`CREATE DATABASE … TEMPLATE`, not measured):
   * idle: one scheduler tick at T0 — nothing is due, so all it costs is overhead;
   * day: a day of data use and spending is written (not measured), then one tick at T0 + 1 day does
     everything that fell due during the day (renewals, period ends, grace, suspensions, reminders,
     data and low-credit warnings, bonus expiry);
   * account: My account (`/en/account/`) through Django's test client for customers with 1, 3 and
     10 lines: p50/p95 server time, the process's CPU per page and queries per page.
   For the ticks it prints wall time, CPU of the process and of its PostgreSQL backend, peak RSS, SQL
   statements, transactions, the items done and statements per item, and the time of each job.

Auto-renew from a saved card calls the payment provider over HTTP; the bench leaves mandates out
(auto-renew lines without enough credit are told that the renewal failed). A benchmark, not a test:
it prints figures and never fails on a time. It talks to 127.0.0.1 only.
"""

import argparse
import cProfile
import json
import os
import random
import resource
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
from psycopg.types.json import Jsonb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

BRUSSELS = ZoneInfo("Europe/Brussels")
T0 = datetime(2026, 6, 1, 10, 0, tzinfo=BRUSSELS)  # the template's moment: everything due by now is done
DAY = timedelta(days=1)
CHUNK = 10_000  # lines generated and copied at a time (bounded memory while loading)
LEAD = timedelta(minutes=60)  # AUTO_RENEW_LEAD_MINUTES' default


@dataclass(frozen=True)
class Mix:
    """What N lines look like (fractions of lines unless said otherwise)."""

    active: float = 0.92  # the rest: in grace 4 %, suspended 3 %, terminated 1 %
    grace: float = 0.04
    suspended: float = 0.03
    linked: float = 0.70  # linked to a customer account (portal)
    second_line: float = 0.12  # a linked line that belongs to the previous customer (families, students)
    email_verified: float = 0.80
    bundle_when_active: float = 0.80  # an active bundle, ending uniformly over the next 30 days
    bundle_in_grace: float = 0.30
    auto_renew: float = 0.35  # of linked active lines with a bundle
    auto_renew_funded: float = 0.70  # of those: enough credit for the next bundle
    queued: float = 0.06  # a next bundle already bought (queued behind the current one)
    data_80: float = 0.20  # periods with at least 80 % of the data used (warned), 10 % fully used
    data_100: float = 0.10
    bonus: float = 0.05  # bonus credit with its own expiry (uniform over 90 days)
    renewed_notice_kept: float = 0.30  # of last renewals: the "renewed" notice kept in the history
    # The day: periods using more data, lines spending credit (half of them go below the threshold).
    day_data_use_every: int = 20  # one active period in 20 uses up to a third of its allowance
    day_spending_every: int = 40  # one credit account in 40 spends


MIX = Mix()
LANGUAGES = [("en", 30), ("nl", 30), ("fr", 25), ("zh-hans", 10), ("de", 5)]
BRANDS = [("proximus", "Proximus", 30), ("base", "BASE", 30), ("telenet", "Telenet", 60), ("orange", "Orange", 30)]
# (code, price, data MB, minutes, SMS, rolls over, weight); NULL allowances are unlimited.
BUNDLES = [
    ("s", 1000, 5_120, 200, 100, False, 40),
    ("m", 1500, 20_480, None, None, True, 40),
    ("l", 2500, None, None, None, False, 20),
]
SMS_BODY = "{brand}: your bundle ends on 12/06/2026. Renew it in time at https://simrenew.example/renew"
EMAIL_BODY = ("Hello,\n\nYour bundle on 0470 12 34 56 ends on 12 June 2026. " * 4) + "\n\nsimrenew"
EMAIL_HTML = "<html><body><p>" + ("Your bundle on 0470 12 34 56 ends on 12 June 2026. " * 6) + "</p></body></html>"


def django_setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "simrenew.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def msisdn_of(line_id: int) -> str:
    index = line_id - 1
    return f"+324{70 + index // 1_000_000 % 30:02d}{index % 1_000_000:06d}"


def server_url(url: str) -> str:
    return url.rsplit("/", 1)[0] + "/postgres"


def database_exists(url: str, name: str) -> bool:
    with psycopg.connect(server_url(url), autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None


def recreate_database(url: str, name: str, template: str | None = None) -> None:
    with psycopg.connect(server_url(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))


def with_name(url: str, name: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + name


# --- Loading: rows generated per chunk of lines and copied table by table


class Table:
    """COPY rows of one model: every concrete column, the model's default where a row leaves one out."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.fields = list(model._meta.concrete_fields)
        self.sql = f'COPY "{model._meta.db_table}" ({", ".join(f'"{f.column}"' for f in self.fields)}) FROM STDIN'

    def row(self, values: dict[str, Any]) -> tuple[Any, ...]:
        out = self._values(values)
        return tuple(Jsonb(value) if isinstance(value, (dict, list)) else value for value in out)  # JSON columns

    def _values(self, values: dict[str, Any]) -> list[Any]:
        out = []
        for f in self.fields:
            if f.attname in values:
                out.append(values[f.attname])
            elif f.has_default():
                out.append(f.get_default())
            elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                out.append(T0)
            elif f.null:
                out.append(None)
            elif f.get_default() is not None:  # "" for a text column left blank
                out.append(f.get_default())
            else:
                raise KeyError(f"{self.model.__name__}.{f.attname} has no value")
        return out


@dataclass
class Counters:
    next: dict[str, int] = field(default_factory=Counter)

    def __call__(self, name: str) -> int:
        self.next[name] += 1
        return self.next[name]


class Generator:
    """Deterministic rows for lines [start, stop): the line, its customer, ledger, periods, orders, notices."""

    def __init__(self, *, brands: dict, products: dict, platform: dict[str, int], luhn: Any) -> None:
        from simrenew.kit.money import vat_included

        self.brands, self.products, self.platform, self.luhn = brands, products, platform, luhn
        self.vat_included = vat_included
        self.ids = Counters()
        self.customer: tuple[int, int] | None = None  # (id, lines so far)
        self.customers: dict[int, tuple[bool, str]] = {}  # id → (e-mail verified, language)
        self.rows: dict[str, list[dict[str, Any]]] = {}
        self.credit_postings: list[tuple[int, int]] = []  # (journal, amount) for the line's account

    def add(self, table: str, **values: Any) -> dict[str, Any]:
        values.setdefault("id", self.ids(table))
        self.rows.setdefault(table, []).append(values)
        return values

    def chunk(self, start: int, stop: int) -> dict[str, list[dict[str, Any]]]:
        self.rows = {}
        for index in range(start, stop):
            self.line(index, random.Random(index))
        return self.rows

    # One line and everything around it.
    def line(self, index: int, rng: random.Random) -> None:
        special = index < 14  # the My account customers: 1, 3 and 10 lines
        brand_code = BRANDS[index % len(BRANDS)][0]
        brand = self.brands[brand_code]
        draw = rng.random()
        status = (
            "active"
            if special or draw < MIX.active
            else "grace"
            if draw < MIX.active + MIX.grace
            else "suspended"
            if draw < MIX.active + MIX.grace + MIX.suspended
            else "terminated"
        )
        line_id = index + 1
        expires = self.credit_expiry(status, brand.grace_days, rng)
        customer = self.customer_for(index, rng) if special or rng.random() < MIX.linked else None
        current = special or rng.random() < {"active": MIX.bundle_when_active, "grace": MIX.bundle_in_grace}.get(
            status, 0
        )
        auto_renew = bool(customer and current and status == "active" and rng.random() < MIX.auto_renew)
        credit = self.credit(status, auto_renew, rng)
        self.add(
            "line",
            id=line_id,
            msisdn=msisdn_of(line_id),
            iccid=(payload := f"893299{index:012d}") + self.luhn(payload),
            brand_id=brand.pk,
            status=status,
            identity_status="identified",
            activated_at=T0 - timedelta(days=400 + rng.randrange(1000)),
            credit_expires_at=expires,
            status_changed_at=self.status_changed_at(status, expires, brand.grace_days),
            auto_renew=auto_renew,
            created_at=T0 - timedelta(days=400),
        )
        if customer:
            self.add("linelink", customer_id=customer[0], line_id=line_id, linked_at=T0 - timedelta(days=200))
        person = customer
        credit_paid, live_until = 0, None
        if current:
            credit_paid, live_until = self.bundles(line_id, brand_code, status, auto_renew, person, rng)
        else:
            ended = T0 - timedelta(days=1 + rng.random() * 59)
            period = self.period(line_id, self.pick_product(brand_code, rng), "expired", ended - timedelta(days=30))
            if status == "active":
                self.tell(line_id, person, "expired", f"expired:{period['id']}", ended)
        self.ledger(line_id, brand_code, status, credit, credit_paid, rng)
        self.status_notices(line_id, person, status, expires, brand.grace_days)
        # An automatic renewal before the credit lapses keeps it valid: nobody was warned.
        renewed_in_time = auto_renew and live_until is not None and live_until < expires
        if status == "active" and expires <= T0 + timedelta(days=30) and not renewed_in_time:
            for days in (30, 7):
                if days == 30 or expires <= T0 + timedelta(days=7):
                    key = f"credit_ending:{line_id}:{expires.astimezone(UTC):%Y%m%dT%H%M}:{days}"
                    self.tell(line_id, person, "credit_ending", key, expires - timedelta(days=days))

    def customer_for(self, index: int, rng: random.Random) -> tuple[int, int]:
        if index < 14:
            wanted = 1 if index == 0 else 2 if index < 4 else 3
            if self.customer is None or self.customer[0] != wanted:
                self.new_customer(wanted, rng)
            return self.customer  # type: ignore[return-value]
        if self.customer is not None and self.customer[1] < 3 and rng.random() < MIX.second_line:
            self.customer = (self.customer[0], self.customer[1] + 1)
            return self.customer
        self.new_customer(self.ids("user"), rng)
        return self.customer  # type: ignore[return-value]

    def new_customer(self, customer_id: int, rng: random.Random) -> None:
        self.ids.next["user"] = max(self.ids.next["user"], customer_id)
        language = rng.choices([code for code, _ in LANGUAGES], [weight for _, weight in LANGUAGES])[0]
        verified = customer_id <= 3 or rng.random() < MIX.email_verified
        self.add(
            "user",
            id=customer_id,
            password="!",  # no usable password (the bench logs in with force_login)
            email=f"customer{customer_id}@example.be",
            full_name="",
            language=language,
            email_verified_at=T0 - timedelta(days=300) if verified else None,
            is_active=True,
            is_staff=False,
            is_superuser=False,
            date_joined=T0 - timedelta(days=300),
        )
        self.customer = (customer_id, 1)
        self.customers[customer_id] = (verified, language)

    @staticmethod
    def credit_expiry(status: str, grace_days: int, rng: random.Random) -> datetime:
        if status == "active":
            return T0 + timedelta(seconds=60 + rng.random() * 365 * 86400)
        if status == "grace":
            return T0 - timedelta(seconds=rng.random() * (grace_days * 86400 - 60))
        return T0 - timedelta(days=grace_days + 1 + rng.random() * 300)

    @staticmethod
    def status_changed_at(status: str, expires: datetime, grace_days: int) -> datetime | None:
        return {"grace": expires, "suspended": expires + timedelta(days=grace_days)}.get(status)

    @staticmethod
    def credit(status: str, auto_renew: bool, rng: random.Random) -> int:
        if status in ("suspended", "terminated"):
            return 0
        if auto_renew:
            return 3000 + rng.randrange(5000) if rng.random() < MIX.auto_renew_funded else rng.randrange(800)
        draw = rng.random()
        if status == "grace":
            return 0 if draw < 0.5 else rng.randrange(50, 1500)
        return 0 if draw < 0.15 else rng.randrange(50, 1000) if draw < 0.40 else rng.randrange(1000, 6000)

    def pick_product(self, brand_code: str, rng: random.Random) -> Any:
        code = rng.choices([b[0] for b in BUNDLES], [b[6] for b in BUNDLES])[0]
        return self.products[brand_code, code]

    def period(self, line_id: int, product: Any, status: str, starts: datetime, **values: Any) -> dict[str, Any]:
        return self.add(
            "bundleperiod",
            line_id=line_id,
            product_id=product.pk,
            status=status,
            starts_at=starts,
            ends_at=starts + timedelta(days=30),
            data_mb_left=values.pop("data_mb_left", product.data_mb),
            voice_minutes_left=product.voice_minutes,
            sms_left=product.sms_count,
            rollover_data_mb=0,
            data_alert_level=values.pop("data_alert_level", 0),
            created_at=starts - timedelta(hours=2),
            **values,
        )

    def bundles(
        self,
        line_id: int,
        brand_code: str,
        status: str,
        auto_renew: bool,
        person: tuple[int, int] | None,
        rng: random.Random,
    ) -> tuple[int, datetime]:
        """The previous (expired) period, the current one with its order, perhaps a queued one; returns
        what was paid from credit (the opening balance covers it) and when the current period ends."""
        product = self.pick_product(brand_code, rng)
        ends = T0 + timedelta(seconds=60 + rng.random() * 30 * 86400)
        starts = ends - timedelta(days=30)
        paid = 0
        previous = self.period(line_id, product, "expired", starts - timedelta(days=30))
        order, by_credit = self.order(line_id, product, person, starts, auto_renew, rng)
        paid += product.price_amount if by_credit else 0
        left, level = self.data_use(product, rng)
        current = self.period(
            line_id, product, "active", starts, order_id=order["id"], data_mb_left=left, data_alert_level=level
        )
        if rng.random() < MIX.renewed_notice_kept:
            self.tell(line_id, person, "renewed", f"renewed:{order['id']}", starts - timedelta(hours=1))
        if level >= 80:
            self.tell(line_id, person, "data_80", f"data80:{current['id']}", starts + timedelta(days=20))
        if level >= 100:
            self.tell(line_id, person, "data_100", f"data100:{current['id']}", starts + timedelta(days=25))
        if auto_renew:
            self.setting_and_attempt(line_id, person, previous, order)
        successor = None
        if auto_renew and ends <= T0 + LEAD:
            # Renewed from credit an hour before the end: the attempt succeeded and the next one is queued.
            successor, by_credit = self.order(line_id, product, person, ends, True, rng)
            paid += product.price_amount
            self.period(line_id, product, "queued", ends, order_id=successor["id"])
            self.setting_and_attempt(line_id, person, current, successor, setting=False)
        elif rng.random() < MIX.queued:
            successor, by_credit = self.order(line_id, product, person, ends - timedelta(days=3), False, rng)
            paid += product.price_amount if by_credit else 0
            self.period(line_id, product, "queued", ends, order_id=successor["id"])
        if status == "active" and successor is None and ends <= T0 + timedelta(days=7):
            self.tell(line_id, person, "expiring_soon", f"expiring:{current['id']}:7", ends - timedelta(days=7))
            if ends <= T0 + DAY:
                self.tell(line_id, person, "expiring_soon", f"expiring:{current['id']}:1", ends - DAY)
        return paid, ends

    @staticmethod
    def data_use(product: Any, rng: random.Random) -> tuple[int | None, int]:
        if product.data_mb is None:
            return None, 0
        draw = rng.random()
        if draw < MIX.data_100:
            return 0, 100
        if draw < MIX.data_80:
            return int(product.data_mb * (0.01 + rng.random() * 0.19)), 80
        return int(product.data_mb * (0.21 + rng.random() * 0.79)), 0

    def order(
        self,
        line_id: int,
        product: Any,
        person: tuple[int, int] | None,
        at: datetime,
        auto: bool,
        rng: random.Random,
    ) -> tuple[dict[str, Any], bool]:
        by_credit = auto or rng.random() < 0.4
        placed = at - LEAD if auto else at - timedelta(hours=1 + rng.random() * 48)
        # Before the last event scan's window (so an idle tick at T0 finds nothing new).
        placed = min(placed, T0 - timedelta(minutes=10))
        price = product.price_amount
        order = self.add(
            "order",
            number="",
            customer_id=person[0] if person else None,
            line_id=line_id,
            product_id=product.pk,
            kind="bundle",
            channel="auto" if auto else rng.choice(["web", "pos", "shop", "kiosk"]),
            method="credit" if by_credit else "creditcard",
            list_amount=price,
            discount_amount=0,
            fee_amount=0,
            total_amount=price,
            vat_amount=self.vat_included(price),
            currency="EUR",
            status="fulfilled",
            language="en",
            email=f"customer{person[0]}@example.be" if person else "",
            created_at=placed,
            paid_at=placed,
            fulfilled_at=placed,
            confirmation_sent_at=placed,
            promotion_label="",
            bonus_amount=0,
        )
        order["number"] = f"SR-B{order['id']:09d}"
        self.add("receipt", number=f"R-b{order['id']:09d}", order_id=order["id"], verification_code="BENCH123",
                 issued_at=placed)  # fmt: skip
        self.fulfil_journal(order, line_id, by_credit)
        return order, by_credit

    def setting_and_attempt(
        self, line_id: int, person: tuple[int, int] | None, period: dict, order: dict, *, setting: bool = True
    ) -> None:
        assert person is not None
        if setting:
            self.add("autorenewsetting", line_id=line_id, customer_id=person[0], updated_at=T0 - timedelta(days=90))
        due = period["ends_at"] - LEAD
        self.add(
            "renewalattempt",
            line_id=line_id,
            period_id=period["id"],
            product_id=period["product_id"],
            customer_id=person[0],
            status="succeeded",
            due_at=due,
            next_try_at=due,
            tries=1,
            reason="",
            order_id=order["id"],
            created_at=due,
            finished_at=due,
        )

    # The ledger: a credit account per line; an opening journal; fulfilment journals; bonus grants.
    def ledger(self, line_id: int, brand_code: str, status: str, credit: int, paid: int, rng: random.Random) -> None:
        account = self.add(
            "account",
            code=f"line:{line_id}:credit",
            kind="line_credit",
            currency="EUR",
            guarded=True,
            balance_amount=credit,
            created_at=T0 - timedelta(days=400),
        )
        for journal_id, amount in self.credit_postings:
            self.add("posting", journal_id=journal_id, account_id=account["id"], amount=amount, currency="EUR")
        self.credit_postings = []
        if credit + paid:
            self.journal(
                f"bench:opening:{line_id}",
                "opening_balance",
                T0 - timedelta(days=300 + rng.random() * 60),
                [(account["id"], credit + paid), (self.platform["opening"], -(credit + paid))],
            )
        if status == "active" and rng.random() < MIX.bonus:
            amount = rng.randrange(100, 1000)
            bonus = self.add(
                "account",
                code=f"line:{line_id}:bonus",
                kind="line_bonus",
                currency="EUR",
                guarded=True,
                balance_amount=amount,
                created_at=T0 - timedelta(days=60),
            )
            granted = T0 - timedelta(days=rng.random() * 30)
            journal = self.journal(
                f"bench:bonus:{line_id}",
                "bonus",
                granted,
                [(bonus["id"], amount), (self.platform[f"promotion:{brand_code}"], -amount)],
            )
            self.add(
                "bonusgrant",
                line_id=line_id,
                amount=amount,
                remaining_amount=amount,
                currency="EUR",
                granted_at=granted,
                expires_at=T0 + timedelta(seconds=60 + rng.random() * 90 * 86400),
                source_key=journal["key"],
                expired_at=None,
            )

    def fulfil_journal(self, order: dict, line_id: int, by_credit: bool) -> None:
        price, vat = order["total_amount"], order["vat_amount"]
        brand_code = BRANDS[(line_id - 1) % len(BRANDS)][0]
        journal = self.journal(
            f"order:{order['id']}:fulfil",
            "bundle_sale",
            order["fulfilled_at"],
            [(self.platform[f"revenue:{brand_code}"], price - vat), (self.platform["vat"], vat)]
            + ([] if by_credit else [(self.platform["clearing"], -price)]),
        )
        if by_credit:  # the line's account is written with the line, after this order
            self.credit_postings.append((journal["id"], -price))

    def journal(self, key: str, kind: str, at: datetime, postings: list[tuple[int, int]]) -> dict[str, Any]:
        journal = self.add("journal", key=key, kind=kind, memo="", created_at=at)
        for account_id, amount in postings:
            self.add("posting", journal_id=journal["id"], account_id=account_id, amount=amount, currency="EUR")
        return journal

    # Notices already sent: one SMS to the line, an e-mail to a verified customer (the default channels).
    def tell(self, line_id: int, person: tuple[int, int] | None, kind: str, event_key: str, at: datetime) -> None:
        from simrenew.notifications.kinds import DEFAULT_CHANNELS

        email_on, sms_on = DEFAULT_CHANNELS[kind]
        customer_id = person[0] if person else None
        verified, language = self.customers[customer_id] if customer_id else (False, "en")
        common = {"event_key": event_key, "kind": kind, "line_id": line_id, "customer_id": customer_id,
                  "language": language, "status": "sent", "send_after": at, "created_at": at,
                  "sent_at": at + timedelta(seconds=5), "attempts": 1}  # fmt: skip
        if email_on and verified:
            self.add("notification", key=f"{event_key}|email|{customer_id}", channel="email",
                     recipient=f"customer{customer_id}@example.be", subject="Your bundle ends soon",
                     body=EMAIL_BODY, html_body=EMAIL_HTML, **common)  # fmt: skip
        if sms_on:
            self.add("notification", key=f"{event_key}|sms|line", channel="sms", recipient=msisdn_of(line_id),
                     subject="", body=SMS_BODY, html_body="", **common)  # fmt: skip

    def status_notices(
        self, line_id: int, person: tuple[int, int] | None, status: str, expires: datetime, grace_days: int
    ) -> None:
        stamp = f"{expires.astimezone(UTC):%Y%m%dT%H%M}"
        if status == "grace":
            self.tell(line_id, person, "line_grace", f"grace:{line_id}:{stamp}", expires)
        elif status == "suspended":
            self.tell(line_id, person, "line_suspended", f"suspended:{line_id}:{stamp}", expires)


def load(url: str, lines: int) -> None:
    """Migrate and bulk-load `lines` lines into the database at `url` (this process)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    django_setup(url)
    from django.core.management import call_command
    from django.core.management.color import no_style
    from django.db import connection, transaction

    from simrenew.brands.models import Brand
    from simrenew.catalog.models import Product, ProductKind
    from simrenew.customers.models import LineLink, User
    from simrenew.kit.phone import luhn_check_digit
    from simrenew.ledger import service as ledger
    from simrenew.ledger.models import Account, AccountKind, Journal, Posting
    from simrenew.lines.models import BonusGrant, BundlePeriod, Line
    from simrenew.notifications.models import Notification
    from simrenew.orders.models import Order, Receipt
    from simrenew.renewals.jobs import JOBS
    from simrenew.renewals.models import AutoRenewSetting, JobWatermark, RenewalAttempt

    call_command("migrate", verbosity=0)
    with transaction.atomic():
        brands = {
            code: Brand.objects.create(code=code, name=name, grace_days=grace, reminder_days="7,1")
            for code, name, grace in BRANDS
        }
        products = {}
        for code, brand in brands.items():
            for position, (size, price, data, minutes, sms, rolls, _) in enumerate(BUNDLES):
                products[code, size] = Product.objects.create(
                    brand=brand,
                    code=f"bundle-{size}",
                    kind=ProductKind.BUNDLE,
                    names={"en": f"{brand.name} {size.upper()}", "nl": f"{brand.name} {size.upper()}"},
                    price_amount=price,
                    data_mb=data,
                    voice_minutes=minutes,
                    sms_count=sms,
                    validity_days=30,
                    allowances_roll_over=rolls,
                    position=position,
                )
        platform = {
            "opening": ledger.account("platform:opening_balances", AccountKind.OPENING_BALANCE).pk,
            "vat": ledger.account("platform:vat_payable", AccountKind.VAT_PAYABLE).pk,
            "clearing": ledger.account("provider:mollie:clearing", AccountKind.PROVIDER_CLEARING).pk,
            "usage": ledger.account("platform:usage_revenue", AccountKind.REVENUE).pk,
        }
        for code in brands:
            platform[f"revenue:{code}"] = ledger.account(f"brand:{code}:revenue", AccountKind.REVENUE).pk
            platform[f"promotion:{code}"] = ledger.account(
                f"brand:{code}:promotion_expense", AccountKind.PROMOTION_EXPENSE
            ).pk
        JobWatermark.objects.bulk_create(JobWatermark(name=name, done_until=T0) for name, _ in JOBS)

    # Ids are given, so start each table's counter after what exists (the platform accounts).
    generator = Generator(brands=brands, products=products, platform=platform, luhn=luhn_check_digit)
    generator.ids.next["account"] = Account.objects.order_by("-id").values_list("id", flat=True).first() or 0
    tables = {
        "user": Table(User),
        "line": Table(Line),
        "linelink": Table(LineLink),
        "account": Table(Account),
        "journal": Table(Journal),
        "posting": Table(Posting),
        "bundleperiod": Table(BundlePeriod),
        "order": Table(Order),
        "receipt": Table(Receipt),
        "autorenewsetting": Table(AutoRenewSetting),
        "renewalattempt": Table(RenewalAttempt),
        "bonusgrant": Table(BonusGrant),
        "notification": Table(Notification),
    }
    order = list(tables)  # parents before children (foreign keys are checked at commit anyway)
    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
    with Progress(*columns) as progress:
        task = progress.add_task(f"loading {lines:,} lines", total=lines)
        connection.ensure_connection()
        raw = connection.connection
        for start in range(0, lines, CHUNK):
            rows = generator.chunk(start, min(lines, start + CHUNK))
            with raw.transaction(), raw.cursor() as cursor:
                for name in order:
                    table = tables[name]
                    with cursor.copy(table.sql) as copy:
                        for values in rows.get(name, []):
                            copy.write_row(table.row(values))
            progress.update(task, advance=min(lines, start + CHUNK) - start)
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), [t.model for t in tables.values()]):
            cursor.execute(statement)
    connection.close()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")


# --- The day: data use and spending between T0 and T0 + 1 day (written before the day's run)

DAY_SQL = [
    # Data used during the day: some periods cross 80 % or use everything.
    """
    UPDATE lines_bundleperiod bp
       SET data_mb_left = GREATEST(
               0, bp.data_mb_left - (p.data_mb + bp.rollover_data_mb) * ((bp.id * 7919) %% 35) / 100)
      FROM catalog_product p
     WHERE p.id = bp.product_id AND bp.status = 'active' AND bp.data_mb_left IS NOT NULL AND bp.id %% %(data_every)s = 3
    """,
    # Credit spent during the day (network use): half of the spenders end below the low-credit threshold.
    """
    WITH spend AS (
        SELECT a.id AS account_id,
               LEAST(a.balance_amount, GREATEST(1, a.balance_amount - (a.id * 13) %% 600)) AS amount,
               %(t0)s::timestamptz + ((a.id * 37) %% 1440) * interval '1 minute' AS at
          FROM ledger_account a
         WHERE a.kind = 'line_credit' AND a.balance_amount > 0 AND a.id %% %(spend_every)s = 1
    ), journals AS (
        INSERT INTO ledger_journal (key, kind, memo, created_at)
        SELECT 'bench:usage:' || account_id, 'usage', 'network use', at FROM spend
        RETURNING id, key
    ), postings AS (
        INSERT INTO ledger_posting (journal_id, account_id, amount, currency)
        SELECT j.id, s.account_id, -s.amount, 'EUR'
          FROM spend s JOIN journals j ON j.key = 'bench:usage:' || s.account_id
        UNION ALL
        SELECT j.id, %(usage)s, s.amount, 'EUR'
          FROM spend s JOIN journals j ON j.key = 'bench:usage:' || s.account_id
    )
    UPDATE ledger_account a SET balance_amount = a.balance_amount - s.amount FROM spend s WHERE a.id = s.account_id
    """,
]


def apply_day(url: str) -> None:
    with psycopg.connect(url) as conn:
        usage = conn.execute("SELECT id FROM ledger_account WHERE code = 'platform:usage_revenue'").fetchone()
        params = {
            "t0": T0,
            "usage": usage[0] if usage else 0,
            "data_every": MIX.day_data_use_every,
            "spend_every": MIX.day_spending_every,
        }
        for statement in DAY_SQL:
            conn.execute(statement, params)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ANALYZE")


# --- What a run did, counted from the database before and after

DONE_SQL = {
    "periods ended": "SELECT count(*) FROM lines_bundleperiod WHERE status = 'expired'",
    # Into grace, suspended, or both at once (counted once): the change's moment is after T0.
    "status changes": "SELECT count(*) FROM lines_line WHERE status_changed_at > %(t0)s",
    "renewal attempts": "SELECT count(*) FROM renewals_renewalattempt",
    "bonus grants expired": "SELECT count(*) FROM lines_bonusgrant WHERE expired_at IS NOT NULL",
    "notices (events)": "SELECT count(DISTINCT event_key) FROM notifications_notification",
    "notifications": "SELECT count(*) FROM notifications_notification",
    "jobs queued": "SELECT count(*) FROM jobs_job",
}


def done_counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        counts = {name: conn.execute(sql, {"t0": T0}).fetchone()[0] for name, sql in DONE_SQL.items()}
        db = url.rsplit("/", 1)[1]
        counts["transactions"] = conn.execute(
            "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = %s", (db,)
        ).fetchone()[0]
    return counts


def items_done(before: dict[str, int], after: dict[str, int]) -> tuple[int, dict[str, int]]:
    """Things the run did: periods ended, lines changing status, renewal attempts, bonus grants expired
    and notice events (each event once, whatever the number of its e-mails and SMS)."""
    delta = {name: after[name] - before[name] for name in DONE_SQL}
    parts = {
        "periods ended": delta["periods ended"],
        "status changes": delta["status changes"],
        "renewal attempts": delta["renewal attempts"],
        "bonus grants expired": delta["bonus grants expired"],
        "notice events": delta["notices (events)"],
    }
    return sum(parts.values()), {**parts, "notifications": delta["notifications"], "jobs queued": delta["jobs queued"]}


# --- Measuring, in a fresh process


def cpu_of(pid: int) -> float:
    """User + system CPU seconds of a process on this machine (a PostgreSQL backend)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure_tick(at: datetime) -> dict[str, Any]:
    from django.db import connection

    from simrenew.kit import clock
    from simrenew.renewals import scheduler
    from simrenew.renewals.jobs import JOBS

    statements = [0]

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        statements[0] += 1
        return execute(sql, params, many, context)

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    jobs: dict[str, dict[str, Any]] = {}
    cpu0, db0, began = time.process_time(), cpu_of(backend), time.perf_counter()
    with connection.execute_wrapper(count), clock.pinned(at):
        for name, _ in JOBS:
            job_began, job_statements = time.perf_counter(), statements[0]
            outcome = scheduler.run_job(name)
            jobs[name] = {
                "seconds": round(time.perf_counter() - job_began, 3),
                "statements": statements[0] - job_statements,
                "result": outcome.result,
                "error": outcome.error,
            }
    return {
        "seconds": time.perf_counter() - began,
        "cpu": time.process_time() - cpu0,
        "db_cpu": cpu_of(backend) - db0,
        "statements": statements[0],
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "jobs": jobs,
    }


def measure_account(requests: int) -> dict[str, Any]:
    from django.db import connection
    from django.test import Client
    from django.urls import reverse
    from django.utils import translation

    from simrenew.customers.models import LineLink, User

    with translation.override("en"):
        path = reverse("portal:account")
    out: dict[str, Any] = {}
    for customer in User.objects.filter(pk__in=[1, 2, 3]).order_by("pk"):
        lines = LineLink.objects.filter(customer=customer).count()
        client = Client()
        client.force_login(customer)
        for _ in range(10):  # warm up (templates, translations, connection)
            assert client.get(path).status_code == 200
        queries: list[str] = []

        def count(execute: Any, sql: str, *args: Any, queries: list[str] = queries) -> Any:
            queries.append(sql)
            return execute(sql, *args)

        with connection.execute_wrapper(count):
            client.get(path)
        times = []
        cpu0 = time.process_time()
        for _ in range(requests):
            began = time.perf_counter()
            client.get(path)
            times.append((time.perf_counter() - began) * 1000)
        cpu = (time.process_time() - cpu0) * 1000 / max(1, requests)
        times.sort()
        out[f"{lines} lines"] = {
            "p50_ms": round(times[len(times) // 2], 1),
            "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 1),
            # The process's own CPU per page: what load on the machine moves far less than the times.
            "cpu_ms": round(cpu, 1),
            "queries": len(queries),
        }
    return out


def measure_main(what: str, url: str, profile: str = "", requests: str = "200") -> None:
    django_setup(url)
    profiler = cProfile.Profile() if profile else None
    if profiler is not None:
        profiler.enable()
    if what == "idle":
        result = measure_tick(T0)
    elif what == "day":
        result = measure_tick(T0 + DAY)
    else:
        result = {"account": measure_account(int(requests))}
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(profile)
    print("RESULT " + json.dumps(result, default=str))


# --- The parent: template, copies, subprocesses, the table


def run(command: list[str], url: str) -> str:
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT / "src"), "LOG_LEVEL": "WARNING"}
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def measure(what: str, *, template: str, base_url: str, profile: str = "", requests: int = 200) -> dict[str, Any]:
    name = f"{template}_run"
    url = with_name(base_url, name)
    recreate_database(base_url, name, template=template)
    if what == "day":
        apply_day(url)
    before = done_counts(url) if what != "account" else {}
    profile_file = f"{profile}.{what}.prof" if profile else ""
    command = [sys.executable, str(Path(__file__).resolve()), "measure", what, url, profile_file, str(requests)]
    output = run(command, url)
    result = json.loads(next(line for line in output.splitlines() if line.startswith("RESULT "))[7:])
    if what != "account":
        time.sleep(1.5)  # the backend's statistics reach pg_stat_database when it exits
        after = done_counts(url)
        result["items"], result["done"] = items_done(before, after)
        result["transactions"] = after["transactions"] - before["transactions"]
    return result


def report(lines: int, what: str, result: dict[str, Any]) -> None:
    if what == "account":
        print(f"\nMy account ({lines:,} lines in the database), server time per request:")
        for name, figures in result["account"].items():
            print(f"  customer with {name:>8}: p50 {figures['p50_ms']:6.1f} ms  p95 {figures['p95_ms']:6.1f} ms  "
                  f"CPU {figures['cpu_ms']:5.1f} ms per page  {figures['queries']} queries")  # fmt: skip
        return
    items = result["items"]
    title = "idle tick (nothing due)" if what == "idle" else "the day's run (one tick at T0 + 1 day)"
    print(f"\n{title}, {lines:,} lines:")
    print(f"  time {result['seconds']:.2f} s   CPU {result['cpu']:.2f} s "
          f"(PostgreSQL backend {result['db_cpu']:.2f} s)   peak RSS {result['peak_rss_mb']:.0f} MB")  # fmt: skip
    per_item = f"{result['statements'] / items:.1f}" if items else "-"
    print(f"  statements {result['statements']:,}   transactions {result['transactions']:,}   items done {items:,}   "
          f"statements per item {per_item}")  # fmt: skip
    print("  done: " + ", ".join(f"{name} {count:,}" for name, count in result["done"].items()))
    for name, job in result["jobs"].items():
        extra = f"  error: {job['error']}" if job["error"] else ""
        print(f"    {name:<28} {job['seconds']:8.2f} s {job['statements']:>9,} statements  {job['result']}{extra}")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "measure":
        measure_main(*sys.argv[2:6])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/simrenew_lifecycle",
                        help="the server, and the template's name prefix")  # fmt: skip
    parser.add_argument("--reload", action="store_true", help="build the template again")
    parser.add_argument("--only", choices=["idle", "day", "account"], action="append")
    parser.add_argument("--profile", default="", help="write cProfile stats to PREFIX.<measurement>.prof")
    parser.add_argument("--requests", type=int, default=200, help="My account requests per customer")
    args = parser.parse_args()
    template = f"{args.database_url.rsplit('/', 1)[1]}_{args.lines}"
    if args.reload or not database_exists(args.database_url, template):
        loading = f"{template}_loading"
        recreate_database(args.database_url, loading)
        began = time.perf_counter()
        run_load = [sys.executable, str(Path(__file__).resolve()), "load", str(args.lines)]
        subprocess.run(run_load, env={**os.environ, "DATABASE_URL": with_name(args.database_url, loading),
                                      "PYTHONPATH": str(ROOT / "src")}, cwd=ROOT, check=True)  # fmt: skip
        print(f"loaded {args.lines:,} lines in {time.perf_counter() - began:.0f} s")
        with psycopg.connect(server_url(args.database_url), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')
            conn.execute(f'ALTER DATABASE "{loading}" RENAME TO "{template}"')
    # The code under test may add migrations (indexes): the template takes them once, its copies have them.
    run([sys.executable, "manage.py", "migrate", "-v0"], with_name(args.database_url, template))
    for what in args.only or ["idle", "day", "account"]:
        options = {"profile": args.profile, "requests": args.requests}
        report(args.lines, what, measure(what, template=template, base_url=args.database_url, **options))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "load":
        load(os.environ["DATABASE_URL"], int(sys.argv[2]))
    else:
        main()
