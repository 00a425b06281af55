"""Kiosk writes: balance checks by SMS code, cash sessions, and sales paid by card or cash.

Callers own the transaction, except `sell_by_card`, which charges the terminal first (outside
any transaction, like any payment call) and then writes in its own. Lock order: cash session →
line → order.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import translation
from django.utils.translation import get_language, gettext

from simrenew.brands.models import PaymentMethod
from simrenew.catalog import queries as catalog
from simrenew.catalog.models import Product
from simrenew.kiosks.errors import (
    CardPaymentAlreadyUsed,
    CashAlreadyInserted,
    CashLimitReached,
    CashNotForThisLine,
    CodeExpired,
    NotEnoughCash,
    NothingInserted,
    SessionClosed,
    TooManyBalanceChecks,
    UnknownKiosk,
    WrongCode,
)
from simrenew.kiosks.models import BalanceCheck, CashInsertion, CashSession, Kiosk, KioskSale, Purpose, SessionStatus
from simrenew.kit import clock
from simrenew.kit.codes import constant_time_equal, keyed_hash, one_time_code
from simrenew.kit.errors import DomainError
from simrenew.kit.money import format_money
from simrenew.ledger import service as ledger
from simrenew.ledger.models import Account, AccountKind
from simrenew.lines import service as lines
from simrenew.lines.models import Line
from simrenew.notifications import service as notifications
from simrenew.orders import service as orders
from simrenew.orders.models import Channel, Order
from simrenew.orders.postings import Funding
from simrenew.orders.quotes import quote_order
from simrenew.payments.cash_acceptor import Inserted
from simrenew.payments.terminal import CardDeclined, PaymentTerminal
from simrenew.vouchers import service as vouchers

CODE_LIFETIME = timedelta(minutes=5)
# After the right code, the balance stays on screen (and in the API) this long.
BALANCE_VISIBLE_FOR = timedelta(minutes=3)
MAX_CODE_ATTEMPTS = 5
MAX_CHECKS_PER_LINE_PER_HOUR = 5
MAX_CHECKS_PER_KIOSK_PER_HOUR = 120
CODE_PURPOSE = "kiosk-balance"


def new_token() -> str:
    return secrets.token_urlsafe(18)


def cash_account(kiosk: Kiosk) -> Account:
    return ledger.account(kiosk.cash_account_code, AccountKind.SHOP_CASH)


def card_account(kiosk: Kiosk) -> Account:
    return ledger.account(kiosk.card_account_code, AccountKind.PROVIDER_CLEARING)


def create_kiosk(
    *,
    code: str,
    name: str,
    location: str = "",
    primary_colour: str = "#1f3a93",
    accent_colour: str = "#f5a623",
    default_language: str = "en",
) -> Kiosk:
    kiosk, _ = Kiosk.objects.update_or_create(
        code=code,
        defaults={
            "name": name,
            "location": location,
            "primary_colour": primary_colour,
            "accent_colour": accent_colour,
            "default_language": default_language,
        },
    )
    cash_account(kiosk)
    card_account(kiosk)
    return kiosk


def kiosk_by_code(code: str) -> Kiosk:
    kiosk = Kiosk.objects.filter(code=code, active=True).first()
    if kiosk is None:
        raise UnknownKiosk()
    return kiosk


# --- Balance check ---------------------------------------------------------------------------


def start_balance_check(*, kiosk: Kiosk, line: Line, language: str) -> BalanceCheck:
    """Send a 6-digit code by SMS to the line (after commit); the balance shows once it is typed."""
    now = clock.now()
    hour_ago = now - timedelta(hours=1)
    if BalanceCheck.objects.filter(line=line, created_at__gte=hour_ago).count() >= MAX_CHECKS_PER_LINE_PER_HOUR:
        raise TooManyBalanceChecks()
    if BalanceCheck.objects.filter(kiosk=kiosk, created_at__gte=hour_ago).count() >= MAX_CHECKS_PER_KIOSK_PER_HOUR:
        raise TooManyBalanceChecks()
    code = one_time_code()
    check = BalanceCheck.objects.create(
        token=new_token(),
        kiosk=kiosk,
        line=line,
        code_hash=keyed_hash(code, purpose=CODE_PURPOSE),
        created_at=now,
        expires_at=now + CODE_LIFETIME,
    )
    with translation.override(language):
        text = gettext(
            "simrenew: your code to see your balance at the kiosk is %(code)s. It is valid for 5 minutes."
        ) % {"code": code}
    msisdn = line.msisdn
    notifications.after_commit(lambda: notifications.send_sms_now(to=msisdn, text=text))
    return check


def confirm_balance_check(*, kiosk: Kiosk, token: str, code: str) -> BalanceCheck:
    """Check the code. A wrong code counts an attempt, which must stay counted: the caller runs this
    in its own transaction and commits it even when it raises WrongCode."""
    check = BalanceCheck.objects.select_for_update().filter(token=token, kiosk=kiosk).first()
    now = clock.now()
    if check is None or check.verified_at is not None or check.expires_at <= now:
        raise CodeExpired()
    if check.attempts >= MAX_CODE_ATTEMPTS:
        raise TooManyBalanceChecks()
    cleaned = "".join((code or "").split())
    if not (cleaned.isdigit() and constant_time_equal(keyed_hash(cleaned, purpose=CODE_PURPOSE), check.code_hash)):
        check.attempts += 1
        check.save(update_fields=["attempts"])
        if check.attempts >= MAX_CODE_ATTEMPTS:
            raise TooManyBalanceChecks()
        raise WrongCode()
    check.verified_at = now
    check.save(update_fields=["verified_at"])
    return check


def verified_check(*, kiosk: Kiosk, token: str) -> BalanceCheck:
    """A check whose code was typed in the last few minutes; CodeExpired otherwise."""
    check = BalanceCheck.objects.select_related("line", "line__brand").filter(token=token, kiosk=kiosk).first()
    if check is None or check.verified_at is None or check.verified_at + BALANCE_VISIBLE_FOR <= clock.now():
        raise CodeExpired()
    return check


# --- Cash --------------------------------------------------------------------------------------


def open_cash_session(
    *, kiosk: Kiosk, line: Line, purpose: str, product: Product | None = None, language: str = "en"
) -> CashSession:
    """Start taking cash for a top-up (any amount) or a bundle (at least its price; the rest is credit)."""
    lines.ensure_usable(line)
    if catalog.topup_product_for(line.brand) is None:
        # Cash beyond a bundle's price, or for a walk-away, is credited as a top-up: the brand must have one.
        raise CashNotForThisLine()
    if purpose == Purpose.BUNDLE:
        if product is None:
            raise CashNotForThisLine()
        quote_order(
            line=line, product=product, method=PaymentMethod.CASH, channel=Channel.KIOSK
        )  # refuses a product of another brand
    elif purpose != Purpose.TOPUP:
        raise ValueError(purpose)
    settle_abandoned(kiosk=kiosk)
    return CashSession.objects.create(
        token=new_token(),
        kiosk=kiosk,
        line=line,
        purpose=purpose,
        product=product if purpose == Purpose.BUNDLE else None,
        language=language,
        created_at=clock.now(),
    )


def lock_session(*, kiosk: Kiosk, token: str) -> CashSession:
    session = CashSession.objects.select_for_update().filter(token=token, kiosk=kiosk).first()
    if session is None:
        raise SessionClosed()
    return session


def insert_cash(*, kiosk: Kiosk, token: str, inserted: Inserted) -> CashSession:
    """Record one note or coin the acceptor took (validated by payments.cash_acceptor)."""
    session = lock_session(kiosk=kiosk, token=token)
    if session.status != SessionStatus.OPEN:
        raise SessionClosed()
    limit = settings.KIOSK_MAX_CASH_AMOUNT
    if session.inserted_amount + inserted.amount > limit:
        raise CashLimitReached(limit=format_money(limit, session.currency, get_language() or "en"))
    CashInsertion.objects.create(session=session, amount=inserted.amount, kind=inserted.kind, created_at=clock.now())
    session.inserted_amount += inserted.amount
    session.save(update_fields=["inserted_amount"])
    return session


def cancel_cash_session(*, kiosk: Kiosk, token: str) -> None:
    """Only before any cash went in: the kiosk gives nothing back."""
    session = lock_session(kiosk=kiosk, token=token)
    if session.status != SessionStatus.OPEN:
        raise SessionClosed()
    if session.inserted_amount:
        raise CashAlreadyInserted()
    session.status = SessionStatus.CANCELLED
    session.settled_at = clock.now()
    session.save(update_fields=["status", "settled_at"])


def _sale(*, kiosk: Kiosk, order: Order, session: CashSession | None = None, reference: str = "") -> KioskSale:
    return KioskSale.objects.create(
        kiosk=kiosk,
        order=order,
        method=order.method,
        amount=order.total_amount,
        cash_session=session,
        terminal_reference=reference,
        created_at=clock.now(),
    )


def _settle_locked(*, session: CashSession, walked_away: bool) -> list[KioskSale]:
    kiosk, line, remaining = session.kiosk, session.line, session.inserted_amount
    funding = Funding(account=cash_account(kiosk))
    sales = []
    if session.purpose == Purpose.BUNDLE and session.product is not None:
        quote = quote_order(line=line, product=session.product, method=PaymentMethod.CASH, channel=Channel.KIOSK)
        if remaining >= quote.total_amount:
            order = orders.place_order(
                customer=None,
                line=line,
                product=session.product,
                method=PaymentMethod.CASH,
                channel=Channel.KIOSK,
                language=session.language,
                funding=funding,
            )
            sales.append(_sale(kiosk=kiosk, order=order, session=session))
            remaining -= order.total_amount
        elif not walked_away:
            missing = format_money(quote.total_amount - remaining, session.currency, get_language() or "en")
            raise NotEnoughCash(missing=missing)
    if remaining > 0:
        # A top-up of exactly what is left: the kiosk gives no change.
        topup = catalog.topup_product_for(line.brand)
        if topup is None:
            raise CashNotForThisLine()
        order = orders.place_order(
            customer=None,
            line=line,
            product=topup,
            method=PaymentMethod.CASH,
            channel=Channel.KIOSK,
            topup_amount=remaining,
            language=session.language,
            funding=funding,
            any_topup_amount=True,
        )
        sales.append(_sale(kiosk=kiosk, order=order, session=session))
    session.status = SessionStatus.SETTLED if session.inserted_amount else SessionStatus.CANCELLED
    session.settled_at = clock.now()
    session.save(update_fields=["status", "settled_at"])
    return sales


def settle_cash_session(*, kiosk: Kiosk, token: str) -> list[KioskSale]:
    """Credit what was inserted: the bundle if the cash reaches its price, and any rest (or all of a
    top-up session's cash) as a top-up of exactly that amount. NotEnoughCash changes nothing."""
    session = lock_session(kiosk=kiosk, token=token)
    if session.status != SessionStatus.OPEN:
        raise SessionClosed()
    if not session.inserted_amount:
        raise NothingInserted()
    return _settle_locked(session=session, walked_away=False)


def settle_abandoned(*, kiosk: Kiosk) -> int:
    """The previous customer left (the kiosk went back to its start screen): credit the cash they
    inserted to their line as a top-up (or their bundle, if it was paid in full); drop empty sessions."""
    settled = 0
    for token in CashSession.objects.filter(kiosk=kiosk, status=SessionStatus.OPEN).values_list("token", flat=True):
        session = lock_session(kiosk=kiosk, token=token)
        if session.status != SessionStatus.OPEN:
            continue
        try:
            with transaction.atomic():
                _settle_locked(session=session, walked_away=True)
        except DomainError:
            continue  # e.g. the line was terminated meanwhile: the session stays open for the operator
        settled += 1
    return settled


def session_sales(session: CashSession) -> list[KioskSale]:
    return list(session.sales.select_related("order", "order__receipt", "order__product").order_by("id"))


# --- Card --------------------------------------------------------------------------------------


def sell_by_card(
    *,
    kiosk: Kiosk,
    line: Line,
    product: Product,
    terminal: PaymentTerminal,
    topup_amount: int | None = None,
    language: str = "en",
) -> KioskSale:
    """Charge the card on the kiosk's terminal, then sell. A decline writes nothing; an approved
    charge whose order is then refused is voided on the terminal."""
    quote = quote_order(
        line=line, product=product, method=PaymentMethod.TERMINAL_CARD, topup_amount=topup_amount, channel=Channel.KIOSK
    )
    reference = f"kiosk:{kiosk.pk}:{secrets.token_hex(8)}"
    result = terminal.charge(amount=quote.total_amount, currency=quote.currency, reference=reference)
    if not result.approved:
        raise CardDeclined()
    try:
        with transaction.atomic():
            order = _place_card_order(
                kiosk=kiosk, line=line, product=product, topup_amount=topup_amount, language=language
            )
            return _sale(kiosk=kiosk, order=order, reference=reference)
    except DomainError:
        terminal.void(reference=reference)
        raise


def _place_card_order(*, kiosk: Kiosk, line: Line, product: Product, topup_amount: int | None, language: str) -> Order:
    """The order for a card payment the kiosk's terminal has taken; the money is in its card account."""
    return orders.place_order(
        customer=None,
        line=line,
        product=product,
        method=PaymentMethod.TERMINAL_CARD,
        channel=Channel.KIOSK,
        topup_amount=topup_amount,
        language=language,
        funding=Funding(account=card_account(kiosk)),
    )


def record_card_sale(
    *, kiosk: Kiosk, line: Line, product: Product, reference: str, topup_amount: int | None = None, language: str = "en"
) -> KioskSale:
    """A sale the kiosk's own terminal already charged (kiosks with their own UI, through the API).
    The caller owns the transaction; a terminal reference already used raises CardPaymentAlreadyUsed."""
    if KioskSale.objects.filter(kiosk=kiosk, terminal_reference=reference[:64]).exists():
        raise CardPaymentAlreadyUsed()
    order = _place_card_order(kiosk=kiosk, line=line, product=product, topup_amount=topup_amount, language=language)
    try:
        with transaction.atomic():
            return _sale(kiosk=kiosk, order=order, reference=reference[:64])
    except IntegrityError as exc:  # the same charge reported twice at once
        raise CardPaymentAlreadyUsed() from exc


# --- Vouchers ----------------------------------------------------------------------------------


def redeem_voucher(*, kiosk: Kiosk, line: Line, pin: str) -> KioskSale:
    """Top up `line` with an e-voucher PIN typed at the kiosk. Call outside a transaction: a wrong
    PIN's attempt is recorded for the guessing throttle (per line and per kiosk) and must stay."""
    redemption = vouchers.redeem(code=pin, line=line, channel=Channel.KIOSK, source=f"kiosk:{kiosk.code}")
    with transaction.atomic():
        return _sale(kiosk=kiosk, order=redemption.order)


def count_wrong_code(*, kiosk: Kiosk, token: str) -> None:
    """Count a wrong balance code again after the caller's transaction rolled the first count back
    (the API answers a refusal by rolling back; the attempt must still count)."""
    BalanceCheck.objects.filter(token=token, kiosk=kiosk, verified_at__isnull=True).update(attempts=F("attempts") + 1)


def sell_for_cash(
    *,
    kiosk: Kiosk,
    line: Line,
    purpose: str,
    inserted: list[Inserted],
    product: Product | None = None,
    language: str = "en",
) -> list[KioskSale]:
    """A kiosk with its own UI and cash acceptor reports a finished cash payment (through the API):
    record the notes and coins in a session and credit them at once. The caller owns the transaction."""
    session = open_cash_session(kiosk=kiosk, line=line, purpose=purpose, product=product, language=language)
    for item in inserted:
        insert_cash(kiosk=kiosk, token=session.token, inserted=item)
    return settle_cash_session(kiosk=kiosk, token=session.token)
