"""The POS API for retail terminals: look up a number, list products, quote, sell a top-up, a bundle,
an e-PIN or a scratch card from the retailer's float, void within the window, fetch a sale, and the
daily settlement.

Every call is HMAC-signed by the terminal (`terminals.auth`); every sale and void takes an
Idempotency-Key (`terminals.idempotency`). Errors are JSON `{"code", "detail"}` in the language of
Accept-Language; amounts are integer euro cents.
"""

from datetime import date, datetime
from typing import Any, Literal

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import translation
from ninja import Field, Path, Query, Router, Schema

from simrenew.brands.models import Brand
from simrenew.catalog import queries as catalog
from simrenew.catalog.models import Product
from simrenew.kit.errors import NotFound
from simrenew.lines import queries as line_queries
from simrenew.lines.models import ENDED_STATUSES, Line
from simrenew.retail import queries, service
from simrenew.retail.errors import ProductMissing, UnknownProduct
from simrenew.retail.models import Sale
from simrenew.terminals.auth import TerminalSignature, terminal_of
from simrenew.terminals.idempotency import IDEMPOTENCY_KEY, respond_once
from simrenew.terminals.models import TerminalKind
from simrenew.vouchers import service as vouchers

router = Router(tags=["pos"], auth=TerminalSignature(TerminalKind.POS))

CODE = r"^[A-Za-z0-9_-]{1,48}$"
SALE_NUMBER = r"^[A-Za-z0-9-]{1,16}$"
MAX_AMOUNT = 100_000_00


class PosErrorOut(Schema):
    code: str
    detail: str


class PosValidationErrorOut(Schema):
    detail: list[dict[str, Any]]


ERRORS: dict[int, Any] = {
    400: PosErrorOut,
    401: PosErrorOut,
    403: PosErrorOut,
    404: PosErrorOut,
    409: PosErrorOut,
    422: PosValidationErrorOut,
}


class PosBrandOut(Schema):
    code: str
    name: str


class PosProductOut(Schema):
    code: str
    brand: str
    kind: Literal["bundle", "topup"]
    name: str
    price_amount: int | None = Field(None, description="bundle price in cents, VAT included")
    currency: str
    data_mb: int | None = Field(None, description="null: unlimited (bundles)")
    voice_minutes: int | None = None
    sms_count: int | None = None
    validity_days: int | None = None
    topup_amounts: list[int] = Field(description="amounts in cents a top-up product accepts")


class PosLineOut(Schema):
    number: str = Field(description="national form, 0470 12 34 56")
    brand: PosBrandOut
    status: str
    can_buy: bool
    products: list[PosProductOut]
    voucher_values: list[int] = Field(description="values in cents of e-PINs of this brand")


class PosSaleIn(Schema):
    number: str = Field(
        min_length=1,
        max_length=32,
        description="the customer's mobile number, any usual form",
        examples=["0470 00 00 01"],
    )
    product_code: str | None = Field(
        None, pattern=CODE, description="a bundle's code, or the top-up product's", examples=["base-15"]
    )
    topup_amount: int | None = Field(None, ge=1, le=MAX_AMOUNT, description="cents; for a top-up", examples=[1500])


class PosQuoteOut(Schema):
    kind: Literal["bundle", "topup"]
    brand: str
    product_code: str
    list_amount: int
    discount_amount: int
    fee_amount: int
    total_amount: int = Field(description="what the customer pays")
    vat_amount: int
    commission_amount: int = Field(description="what the shop keeps")
    float_amount: int = Field(description="what the sale takes from the float")
    currency: str


class PosPinIn(Schema):
    brand: str = Field(pattern=CODE, examples=["base"])
    value_amount: int = Field(
        ge=1, le=MAX_AMOUNT, description="cents; one of the brand's top-up amounts", examples=[1500]
    )


class PosCardIn(Schema):
    serial: str = Field(pattern=r"^[A-Za-z0-9]{1,20}$", description="the serial number printed on the card")


class PosReceiptOut(Schema):
    number: str
    verification_code: str
    url: str


class PosVoucherOut(Schema):
    serial: str
    last_digits: str
    value_amount: int
    expires_at: datetime
    state: str


class PosSaleOut(Schema):
    number: str
    kind: Literal["topup", "bundle", "pin", "card"]
    status: Literal["completed", "voided"]
    brand: str
    product_code: str | None
    product_name: str | None
    masked_number: str | None
    amount: int = Field(description="what the customer paid, cents")
    commission_amount: int
    float_amount: int
    currency: str
    created_at: datetime
    void_until: datetime
    voided_at: datetime | None
    order_number: str | None
    receipt: PosReceiptOut | None
    voucher: PosVoucherOut | None
    pin: str | None = Field(None, description="the e-PIN, only in the answer to its sale")
    how_to_redeem: str | None = None
    float_balance_amount: int = Field(description="the retailer's float after this call")


class PosTotalsOut(Schema):
    sales_count: int
    sales_amount: int
    voids_count: int
    voids_amount: int
    commission_amount: int
    deposits_amount: int
    float_amount: int


