"""Kiosk writes: balance checks by SMS code, cash sessions, and sales paid by card or cash.

Callers own the transaction, except `sell_by_card`, which charges the terminal first (outside
any transaction, like any payment call) and then writes in its own. Lock order: the kiosk's cash
box (its Kiosk row: every note credited and every emptying, one at a time) → cash session → line →
order.
"""

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import translation
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

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
    TooManyWrongCodes,
    UnknownKiosk,
    WrongCode,
)
from simrenew.kiosks.models import (
    BalanceCheck,
    CashBoxEvent,
    CashBoxEventKind,
    CashDevice,
    CashInsertion,
    CashSession,
    Kiosk,
    KioskSale,
    Purpose,
    SessionStatus,
)
from simrenew.kit import clock, parse
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
from simrenew.orders.quotes import Quote, quote_order
from simrenew.payments.cash_acceptor import Inserted
from simrenew.payments.terminal import CardDeclined, PaymentTerminal
from simrenew.throttles import service as throttles
from simrenew.throttles.service import Budget, Rule
from simrenew.vouchers import service as vouchers

CODE_LIFETIME = timedelta(minutes=5)
# After the right code, the balance stays on screen (and in the API) this long.
BALANCE_VISIBLE_FOR = timedelta(minutes=3)
MAX_CODE_ATTEMPTS = 5
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
    locations: dict[str, str] | None = None,
    primary_colour: str = "#1f3a93",
    accent_colour: str = "#f5a623",
    default_language: str = "en",
) -> Kiosk:
    kiosk, _ = Kiosk.objects.update_or_create(
        code=code,
        defaults={
            "name": name,
            "location": location,
            "locations": locations or {},
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


@dataclass(frozen=True)
class Requester:
    """Who asks a kiosk for a balance check: one customer's visit (it changes at the start screen)
    and the device (an enrolled screen). Codes are budgeted for each, as well as per number and per
    kiosk, so one person cannot use up a kiosk's codes for everyone else."""

    visit: str = ""
    device: str = ""


def _sms_budgets(*, kiosk: Kiosk, line: Line, requester: Requester) -> list[Budget]:
    """The budgets a balance-check code uses, the one a refusal should name first."""
    hour, day = timedelta(hours=1), timedelta(days=1)
    cooldown = timedelta(seconds=settings.KIOSK_BALANCE_SMS_COOLDOWN_SECONDS)
    visit = Rule(
        "balance-sms:visit",
        settings.KIOSK_BALANCE_SMS_PER_VISIT,
        hour,
        _("Too many balance checks at this kiosk screen. Try again at %(until)s."),
    )
    device = Rule(
        "balance-sms:device",
        settings.KIOSK_BALANCE_SMS_PER_DEVICE,
        hour,
        _("This kiosk screen has sent as many codes as it may for now. Try again at %(until)s."),
    )
    number = Rule(
        "balance-sms:number",
        1,
        cooldown,
        _("A code was just sent to this number. Use that code, or ask for a new one at %(until)s."),
    )
    number_day = Rule(
        "balance-sms:number-day",
        settings.KIOSK_BALANCE_SMS_PER_NUMBER_PER_DAY,
        day,
        _("This number has received as many codes as it may in 24 hours. Try again at %(until)s."),
    )
    whole_kiosk = Rule(
        "balance-sms:kiosk",
        settings.KIOSK_BALANCE_SMS_PER_KIOSK,
        hour,
        _("This kiosk has sent as many codes as it may for now. Try again at %(until)s."),
    )
    budgets = [visit.of(f"{kiosk.pk}:{requester.visit}")] if requester.visit else []
    if requester.device:
        budgets.append(device.of(f"{kiosk.pk}:{requester.device}"))
    return [*budgets, number.of(line.msisdn), number_day.of(line.msisdn), whole_kiosk.of(str(kiosk.pk))]


def start_balance_check(*, kiosk: Kiosk, line: Line, language: str, requester: Requester) -> BalanceCheck:
    """Send a 6-digit code by SMS to the line (after commit); the balance shows once it is typed.

    Throttled (naming who is limited and until when) when a budget of codes is used up: the
    requester's visit or device, the number's (a cooldown and a daily cap, so nobody is flooded
    with codes), or the kiosk's. A refusal uses none of them. Caller owns the transaction: the
    budgets are used in it, and the SMS goes out when it commits."""
    throttles.take(*_sms_budgets(kiosk=kiosk, line=line, requester=requester))
    now = clock.now()
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
        raise TooManyWrongCodes()
    cleaned = "".join((code or "").split())
    typed_right = parse.is_ascii_digits(cleaned) and constant_time_equal(
        keyed_hash(cleaned, purpose=CODE_PURPOSE), check.code_hash
    )
    if not typed_right:
        check.attempts += 1
        check.save(update_fields=["attempts"])
        if check.attempts >= MAX_CODE_ATTEMPTS:
            raise TooManyWrongCodes()
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


def lock_cash_box(kiosk: Kiosk) -> Kiosk:
    """Lock the kiosk's cash box (its row): credits and emptyings of one kiosk take turns, so an
    emptying counts every credit before it and none after."""
    return Kiosk.objects.select_for_update().get(pk=kiosk.pk)


def insert_cash(*, kiosk: Kiosk, token: str, inserted: Inserted) -> CashSession:
    """Record one note or coin the acceptor took (validated by payments.cash_acceptor), with its
    credit in the cash-box audit. CashLimitReached (and nothing written) above the kiosk's limit."""
    lock_cash_box(kiosk)
    session = lock_session(kiosk=kiosk, token=token)
    if session.status != SessionStatus.OPEN:
        raise SessionClosed()
    limit = settings.KIOSK_MAX_CASH_AMOUNT
    if session.inserted_amount + inserted.amount > limit:
        raise CashLimitReached(limit=format_money(limit, session.currency, get_language() or "en"))
    add_to_session(session=session, amount=inserted.amount, kind=inserted.kind)
    record_cash_event(
        kiosk=kiosk, kind=CashBoxEventKind.CREDIT, session=session, amount=inserted.amount, kind_of_cash=inserted.kind
    )
    return session


def add_to_session(*, session: CashSession, amount: int, kind: str) -> None:
    """Add cash in the box to a locked open session (no limit: it is in, it is credited)."""
    CashInsertion.objects.create(session=session, amount=amount, kind=kind, created_at=clock.now())
    session.inserted_amount += amount
    session.save(update_fields=["inserted_amount"])


def record_cash_event(
    *,
    kiosk: Kiosk,
    kind: str,
    device: CashDevice | None = None,
    session: CashSession | None = None,
    amount: int = 0,
    kind_of_cash: str = "",
    currency: str = "EUR",
    channel: int = 0,
    run: str = "",
    number: int = 0,
) -> CashBoxEvent:
    """One row of the cash-box audit (append-only)."""
    return CashBoxEvent.objects.create(
        kiosk=kiosk,
        device=device,
        session=session,
        kind=kind,
        amount=amount,
        denomination_kind=kind_of_cash,
        currency=currency,
        channel=channel,
        run=run,
        number=number,
        created_at=clock.now(),
    )


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
            order = orders.place_order(quote=quote, customer=None, language=session.language, funding=funding)
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
        cash_quote = quote_order(
            line=line,
            product=topup,
            method=PaymentMethod.CASH,
            channel=Channel.KIOSK,
            topup_amount=remaining,
            any_topup_amount=True,
        )
        order = orders.place_order(quote=cash_quote, customer=None, language=session.language, funding=funding)
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


def settle_walked_away(*, kiosk: Kiosk, token: str) -> list[KioskSale]:
    """Credit one open session whose customer left, as the start screen would (a bundle if paid in
    full, the rest as a top-up)."""
    session = lock_session(kiosk=kiosk, token=token)
    if session.status != SessionStatus.OPEN:
        return []
    return _settle_locked(session=session, walked_away=True)


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
    quote = _card_quote(line=line, product=product, topup_amount=topup_amount)
    reference = f"kiosk:{kiosk.pk}:{secrets.token_hex(8)}"
    result = terminal.charge(amount=quote.total_amount, currency=quote.currency, reference=reference)
    if not result.approved:
        raise CardDeclined()
    try:
        with transaction.atomic():
            order = _place_card_order(kiosk=kiosk, quote=quote, language=language)
            return _sale(kiosk=kiosk, order=order, reference=reference)
    except DomainError:
        terminal.void(reference=reference)
        raise


def _card_quote(*, line: Line, product: Product, topup_amount: int | None) -> Quote:
    return quote_order(
        line=line, product=product, method=PaymentMethod.TERMINAL_CARD, topup_amount=topup_amount, channel=Channel.KIOSK
    )


def _place_card_order(*, kiosk: Kiosk, quote: Quote, language: str) -> Order:
    """The order for a card payment the kiosk's terminal has taken for `quote`'s total; the money is
    in its card account."""
    return orders.place_order(
        quote=quote, customer=None, language=language, funding=Funding(account=card_account(kiosk))
    )


def record_card_sale(
    *, kiosk: Kiosk, line: Line, product: Product, reference: str, topup_amount: int | None = None, language: str = "en"
) -> KioskSale:
    """A sale the kiosk's own terminal already charged (kiosks with their own UI, through the API).
    The caller owns the transaction; a terminal reference already used raises CardPaymentAlreadyUsed."""
    if KioskSale.objects.filter(kiosk=kiosk, terminal_reference=reference[:64]).exists():
        raise CardPaymentAlreadyUsed()
    quote = _card_quote(line=line, product=product, topup_amount=topup_amount)
    order = _place_card_order(kiosk=kiosk, quote=quote, language=language)
    try:
        with transaction.atomic():
            return _sale(kiosk=kiosk, order=order, reference=reference[:64])
    except IntegrityError as exc:  # the same charge reported twice at once
        raise CardPaymentAlreadyUsed() from exc


# --- Vouchers ----------------------------------------------------------------------------------


def redeem_voucher(*, kiosk: Kiosk, line: Line, pin: str, requester: Requester) -> KioskSale:
    """Top up `line` with an e-voucher PIN typed at the kiosk. Call outside a transaction: a wrong
    PIN counts for the guessing throttle (per visit and per device, never the line) and must stay."""
    guesser = vouchers.Guesser(
        visit=f"{kiosk.pk}:{requester.visit}" if requester.visit else "",
        device=f"kiosk:{kiosk.pk}:{requester.device or 'own-ui'}",
    )
    redemption = vouchers.redeem(code=pin, line=line, channel=Channel.KIOSK, guesser=guesser)
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
