"""Plain factory functions for tests: brands, products, lines with credit, customers and orders.

Credit is always posted through the ledger (never by writing `balance_amount`), so every
object these functions build passes `ledger.service.verify()`.
"""

import itertools
from datetime import datetime

import pytest
from django.db import transaction
from django.utils import translation

from simrenew.brands.models import Brand, PaymentMethod, PaymentMethodFee
from simrenew.catalog.models import Product, ProductKind
from simrenew.customers import service as customers
from simrenew.customers.models import LineLink, User
from simrenew.kit import clock
from simrenew.kit.phone import luhn_check_digit
from simrenew.ledger import service as ledger
from simrenew.ledger.models import AccountKind
from simrenew.lines import service as lines
from simrenew.lines.models import Line, LineStatus
from simrenew.orders import service as orders
from simrenew.orders.models import Channel, Order, OrderStatus
from simrenew.orders.postings import Funding
from simrenew.orders.quotes import quote_order

DEFAULT_PASSWORD = "Correct-Horse-Battery-42"
# What a customer pays per method: (fixed cents, basis points). Fixed here, not read from the demo
# catalogue, so that quote tests do not move when the demo's prices do.
DEFAULT_FEES = {"creditcard": (25, 0), "bancontact": (0, 0), "paypal": (35, 190), "banktransfer": (0, 0)}
TOPUP_NAMES = {"en": "Top-up", "nl": "Herladen", "fr": "Recharge", "de": "Aufladen", "zh-hans": "充值"}
OPENING_ACCOUNT = "platform:opening_balances"

_sequence = itertools.count(1)


def _next() -> int:
    return next(_sequence)


def new_msisdn(number: int | None = None) -> str:
    """A valid Belgian mobile number in E.164: +32470xxxxxx."""
    return f"+32470{(number if number is not None else _next()) % 1_000_000:06d}"


def new_iccid(number: int | None = None) -> str:
    """A Luhn-valid Belgian ICCID (19 digits)."""
    payload = f"893270{(number if number is not None else _next()):012d}"
    return payload + luhn_check_digit(payload)


def create_brand(
    code: str | None = None,
    *,
    name: str | None = None,
    fees: dict[str, tuple[int, int]] | None = None,
    credit_validity_days: int = 365,
    grace_days: int = 30,
    **fields: object,
) -> Brand:
    """A brand with the demo payment fees (card 0.25, PayPal 0.35 + 1.9 %, others free) unless `fees` given."""
    number = _next()
    brand = Brand.objects.create(
        code=code or f"brand-{number}",
        name=name or f"Brand {number}",
        credit_validity_days=credit_validity_days,
        grace_days=grace_days,
        **fields,
    )
    for method, (fixed, bp) in (DEFAULT_FEES if fees is None else fees).items():
        PaymentMethodFee.objects.create(brand=brand, method=method, fixed_amount=fixed, percent_bp=bp)
    return brand


def create_bundle(
    brand: Brand,
    *,
    code: str | None = None,
    price_amount: int = 1500,
    data_mb: int | None = 8192,
    voice_minutes: int | None = 300,
    sms_count: int | None = None,
    validity_days: int = 30,
    names: dict[str, str] | None = None,
    active: bool = True,
    position: int = 0,
) -> Product:
    code = code or f"bundle-{_next()}"
    return Product.objects.create(
        brand=brand,
        code=code,
        kind=ProductKind.BUNDLE,
        names=names or {"en": f"Bundle {code}", "nl": f"Bundel {code}"},
        price_amount=price_amount,
        data_mb=data_mb,
        voice_minutes=voice_minutes,
        sms_count=sms_count,
        validity_days=validity_days,
        active=active,
        position=position,
    )


def create_topup_product(
    brand: Brand,
    *,
    amounts: list[int] | None = None,
    min_amount: int | None = None,
    max_amount: int | None = None,
    step_amount: int | None = None,
    active: bool = True,
) -> Product:
    """A top-up product: a fixed list of amounts (default 10, 15, 20, 25, 50 EUR) or a range with a step."""
    use_range = min_amount is not None
    return Product.objects.create(
        brand=brand,
        code=f"topup-{_next()}",
        kind=ProductKind.TOPUP,
        names=dict(TOPUP_NAMES),
        topup_amounts=[] if use_range else (amounts if amounts is not None else [1000, 1500, 2000, 2500, 5000]),
        topup_min_amount=min_amount,
        topup_max_amount=max_amount,
        topup_step_amount=step_amount,
        active=active,
    )


def post_credit(line: Line, amount: int, *, key: str | None = None) -> None:
    """Give a line credit from the opening-balance account, through the ledger."""
    with transaction.atomic():
        ledger.post_journal(
            key=key or f"test:opening:{line.pk}:{_next()}",
            kind="opening_balance",
            entries=[
                ledger.Entry(ledger.account(line.credit_account_code, AccountKind.LINE_CREDIT), amount),
                ledger.Entry(ledger.account(OPENING_ACCOUNT, AccountKind.OPENING_BALANCE), -amount),
            ],
        )