class PosOutletTotalsOut(PosTotalsOut):
    outlet: str


class PosMovementOut(Schema):
    at: datetime
    event: str
    sale: str | None
    sale_amount: int
    commission_amount: int
    float_amount: int
    journal: str


class PosSettlementOut(Schema):
    retailer: str
    outlet: str | None
    date: date
    opening_amount: int
    closing_amount: int
    totals: PosTotalsOut
    outlets: list[PosOutletTotalsOut]
    movements: list[PosMovementOut]
    reconciles: bool


# --- helpers


def _product_out(product: Product) -> dict[str, Any]:
    return {
        "code": product.code,
        "brand": product.brand.code,
        "kind": product.kind,
        "name": product.name,
        "price_amount": product.price_amount,
        "currency": product.currency,
        "data_mb": product.data_mb,
        "voice_minutes": product.voice_minutes,
        "sms_count": product.sms_count,
        "validity_days": product.validity_days,
        "topup_amounts": [] if product.is_bundle else product.topup_choices(),
    }


def _products_of(brand: Brand) -> list[Product]:
    topup = catalog.topup_product_for(brand)
    return list(catalog.bundles_for(brand).select_related("brand")) + ([topup] if topup else [])


def _line_and_product(data: PosSaleIn, *, lock: bool = False) -> tuple[Line, Product]:
    # A sale locks the line as it finds it (one statement); a quote only reads it.
    line = service.locked_line(data.number) if lock else line_queries.line_by_number(data.number)
    if data.product_code:
        product = catalog.active_product(line.brand, data.product_code)
        if product is None:
            raise UnknownProduct()
    elif data.topup_amount is not None:
        product = catalog.topup_product_for(line.brand)
        if product is None:
            raise UnknownProduct()
    else:
        raise ProductMissing()
    return line, product


def _totals(totals: queries.Totals) -> dict[str, int]:
    return {
        "sales_count": totals.sales_count,
        "sales_amount": totals.sales_amount,
        "voids_count": totals.voids_count,
        "voids_amount": totals.voids_amount,
        "commission_amount": totals.commission_amount,
        "deposits_amount": totals.deposits_amount,
        "float_amount": totals.float_amount,
    }


def sale_out(sale: Sale, *, pin: str | None = None) -> PosSaleOut:
    order = getattr(sale, "order", None)
    receipt = getattr(order, "receipt", None) if order is not None else None
    voucher = sale.voucher
    language = translation.get_language() or "en"
    receipt_out = None
    if receipt is not None:
        with translation.override(language):
            url = settings.PUBLIC_URL + reverse("portal:receipt", kwargs={"number": receipt.number})
        receipt_out = PosReceiptOut(
            number=receipt.number,
            verification_code=receipt.verification_code,
            url=f"{url}?code={receipt.verification_code}",
        )
    return PosSaleOut(
        number=sale.number,
        kind=sale.kind,  # type: ignore[arg-type]
        status=sale.status,  # type: ignore[arg-type]
        brand=sale.brand.code,
        product_code=order.product.code if order is not None else None,
        product_name=order.product.name_in(language) if order is not None else None,
        masked_number=sale.masked_number or None,
        amount=sale.amount,
        commission_amount=sale.commission_amount,
        float_amount=sale.float_amount,
        currency=sale.currency,
        created_at=sale.created_at,
        void_until=service.void_deadline(sale),
        voided_at=sale.voided_at,
        order_number=order.number if order is not None else None,
        receipt=receipt_out,
        voucher=PosVoucherOut(
            serial=voucher.serial,
            last_digits=voucher.last_digits,
            value_amount=voucher.value_amount,
            expires_at=voucher.expires_at,
            state=voucher.state,
        )
        if voucher is not None
        else None,
        pin=pin,
        how_to_redeem=vouchers.how_to_redeem(voucher, pin) if voucher is not None and pin else None,
        float_balance_amount=sale.float_balance_after
        if sale.float_balance_after is not None
        else service.float_balance(sale.retailer),
    )


def _seller(request: HttpRequest) -> service.Seller:
    return service.seller_for_terminal(terminal_of(request))


# --- endpoints

DAY: Any = Query(None, alias="date", description="YYYY-MM-DD, Europe/Brussels; today if absent")
SCOPE: Any = Query("outlet", description="the terminal's outlet, or its retailer with every outlet")


@router.get("/lines/{number}", response={200: PosLineOut, **ERRORS}, summary="Look up a number")
def look_up_line(request: HttpRequest, number: str = Path(..., max_length=32)) -> PosLineOut:
    _seller(request)
    line = line_queries.line_by_number(number)
    usable = line.status not in ENDED_STATUSES
    topup = catalog.topup_product_for(line.brand)
    return PosLineOut(
        number=line.display,
        brand=PosBrandOut(code=line.brand.code, name=line.brand.name),
        status=line.status,
        can_buy=usable,
        products=[PosProductOut(**_product_out(p)) for p in _products_of(line.brand)] if usable else [],
        voucher_values=topup.topup_choices() if topup else [],
    )


