"""The kiosk API, for kiosks with their own UI: balance check by SMS code, quotes, top-ups and
renewals paid with the kiosk's card terminal or cash acceptor, voucher redemption, and transactions.

Authentication as for the POS API (terminals.auth): every request is HMAC-signed by a terminal of
kind kiosk that is attached to a kiosks.Kiosk; every call that changes something takes an
Idempotency-Key (terminals.idempotency): a replay returns the identical answer, the same key with
another body gets 409.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language
from ninja import Field, Router, Schema

from simrenew.brands.models import PaymentMethod
from simrenew.catalog import queries as catalog
from simrenew.catalog.models import Product
from simrenew.charging.models import MB_BYTES
from simrenew.kiosks import queries as kiosk_queries
from simrenew.kiosks import service as kiosks
from simrenew.kiosks.errors import AmountMismatch, TooManyWrongCodes, WrongCode
from simrenew.kiosks.models import Kiosk, KioskSale, Purpose
from simrenew.kit.errors import DomainError, Forbidden, NotFound
from simrenew.lines import queries as line_queries
from simrenew.lines.models import Line
from simrenew.orders.models import Channel, Order
from simrenew.orders.quotes import quote_order
from simrenew.payments.cash_acceptor import EURO_DENOMINATIONS, CashRejected, Inserted
from simrenew.terminals.auth import TerminalSignature, terminal_of
from simrenew.terminals.idempotency import IDEMPOTENCY_KEY, respond_once
from simrenew.terminals.models import IdempotentCall, TerminalKind

router = Router(tags=["kiosk"], auth=TerminalSignature(TerminalKind.KIOSK))

NUMBER = Field(min_length=1, max_length=32, description="a Belgian mobile number, e.g. 0470 12 34 56 or +32470123456")
VISIT = Field(
    None,
    min_length=1,
    max_length=64,
    pattern=r"^[A-Za-z0-9_-]+$",
    description="the kiosk's own id for the customer in front of it, new each time it goes back to its start "
    "screen: codes and wrong PINs are then limited per visit too, so one customer's refusals never block the next",
)
DENOMINATIONS = ", ".join(str(d.amount) for d in EURO_DENOMINATIONS)


class KioskNotAttached(Forbidden):
    code = "kiosk_not_attached"


class UnknownProduct(NotFound):
    code = "unknown_product"


class ErrorOut(Schema):
    code: str
    detail: str


class ValidationErrorOut(Schema):
    detail: list[dict[str, Any]]


ERRORS: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    402: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ValidationErrorOut,
    429: ErrorOut,
    503: ErrorOut,
}


class BalanceCheckIn(Schema):
    number: str = NUMBER
    visit: str | None = VISIT


class BalanceCheckOut(Schema):
    check_id: str = Field(description="send it back with the code from the SMS")
    masked_number: str
    expires_at: datetime


class CodeIn(Schema):
    code: str = Field(min_length=1, max_length=12, description="the 6-digit code the line received by SMS")


class BundleOut(Schema):
    product_code: str
    name: str
    data_mb_left: int | None = Field(description="whole MB not yet started; null: unlimited")
    voice_minutes_left: int | None = Field(description="whole minutes not yet started; null: unlimited")
    sms_left: int | None = Field(description="null: unlimited")
    data_bytes_left: int | None = Field(
        description="bytes left, the part of the next MB used taken off; null: unlimited"
    )
    voice_seconds_left: int | None = Field(
        description="seconds left, the part of the next minute used taken off; null: unlimited"
    )
    starts_at: datetime
    ends_at: datetime


class BalanceOut(Schema):
    masked_number: str
    brand: str
    status: str
    credit_amount: int = Field(description="cents")
    bonus_amount: int = Field(description="cents")
    currency: str
    credit_expires_at: datetime | None
    bundle: BundleOut | None
    queued: list[BundleOut]


class QuoteIn(Schema):
    number: str = NUMBER
    product_code: str | None = Field(None, max_length=48, description="a bundle's code; omit for a top-up")
    amount: int | None = Field(None, ge=1, le=1_000_000, description="top-up amount in cents")
    method: Literal["card", "cash"]


class QuoteOut(Schema):
    masked_number: str
    brand: str
    kind: str
    product_code: str
    list_amount: int
    discount_amount: int
    fee_amount: int
    total_amount: int
    vat_amount: int
    currency: str
    gives_change: bool = Field(False, description="always false: the kiosk credits all the cash inserted")


class CardPaymentIn(Schema):
    method: Literal["card"]
    terminal_reference: str = Field(
        min_length=1, max_length=64, description="the approved charge on the kiosk's terminal"
    )


class CashPaymentIn(Schema):
    method: Literal["cash"]
    inserted: list[int] = Field(
        min_length=1, max_length=100, description=f"every note and coin accepted, in cents (one of {DENOMINATIONS})"
    )


class TopupIn(Schema):
    number: str = NUMBER
    amount: int | None = Field(None, ge=1, le=1_000_000, description="cents; by card, one of the top-up amounts")
    payment: CardPaymentIn | CashPaymentIn = Field(discriminator="method")


class RenewalIn(Schema):
    number: str = NUMBER
    product_code: str = Field(min_length=1, max_length=48)
    payment: CardPaymentIn | CashPaymentIn = Field(discriminator="method")


class VoucherIn(Schema):
    number: str = NUMBER
    pin: str = Field(min_length=1, max_length=40)
    visit: str | None = VISIT


class TransactionOut(Schema):
    order_number: str
    kind: str
    status: str
    masked_number: str
    product_code: str
    method: str
    list_amount: int
    fee_amount: int
    total_amount: int
    vat_amount: int
    currency: str
    receipt_number: str | None
    verification_code: str | None
    created_at: datetime


class SaleOut(Schema):
    transactions: list[TransactionOut] = Field(
        description="the bundle and/or the top-up credited; cash above a bundle's price is a second, top-up transaction"
    )
    inserted_amount: int | None = Field(None, description="cash: the total inserted, all of it credited")


# --- helpers -------------------------------------------------------------------------------------


def _kiosk(request: HttpRequest) -> Kiosk:
    found = Kiosk.objects.filter(terminal=terminal_of(request), active=True).first()
    if found is None:
        raise KioskNotAttached()
    return found


def _line(number: str) -> Line:
    return line_queries.line_by_number(number)


def _bundle(line: Line, code: str) -> Product:
    product = catalog.bundles_for(line.brand).filter(code=code).first()
    if product is None:
        raise UnknownProduct()
    return product


def _topup_product(line: Line) -> Product:
    product = catalog.topup_product_for(line.brand)
    if product is None:
        raise UnknownProduct()
    return product


def _transaction(order: Order) -> TransactionOut:
    receipt = getattr(order, "receipt", None)
    return TransactionOut(
        order_number=order.number,
        kind=order.kind,
        status=order.status,
        masked_number=order.masked_number,
        product_code=order.product.code,
        method=order.method,
        list_amount=order.list_amount,
        fee_amount=order.fee_amount,
        total_amount=order.total_amount,
        vat_amount=order.vat_amount,
        currency=order.currency,
        receipt_number=receipt.number if receipt else None,
        verification_code=receipt.verification_code if receipt else None,
        created_at=order.created_at,
    )


def _bundle_out(period: Any, left: dict[str, int | None] | None = None) -> BundleOut:
    """`left`: the current bundle's exact units left (kiosks.queries.BalanceView.left); a queued bundle has
    used nothing, so its whole MB and minutes are exact."""
    data, voice = period.data_mb_left, period.voice_minutes_left
    exact = left or {
        "data": None if data is None else data * MB_BYTES,
        "voice": None if voice is None else voice * 60,
    }
    return BundleOut(
        product_code=period.product.code,
        name=period.product.name,
        data_mb_left=data,
        voice_minutes_left=voice,
        sms_left=period.sms_left,
        data_bytes_left=exact["data"],
        voice_seconds_left=exact["voice"],
        starts_at=period.starts_at,
        ends_at=period.ends_at,
    )


def _balance(line: Line) -> BalanceOut:
    view = kiosk_queries.balance_view(line)
    return BalanceOut(
        masked_number=view.masked_number,
        brand=view.brand,
        status=view.status,
        credit_amount=view.credit_amount,
        bonus_amount=view.bonus_amount,
        currency=view.currency,
        credit_expires_at=view.credit_expires_at,
        bundle=_bundle_out(view.bundle, view.left) if view.bundle else None,
        queued=[_bundle_out(p) for p in view.queued],
    )


def _inserted(amounts: list[int]) -> list[Inserted]:
    kinds = {d.amount: d.kind for d in EURO_DENOMINATIONS}
    if any(amount not in kinds for amount in amounts):
        raise CashRejected()
    return [Inserted(amount=amount, kind=kinds[amount]) for amount in amounts]


def _sale_out(sales: list[KioskSale], inserted_amount: int | None = None) -> SaleOut:
    return SaleOut(transactions=[_transaction(sale.order) for sale in sales], inserted_amount=inserted_amount)


def _already_answered(request: HttpRequest, key: str) -> bool:
    return IdempotentCall.objects.filter(terminal=terminal_of(request), key=(key or "").strip()).exists()


def _after_commit_outside(request: HttpRequest, key: str, work: Callable[[], Any], status: int) -> HttpResponse:
    """For calls whose refusal must leave a trace (a wrong code or PIN counts toward the throttle):
    a replayed key is answered from the store; otherwise the work runs and commits on its own, and
    only its successful answer is stored under the key."""
    if _already_answered(request, key):
        return respond_once(request, key=key, run=lambda: None, status=status)
    result = work()
    return respond_once(request, key=key, run=lambda: result, status=status)


# --- endpoints -----------------------------------------------------------------------------------


@router.post(
    "/balance-checks",
    response={201: BalanceCheckOut, **ERRORS},
    summary="Start a balance check: a code goes by SMS to the number",
)
def start_balance_check(
    request: HttpRequest, data: BalanceCheckIn, idempotency_key: str = IDEMPOTENCY_KEY
) -> HttpResponse:
    kiosk = _kiosk(request)

    def run() -> BalanceCheckOut:
        line = _line(data.number)
        requester = kiosks.Requester(visit=data.visit or "")
        check = kiosks.start_balance_check(kiosk=kiosk, line=line, language=get_language() or "en", requester=requester)
        return BalanceCheckOut(check_id=check.token, masked_number=line.masked, expires_at=check.expires_at)

    return respond_once(request, key=idempotency_key, run=run, status=201)


@router.post(
    "/balance-checks/{check_id}/confirm",
    response={200: BalanceOut, **ERRORS},
    summary="Confirm a balance check with the code from the SMS: the balance",
)
def confirm_balance_check(
    request: HttpRequest, check_id: str, data: CodeIn, idempotency_key: str = IDEMPOTENCY_KEY
) -> HttpResponse:
    kiosk = _kiosk(request)

    def work() -> BalanceOut:
        refused: DomainError | None = None
        with transaction.atomic():
            try:
                check = kiosks.confirm_balance_check(kiosk=kiosk, token=check_id, code=data.code)
            except (WrongCode, TooManyWrongCodes) as error:
                refused = error  # the attempt is counted and committed
        if refused is not None:
            raise refused
        return _balance(check.line)

    return _after_commit_outside(request, idempotency_key, work, status=200)


@router.post("/quotes", response={200: QuoteOut, **ERRORS}, summary="Price a top-up or a renewal before paying")
def quote(request: HttpRequest, data: QuoteIn) -> QuoteOut:
    _kiosk(request)
    line = _line(data.number)
    method = PaymentMethod.CASH if data.method == "cash" else PaymentMethod.TERMINAL_CARD
    if data.product_code:
        found = quote_order(line=line, product=_bundle(line, data.product_code), method=method, channel=Channel.KIOSK)
    else:
        found = quote_order(
            line=line,
            channel=Channel.KIOSK,
            product=_topup_product(line),
            method=method,
            topup_amount=data.amount,
            any_topup_amount=data.method == "cash",
        )
    return QuoteOut(
        masked_number=line.masked,
        brand=line.brand.name,
        kind=found.kind,
        product_code=found.product.code,
        list_amount=found.list_amount,
        discount_amount=found.discount_amount,
        fee_amount=found.fee_amount,
        total_amount=found.total_amount,
        vat_amount=found.vat_amount,
        currency=found.currency,
        gives_change=False,
    )


def _sell(request: HttpRequest, kiosk: Kiosk, data: TopupIn | RenewalIn) -> SaleOut:
    line = _line(data.number)
    language = get_language() or "en"
    payment = data.payment
    bundle = _bundle(line, data.product_code) if isinstance(data, RenewalIn) else None
    if isinstance(payment, CashPaymentIn):
        inserted = _inserted(payment.inserted)
        total = sum(item.amount for item in inserted)
        if isinstance(data, TopupIn) and data.amount is not None and data.amount != total:
            raise AmountMismatch()
        sales = kiosks.sell_for_cash(
            kiosk=kiosk,
            line=line,
            purpose=Purpose.BUNDLE if bundle else Purpose.TOPUP,
            product=bundle,
            inserted=inserted,
            language=language,
        )
        return _sale_out(sales, inserted_amount=total)
    product = bundle or _topup_product(line)
    sale = kiosks.record_card_sale(
        kiosk=kiosk,
        line=line,
        product=product,
        reference=payment.terminal_reference,
        topup_amount=None if bundle else data.amount,  # type: ignore[union-attr]
        language=language,
    )
    return _sale_out([sale])


@router.post("/topups", response={201: SaleOut, **ERRORS}, summary="Top up a number, paid by card or cash")
def topup(request: HttpRequest, data: TopupIn, idempotency_key: str = IDEMPOTENCY_KEY) -> HttpResponse:
    kiosk = _kiosk(request)
    return respond_once(request, key=idempotency_key, run=lambda: _sell(request, kiosk, data), status=201)


@router.post("/renewals", response={201: SaleOut, **ERRORS}, summary="Renew a bundle, paid by card or cash")
def renewal(request: HttpRequest, data: RenewalIn, idempotency_key: str = IDEMPOTENCY_KEY) -> HttpResponse:
    kiosk = _kiosk(request)
    return respond_once(request, key=idempotency_key, run=lambda: _sell(request, kiosk, data), status=201)


@router.post("/vouchers/redeem", response={201: SaleOut, **ERRORS}, summary="Top up a number with an e-voucher PIN")
def redeem_voucher(request: HttpRequest, data: VoucherIn, idempotency_key: str = IDEMPOTENCY_KEY) -> HttpResponse:
    kiosk = _kiosk(request)

    def work() -> SaleOut:
        line = _line(data.number)
        requester = kiosks.Requester(visit=data.visit or "")
        return _sale_out([kiosks.redeem_voucher(kiosk=kiosk, line=line, pin=data.pin, requester=requester)])

    return _after_commit_outside(request, idempotency_key, work, status=201)


@router.get(
    "/transactions/{order_number}",
    response={200: TransactionOut, **ERRORS},
    summary="A transaction this kiosk made",
)
def transaction_detail(request: HttpRequest, order_number: str) -> TransactionOut:
    kiosk = _kiosk(request)
    sale = kiosk_queries.sale_of(kiosk=kiosk, order_number=order_number)
    if sale is None:
        raise NotFound()
    return _transaction(sale.order)