def post_bonus(line: Line, amount: int) -> None:
    with transaction.atomic():
        ledger.post_journal(
            key=f"test:bonus:{line.pk}:{_next()}",
            kind="promotion",
            entries=[
                ledger.Entry(ledger.account(line.bonus_account_code, AccountKind.LINE_BONUS), amount),
                ledger.Entry(ledger.account("platform:promotions", AccountKind.PROMOTION_EXPENSE), -amount),
            ],
        )


def create_line(
    brand: Brand | None = None,
    msisdn: str | None = None,
    credit: int = 0,
    *,
    iccid: str | None = None,
    status: str = LineStatus.ACTIVE,
    credit_expires_at: datetime | None = None,
    activated_at: datetime | None = None,
) -> Line:
    """A line (of a new brand unless given). `credit` in cents is posted through the ledger."""
    number = _next()
    line = Line.objects.create(
        msisdn=msisdn or new_msisdn(number),
        iccid=iccid or new_iccid(number),
        brand=brand or create_brand(),
        status=status,
        activated_at=activated_at or clock.now(),
        credit_expires_at=credit_expires_at,
    )
    # The credit account always exists, as it does for every line once it has been topped up.
    ledger.account(line.credit_account_code, AccountKind.LINE_CREDIT)
    if credit:
        post_credit(line, credit)
    return line


def create_customer(
    email: str | None = None,
    *,
    password: str = DEFAULT_PASSWORD,
    verified: bool = True,
    language: str = "en",
    full_name: str = "",
) -> User:
    return User.objects.create_user(
        email or f"customer{_next()}@example.be",
        password,
        language=language,
        full_name=full_name,
        email_verified_at=clock.now() if verified else None,
    )


def link(customer: User, line: Line) -> LineLink:
    """`customer` holds the line from now (as after typing the SMS code): any other account loses it."""
    with transaction.atomic():
        return customers.take_line(customer=customer, line=line)


def place_order(
    *,
    customer: User | None,
    line: Line,
    product: Product,
    method: str,
    channel: str = Channel.WEB,
    topup_amount: int | None = None,
    language: str = "en",
    email: str = "",
    funding: Funding | None = None,
    promo_code: str = "",
) -> Order:
    """Quote, then place at that quote: what every channel does (the caller owns the transaction)."""
    quote = quote_order(
        line=line,
        product=product,
        method=method,
        channel=channel,
        topup_amount=topup_amount,
        customer_id=customer.pk if customer else None,
        promo_code=promo_code,
    )
    return orders.place_order(quote=quote, customer=customer, language=language, email=email, funding=funding)


def create_order(
    *,
    line: Line | None = None,
    product: Product | None = None,
    method: str = PaymentMethod.BANCONTACT,
    customer: User | None = None,
    topup_amount: int | None = None,
    channel: str = Channel.WEB,
    language: str = "en",
    email: str = "",
    status: str | None = None,
    funding: Funding | None = None,
) -> Order:
    """An order placed through orders.service.place_order (a credit order is fulfilled at once).

    `status` overrides the resulting status directly (for pages that show an order in some state);
    `funding` settles an offline-channel order (cash, terminal, float, voucher) at once.
    """
    line = line or create_line()
    if product is None:
        product = create_bundle(line.brand)
    with transaction.atomic():
        order = place_order(
            customer=customer,
            line=line,
            product=product,
            method=method,
            channel=channel,
            topup_amount=topup_amount,
            language=language,
            email=email,
            funding=funding,
        )
    if status is not None and order.status != status:
        order.status = status
        order.save(update_fields=["status"])
    return order


def fulfil_paid(order: Order, *, provider: str = "mollie") -> Order:
    """What sync_payment does when the provider reports the payment paid (without a Payment row):
    lock the line and the order, mark an open order PAID, and fulfil a PAID one."""
    with transaction.atomic():
        lines.lock_line(order.line_id)
        locked = orders.lock_order(order.pk)
        if locked.status in (OrderStatus.CREATED, OrderStatus.AWAITING_PAYMENT):
            locked.status = OrderStatus.PAID
            locked.paid_at = clock.now()
            locked.save(update_fields=["status", "paid_at"])
        if locked.status == OrderStatus.PAID:
            orders._fulfil_locked(order=locked, provider=provider)
    return Order.objects.get(pk=order.pk)


def fail_payment(order: Order, *, status: str = OrderStatus.FAILED) -> Order:
    """What sync_payment does when the provider reports the payment failed: close the open order."""
    with transaction.atomic():
        lines.lock_line(order.line_id)
        locked = orders.lock_order(order.pk)
        assert locked.is_open
        locked.status = status
        locked.closed_at = clock.now()
        locked.save(update_fields=["status", "closed_at"])
    return locked


@pytest.fixture(autouse=True)
def start_in_english():
    """Each test starts in English and leaves no language active: a test-client request
    activates its page's language in the thread, and messages are translated lazily."""
    translation.activate("en")
    yield
    translation.deactivate()