@router.get("/products", response={200: list[PosProductOut], **ERRORS}, summary="List products")
def list_products(request: HttpRequest, brand: str | None = Query(None, pattern=CODE)) -> list[PosProductOut]:
    _seller(request)
    brands = Brand.objects.filter(code=brand) if brand else Brand.objects.all()
    return [PosProductOut(**_product_out(p)) for b in brands for p in _products_of(b)]


@router.post("/quotes", response={200: PosQuoteOut, **ERRORS}, summary="Quote a top-up or a bundle")
def quote(request: HttpRequest, data: PosSaleIn) -> PosQuoteOut:
    seller = _seller(request)
    line, product = _line_and_product(data)
    priced = service.quote_sale(seller=seller, line=line, product=product, topup_amount=data.topup_amount)
    q = priced.quote
    return PosQuoteOut(
        kind=q.kind,  # type: ignore[arg-type]
        brand=line.brand.code,
        product_code=product.code,
        list_amount=q.list_amount,
        discount_amount=q.discount_amount,
        fee_amount=q.fee_amount,
        total_amount=q.total_amount,
        vat_amount=q.vat_amount,
        commission_amount=priced.commission_amount,
        float_amount=priced.float_amount,
        currency=q.currency,
    )


@router.post("/sales", response={201: PosSaleOut, **ERRORS}, summary="Sell a top-up or a bundle to a number")
def sell(request: HttpRequest, data: PosSaleIn, idempotency_key: str = IDEMPOTENCY_KEY) -> HttpResponse:
    seller = _seller(request)

    def run() -> PosSaleOut:
        line, product = _line_and_product(data, lock=True)
        language = translation.get_language() or "en"
        sale = service.sell(
            seller=seller,
            line=line,
            product=product,
            topup_amount=data.topup_amount,
            language=language,
            line_locked=True,
        )
        return sale_out(sale)

    return respond_once(request, key=idempotency_key, status=201, run=run)


@router.post("/vouchers", response={201: PosSaleOut, **ERRORS}, summary="Sell an e-voucher PIN")
def sell_pin(request: HttpRequest, data: PosPinIn, idempotency_key: str = IDEMPOTENCY_KEY) -> HttpResponse:
    seller = _seller(request)

    def run() -> PosSaleOut:
        brand = Brand.objects.filter(code=data.brand).first()
        if brand is None:
            raise NotFound()
        sale, pin = service.sell_pin(seller=seller, brand=brand, value_amount=data.value_amount)
        return sale_out(sale, pin=pin)

    return respond_once(request, key=idempotency_key, status=201, run=run)


@router.post("/cards", response={201: PosSaleOut, **ERRORS}, summary="Sell (activate) a printed scratch card")
def sell_card(request: HttpRequest, data: PosCardIn, idempotency_key: str = IDEMPOTENCY_KEY) -> HttpResponse:
    seller = _seller(request)
    return respond_once(
        request,
        key=idempotency_key,
        status=201,
        run=lambda: sale_out(service.sell_card(seller=seller, serial=data.serial)),
    )


@router.post(
    "/sales/{number}/void",
    response={200: PosSaleOut, **ERRORS},
    summary="Void a sale (within the window, while unused)",
)
def void(
    request: HttpRequest, number: str = Path(..., pattern=SALE_NUMBER), idempotency_key: str = IDEMPOTENCY_KEY
) -> HttpResponse:
    seller = _seller(request)
    return respond_once(
        request, key=idempotency_key, status=200, run=lambda: sale_out(service.void_sale(seller=seller, number=number))
    )


@router.get("/sales/{number}", response={200: PosSaleOut, **ERRORS}, summary="Fetch a sale")
def fetch_sale(request: HttpRequest, number: str = Path(..., pattern=SALE_NUMBER)) -> PosSaleOut:
    return sale_out(service.sale_of(seller=_seller(request), number=number))


@router.get("/settlement", response={200: PosSettlementOut, **ERRORS}, summary="Daily settlement")
def settlement(
    request: HttpRequest,
    day: date | None = DAY,
    scope: Literal["outlet", "retailer"] = SCOPE,
) -> PosSettlementOut:
    seller = _seller(request)
    result = queries.settlement(
        retailer=seller.retailer, day=day or queries.today(), outlet=seller.outlet if scope == "outlet" else None
    )
    return PosSettlementOut(
        retailer=seller.retailer.name,
        outlet=result.outlet.name if result.outlet else None,
        date=result.day,
        opening_amount=result.opening_amount,
        closing_amount=result.closing_amount,
        totals=PosTotalsOut(**_totals(result.totals)),
        outlets=[PosOutletTotalsOut(outlet=o.name, **_totals(t)) for o, t in result.per_outlet],
        movements=[
            PosMovementOut(
                at=m.at,
                event=m.event,
                sale=m.sale.number if m.sale else None,
                sale_amount=m.sale_amount,
                commission_amount=m.commission_amount,
                float_amount=m.float_amount,
                journal=m.journal_key,
            )
            for m in result.movements
        ],
        reconciles=result.reconciles,
    )
