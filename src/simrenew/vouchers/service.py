"""Making, selling, voiding and redeeming e-voucher PINs.

Money: selling a PIN (an e-PIN, or activating a printed card) posts the retailer's float → the
brand's voucher liability (`voucher:{id}:sale`); redeeming it places a top-up order paid from that
liability (the order's fulfilment journal moves it to the line's credit); a void posts the exact
reverse of the sale journal (`voucher:{id}:void`); an unredeemed PIN past its expiry date goes to
breakage (`voucher:{id}:expire`). Lock order: voucher → line → order.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from simrenew.brands.models import Brand, PaymentMethod
from simrenew.catalog import queries as catalog
from simrenew.customers.models import User
from simrenew.kit import clock, parse
from simrenew.kit.codes import keyed_hash, readable_code
from simrenew.kit.errors import DomainError
from simrenew.kit.phone import luhn_check_digit, luhn_valid
from simrenew.ledger import service as ledger
from simrenew.ledger.models import Account, AccountKind, Journal
from simrenew.lines.models import Line
from simrenew.orders import service as orders
from simrenew.orders.models import Channel, Order
from simrenew.orders.postings import Funding
from simrenew.orders.quotes import quote_order
from simrenew.throttles import service as throttles
from simrenew.throttles.service import Budget, Rule
from simrenew.vouchers.errors import (
    CardNotSellable,
    PinAlreadyRedeemed,
    PinExpired,
    PinForOtherBrand,
    PinMistyped,
    PinNotActivated,
    PinVoided,
    UnknownCard,
    VoucherNotVoidable,
    VoucherValueNotOffered,
    WrongPin,
)
from simrenew.vouchers.models import RedemptionAttempt, Voucher, VoucherBatch, VoucherState

PIN_PURPOSE = "voucher-pin"
# Ledger account kinds of this domain (ledger.Account.kind is free text beyond its listed choices).
VOUCHER_LIABILITY = "voucher_liability"


def liability_account(brand: Brand) -> Account:
    """What we owe holders of sold, unredeemed PINs of a brand. Not guarded: no hot lock per brand."""
    return ledger.account(f"brand:{brand.code}:voucher_liability", VOUCHER_LIABILITY, brand.currency)


def new_pin(digits: int | None = None) -> str:
    length = digits or settings.VOUCHER_PIN_DIGITS
    if not 13 <= length <= 15:
        raise ValueError("a PIN has 13 to 15 digits")
    payload = "".join(secrets.choice("0123456789") for _ in range(length - 1))
    return payload + luhn_check_digit(payload)


def normalize_pin(raw: str) -> str:
    """The PIN's ASCII digits, typed with or without spaces, dots or dashes; PinMistyped if it
    cannot be a PIN (too short or long, a failed check digit, a letter or another script's digit)."""
    digits = parse.digits(raw, separators=" -.", min_length=13, max_length=15, error=PinMistyped)
    if not luhn_valid(digits):
        raise PinMistyped()
    return digits


def pin_hash(digits: str) -> str:
    return keyed_hash(digits, purpose=PIN_PURPOSE)


def check_value(brand: Brand, value_amount: int) -> None:
    """A PIN's value must be a top-up amount the brand sells, so that redeeming it is a valid top-up."""
    product = catalog.topup_product_for(brand)
    if product is None or not product.accepts_topup(value_amount):
        raise VoucherValueNotOffered()


def _create(
    *, brand: Brand, value_amount: int, state: str, expires_at: datetime, batch: VoucherBatch | None
) -> tuple[Voucher, str]:
    now = clock.now()
    for _attempt in range(10):
        pin = new_pin()
        try:
            with transaction.atomic():
                voucher = Voucher.objects.create(
                    brand=brand,
                    value_amount=value_amount,
                    currency=brand.currency,
                    serial=f"V{readable_code(10)}",
                    code_hash=pin_hash(pin),
                    last_digits=pin[-4:],
                    batch=batch,
                    state=state,
                    created_at=now,
                    expires_at=expires_at,
                    activated_at=now if state == VoucherState.ACTIVE else None,
                )
        except IntegrityError:
            continue  # a PIN or serial already taken (rare): draw again
        return voucher, pin
    raise RuntimeError("could not draw a unique PIN")


def _post_sale(*, voucher: Voucher, float_account: Account, commission_amount: int) -> None:
    """Float pays the value less the commission; the commission is our expense; the liability gets the value."""
    commission = ledger.account("platform:commission_expense", AccountKind.COMMISSION_EXPENSE, voucher.currency)
    entries = [
        ledger.Entry(float_account, -(voucher.value_amount - commission_amount)),
        ledger.Entry(commission, -commission_amount),
        ledger.Entry(liability_account(voucher.brand), voucher.value_amount),
    ]
    ledger.post_journal(key=f"voucher:{voucher.pk}:sale", kind="voucher_sale", entries=entries, memo=voucher.serial)


@dataclass(frozen=True)
class IssuedPin:
    voucher: Voucher
    pin: str  # shown once (receipt, API answer); never stored


def sell_epin(
    *, brand: Brand, value_amount: int, float_account: Account, commission_amount: int, reference: str
) -> IssuedPin:
    """Make an e-PIN at a POS sale, paid from a retailer's float. Caller owns the transaction."""
    check_value(brand, value_amount)
    expires_at = clock.now() + timedelta(days=settings.VOUCHER_VALIDITY_DAYS)
    voucher, pin = _create(
        brand=brand, value_amount=value_amount, state=VoucherState.ACTIVE, expires_at=expires_at, batch=None
    )
    voucher.sold_reference = reference
    voucher.save(update_fields=["sold_reference"])
    _post_sale(voucher=voucher, float_account=float_account, commission_amount=commission_amount)
    return IssuedPin(voucher, pin)


def create_batch(
    *, brand: Brand, value_amount: int, count: int, expires_at: datetime | None = None, note: str = ""
) -> tuple[VoucherBatch, list[IssuedPin]]:
    """Printed scratch cards, inactive until a POS sale activates them. The PINs are returned once
    (for the printer's file) and never again."""
    check_value(brand, value_amount)
    if not 1 <= count <= 100_000:
        raise ValueError("a batch has 1 to 100,000 cards")
    expires = expires_at or clock.now() + timedelta(days=settings.VOUCHER_VALIDITY_DAYS)
    batch = VoucherBatch.objects.create(
        brand=brand,
        value_amount=value_amount,
        currency=brand.currency,
        count=count,
        expires_at=expires,
        note=note,
        created_at=clock.now(),
    )
    cards = [
        IssuedPin(
            *_create(brand=brand, value_amount=value_amount, state=VoucherState.ISSUED, expires_at=expires, batch=batch)
        )
        for _ in range(count)
    ]
    return batch, cards


def lock_voucher(voucher_id: int) -> Voucher:
    return Voucher.objects.select_for_update(of=("self",)).select_related("brand").get(pk=voucher_id)


def card_by_serial(serial: str) -> Voucher:
    voucher = (
        Voucher.objects.select_related("brand")
        .filter(serial=(serial or "").strip().upper(), batch__isnull=False)
        .first()
    )
    if voucher is None:
        raise UnknownCard()
    return voucher


def activate_card(*, serial: str, float_account: Account, commission_amount: int, reference: str) -> Voucher:
    """Sell a printed card: it becomes usable, paid from the retailer's float. Caller owns the transaction."""
    voucher = lock_voucher(card_by_serial(serial).pk)
    if voucher.state != VoucherState.ISSUED or voucher.expires_at <= clock.now():
        raise CardNotSellable()
    voucher.state = VoucherState.ACTIVE
    voucher.activated_at = clock.now()
    voucher.sold_reference = reference
    voucher.save(update_fields=["state", "activated_at", "sold_reference"])
    _post_sale(voucher=voucher, float_account=float_account, commission_amount=commission_amount)
    return voucher


def void_sold(*, voucher_id: int) -> Voucher:
    """Undo the sale of a PIN that nobody has redeemed: the exact reverse of its sale journal."""
    voucher = lock_voucher(voucher_id)
    if voucher.state != VoucherState.ACTIVE:
        raise VoucherNotVoidable()
    sale = Journal.objects.get(key=f"voucher:{voucher.pk}:sale")
    entries = [ledger.Entry(p.account, -p.amount) for p in sale.postings.select_related("account")]
    ledger.post_journal(key=f"voucher:{voucher.pk}:void", kind="voucher_void", entries=entries, memo=voucher.serial)
    voucher.state = VoucherState.VOIDED
    voucher.voided_at = clock.now()
    voucher.save(update_fields=["state", "voided_at"])
    return voucher


# --- Redemption


@dataclass(frozen=True)
class Guesser:
    """Who types a PIN. Wrong PINs are counted for each part given, never for the line being
    topped up: nobody can lock a line's owner out by guessing at their number."""

    account: int | None = None  # a portal customer
    visit: str = ""  # one customer's visit at a kiosk screen (it changes at the start screen)
    device: str = ""  # a kiosk screen or a kiosk with its own UI, shared by its customers
    address: str = ""  # the client's network address (web)
    phone: str = ""  # the phone that sent `TOPUP <PIN>`

    def budgets(self) -> list[Budget]:
        """Its budgets, the most personal first (the one a refusal names)."""
        rules = _pin_rules()
        parts = [
            ("account", str(self.account or "")),
            ("visit", self.visit),
            ("phone", self.phone),
            ("device", self.device),
            ("address", throttles.network_of(self.address)),
        ]
        return [rules[kind].of(actor) for kind, actor in parts if actor]

    def __str__(self) -> str:
        """For the record of refused guesses, e.g. `account:42 address:192.0.2.1`."""
        parts = [
            ("account", str(self.account or "")),
            ("visit", self.visit),
            ("device", self.device),
            ("address", self.address),
            ("phone", self.phone),
        ]
        return " ".join(f"{kind}:{value}" for kind, value in parts if value)


def _pin_rules() -> dict[str, Rule]:
    window = timedelta(minutes=settings.VOUCHER_FAILURE_WINDOW_MINUTES)
    personal, shared = settings.VOUCHER_MAX_FAILURES, settings.VOUCHER_MAX_FAILURES_SHARED
    return {
        "account": Rule(
            "voucher-pin:account", personal, window, _("Too many wrong PINs from your account. Try again at %(until)s.")
        ),
        "visit": Rule(
            "voucher-pin:visit",
            personal,
            window,
            _("Too many wrong PINs at this kiosk screen. Try again at %(until)s."),
        ),
        "phone": Rule(
            "voucher-pin:phone", personal, window, _("Too many wrong PINs from this phone. Try again at %(until)s.")
        ),
        "device": Rule(
            "voucher-pin:device", shared, window, _("Too many wrong PINs at this kiosk. Try again at %(until)s.")
        ),
        "address": Rule(
            "voucher-pin:address",
            shared,
            window,
            _("Too many wrong PINs from your network connection. Try again at %(until)s."),
        ),
    }


def _refusal_for(voucher: Voucher, now: datetime) -> Exception | None:
    if voucher.state == VoucherState.ISSUED:
        return PinNotActivated()
    if voucher.state == VoucherState.REDEEMED:
        return PinAlreadyRedeemed()
    if voucher.state == VoucherState.VOIDED:
        return PinVoided()
    if voucher.state == VoucherState.EXPIRED or voucher.expires_at <= now:
        return PinExpired()
    return None


@dataclass(frozen=True)
class Redemption:
    voucher: Voucher
    order: Order


def _redeem(*, digits: str, line: Line, channel: str, customer: User | None = None) -> Redemption:
    now = clock.now()
    voucher = Voucher.objects.select_related("brand").filter(code_hash=pin_hash(digits)).first()
    if voucher is None:
        raise WrongPin()
    if voucher.brand_id != line.brand_id:
        raise PinForOtherBrand(brand=voucher.brand.name)
    if (refusal := _refusal_for(voucher, now)) is not None:
        raise refusal
    # The conditional UPDATE is the exactly-once gate: of two racing redemptions, the second waits for
    # the first's row lock, then finds the state no longer active and updates nothing.
    taken = Voucher.objects.filter(pk=voucher.pk, state=VoucherState.ACTIVE, expires_at__gt=now).update(
        state=VoucherState.REDEEMED, redeemed_at=now, redeemed_line=line, redeemed_channel=channel[:16]
    )
    if not taken:
        voucher.refresh_from_db()
        raise _refusal_for(voucher, now) or PinAlreadyRedeemed()
    product = catalog.topup_product_for(line.brand)
    if product is None:
        raise VoucherValueNotOffered()
    quote = quote_order(
        line=line,
        product=product,
        method=PaymentMethod.VOUCHER,
        channel=Channel.VOUCHER,
        topup_amount=voucher.value_amount,
        customer_id=customer.pk if customer else None,
    )
    order = orders.place_order(
        quote=quote, customer=customer, funding=Funding(account=liability_account(voucher.brand))
    )
    Voucher.objects.filter(pk=voucher.pk).update(redeemed_order=order)
    voucher.refresh_from_db()
    return Redemption(voucher, order)


def redeem(*, code: str, line: Line, channel: str, guesser: Guesser, customer: User | None = None) -> Redemption:
    """Top up `line` with the value of the PIN `code`, exactly once.

    `channel` says where (portal, kiosk, sms); `guesser` who types the PIN. Each of the guesser's
    budgets allows VOUCHER_MAX_FAILURES wrong PINs (VOUCHER_MAX_FAILURES_SHARED for a kiosk or a
    network address, which several people share) per VOUCHER_FAILURE_WINDOW_MINUTES; past it,
    Throttled says who is limited and until when, and even the right PIN is refused (guessing gets
    no signal). The line is never limited.

    A try is counted before it is made and given back when the PIN turns out right, so concurrent
    guesses never exceed the budget. Call this outside a transaction: the count commits on its own
    (inside yours, it would be rolled back with a refusal). The redemption itself runs in a
    savepoint, so a refusal (e.g. a terminated line) leaves the PIN as it was.
    """
    budgets = guesser.budgets()
    if not budgets:
        raise ValueError("say who types the PIN: a redemption with no guesser could not be throttled")
    with transaction.atomic():
        throttles.take(*budgets)
    try:
        with transaction.atomic():
            redemption = _redeem(digits=normalize_pin(code), line=line, channel=channel, customer=customer)
            throttles.give_back(*budgets)
            return redemption
    except (PinMistyped, WrongPin):
        with transaction.atomic():
            RedemptionAttempt.objects.create(line=line, source=str(guesser)[:80], created_at=clock.now())
        raise
    except DomainError:
        # A right PIN refused for another reason (used, expired, another brand, the line): no guess spent.
        with transaction.atomic():
            throttles.give_back(*budgets)
        raise


def expire_due(*, at: datetime | None = None) -> int:
    """PINs past their expiry date: unsold cards just expire; sold, unredeemed PINs move their value
    from the liability to breakage. Each in its own transaction; safe to run again."""
    now = at or clock.now()
    count = 0
    due = Voucher.objects.filter(state__in=[VoucherState.ISSUED, VoucherState.ACTIVE], expires_at__lte=now)
    for voucher_id in due.values_list("pk", flat=True).iterator():
        with transaction.atomic():
            voucher = lock_voucher(voucher_id)
            if voucher.state not in (VoucherState.ISSUED, VoucherState.ACTIVE) or voucher.expires_at > now:
                continue
            if voucher.state == VoucherState.ACTIVE:
                breakage = ledger.account(
                    f"brand:{voucher.brand.code}:breakage", AccountKind.BREAKAGE, voucher.currency
                )
                ledger.post_journal(
                    key=f"voucher:{voucher.pk}:expire",
                    kind="voucher_breakage",
                    entries=[
                        ledger.Entry(liability_account(voucher.brand), -voucher.value_amount),
                        ledger.Entry(breakage, voucher.value_amount),
                    ],
                    memo=voucher.serial,
                )
            voucher.state = VoucherState.EXPIRED
            voucher.save(update_fields=["state"])
            count += 1
    return count


def how_to_redeem(voucher: Voucher, pin: str) -> str:
    """What the receipt tells the buyer (in the active language)."""
    return gettext(
        "To top up a %(brand)s number: send the SMS “TOPUP %(pin)s” to %(sms_number)s from that phone, "
        "or enter the PIN on %(site)s under Top up. Valid until %(date)s."
    ) % {
        "brand": voucher.brand.name,
        "pin": pin,
        "sms_number": settings.VOUCHER_SMS_NUMBER,
        "site": settings.PUBLIC_URL.split("://", 1)[-1],
        "date": voucher.expires_at.date().isoformat(),
    }
