"""Selling at retail tills (top-ups, bundles, e-PINs, scratch cards) from the retailer's float, voiding
within the window while unused, topping up floats and setting commission rates.

Callers own the transaction. Lock order: line → order (orders) → float account (ledger, by id);
a void locks the sale first, then the line (orders.void_order) or the voucher.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings

from simrenew.audit import service as audit
from simrenew.brands.models import Brand, PaymentMethod
from simrenew.catalog.models import Product
from simrenew.customers.models import User
from simrenew.kit import clock, rows
from simrenew.kit.codes import readable_code
from simrenew.kit.money import percent_of
from simrenew.kit.phone import normalize_msisdn
from simrenew.ledger import service as ledger
from simrenew.ledger.errors import InsufficientFunds
from simrenew.ledger.models import Account, AccountKind
from simrenew.lines.errors import UnknownLine
from simrenew.lines.models import Line
from simrenew.orders import service as orders
from simrenew.orders.errors import OrderNotVoidable
from simrenew.orders.models import Channel
from simrenew.orders.postings import Funding
from simrenew.orders.quotes import Quote, quote_order
from simrenew.reference import cache as reference
from simrenew.retail.errors import (
    FloatTooLow,
    InvalidDeposit,
    NotAtAnOutlet,
    SaleAlreadyUsed,
    SaleAlreadyVoided,
    UnknownSale,
    VoidWindowClosed,
)
from simrenew.retail.models import (
    Cashier,
    CommissionRate,
    FloatDeposit,
    Outlet,
    OutletTerminal,
    Retailer,
    Sale,
    SaleKind,
    SaleStatus,
)
from simrenew.staff import service as staff
from simrenew.staff.roles import RETAIL_CASHIER
from simrenew.terminals.models import Terminal
from simrenew.vouchers import service as vouchers
from simrenew.vouchers.errors import VoucherNotVoidable

CASHIER_GROUP = RETAIL_CASHIER.group  # the role (simrenew.staff.roles) that sells at a till
# Ledger account kind for what retailers wire us to prefund their floats (money we hold).
RETAILER_DEPOSITS = "retailer_deposits"


@dataclass(frozen=True)
class Seller:
    """Who sells: a terminal (API) or a cashier (POS page), at one outlet."""

    outlet: Outlet
    terminal: Terminal | None = None
    cashier: User | None = None

    @property
    def retailer(self) -> Retailer:
        return self.outlet.retailer

    def record_audit(self, *, action: str, target: str, details: dict[str, object]) -> None:
        audit.record(
            action=action,
            target=target,
            user=self.cashier,
            terminal=self.terminal.key_id if self.terminal else "",
            details={"outlet": self.outlet.pk, **details},
        )


def seller_for_terminal(terminal: Terminal) -> Seller:
    # Which outlet a terminal stands in changes in the back office only: kept per process.
    link = reference.cached(
        f"terminal-outlet:{terminal.pk}",
        lambda: OutletTerminal.objects.select_related("outlet__retailer").filter(terminal=terminal).first(),
    )
    if link is None or not link.outlet.active or not link.outlet.retailer.active:
        raise NotAtAnOutlet()
    return Seller(outlet=link.outlet, terminal=terminal)


def seller_for_cashier(user: User) -> Seller:
    cashier = Cashier.objects.select_related("outlet__retailer").filter(user=user, active=True).first()
    if (
        cashier is None
        or not cashier.outlet.active
        or not cashier.outlet.retailer.active
        or not user.groups.filter(name=CASHIER_GROUP).exists()
    ):
        raise NotAtAnOutlet()
    return Seller(outlet=cashier.outlet, cashier=user)


def float_account(retailer: Retailer) -> Account:
    return ledger.account(retailer.float_account_code, AccountKind.RETAILER_FLOAT)


def deposits_account() -> Account:
    return ledger.account("platform:retailer_deposits", RETAILER_DEPOSITS)


def float_balance(retailer: Retailer) -> int:
    found = Account.objects.filter(code=retailer.float_account_code).values_list("balance_amount", flat=True).first()
    return int(found or 0)


def commission_rate_bp(*, retailer: Retailer, brand: Brand, product: Product | None = None) -> int:
    """The retailer's commission on this brand (and product, where it has its own), kept per process."""
    by_product: dict[int | None, int] = reference.cached(
        f"commission:{retailer.pk}:{brand.pk}",
        lambda: {
            rate.product_id: rate.rate_bp for rate in CommissionRate.objects.filter(retailer=retailer, brand=brand)
        },
    )
    if product is not None and product.pk in by_product:
        return by_product[product.pk]
    return by_product.get(None, 0)


def set_commission_rate(
    *, retailer: Retailer, brand: Brand, product: Product | None, rate_bp: int, user: User | None
) -> CommissionRate:
    rate, _ = CommissionRate.objects.update_or_create(
        retailer=retailer, brand=brand, product=product, defaults={"rate_bp": rate_bp}
    )
    audit.record(
        action="retail.commission_rate_set",
        target=f"retailer:{retailer.pk}",
        user=user,
        details={"brand": brand.code, "product": product.code if product else None, "rate_bp": rate_bp},
    )
    return rate


def top_up_float(*, retailer: Retailer, amount: int, reference: str = "", user: User | None = None) -> FloatDeposit:
    """Record money the retailer paid us and credit its float (journal from the deposits clearing account)."""
    if amount <= 0:
        raise InvalidDeposit()
    deposit = FloatDeposit.objects.create(
        retailer=retailer, amount=amount, reference=reference[:80], created_by=user, created_at=clock.now()
    )
    ledger.post_journal(
        key=deposit.journal_key,
        kind="retailer_deposit",
        entries=[ledger.Entry(float_account(retailer), amount), ledger.Entry(deposits_account(), -amount)],
        memo=f"{retailer.name} {reference}",
    )
    audit.record(
        action="retail.float_topped_up",
        target=f"retailer:{retailer.pk}",
        user=user,
        details={"amount": amount, "reference": reference[:80], "deposit": deposit.pk},
    )
    return deposit


def make_cashier(*, user: User, outlet: Outlet) -> Cashier:
    staff.grant_role(user=user, role=RETAIL_CASHIER)
    cashier, _ = Cashier.objects.update_or_create(user=user, defaults={"outlet": outlet, "active": True})
    return cashier


# --- Sales


@dataclass(frozen=True)
class SaleQuote:
    quote: Quote
    commission_amount: int

    @property
    def float_amount(self) -> int:
        return self.quote.total_amount - self.commission_amount


def quote_sale(*, seller: Seller, line: Line, product: Product, topup_amount: int | None = None) -> SaleQuote:
    quote = quote_order(
        line=line, product=product, method=PaymentMethod.RETAILER_FLOAT, topup_amount=topup_amount, channel=Channel.POS
    )
    rate = commission_rate_bp(retailer=seller.retailer, brand=line.brand, product=product)
    return SaleQuote(quote, percent_of(quote.total_amount, rate))


def _number() -> str:
    # No look-up first: the unique constraint refuses the one-in-a-trillion clash.
    return f"PS-{readable_code(8)}"


def locked_line(raw_number: str) -> Line:
    """The line for a number typed in any usual form, locked for this transaction (lock order: the
    line first), read in one statement; InvalidMsisdn or UnknownLine otherwise. A sale at a till
    reads the line this way and hands it to `sell(line_locked=True)`, which locks nothing again."""
    found = rows.get_by(Line, "msisdn", normalize_msisdn(raw_number), lock=True)
    if found is None:
        raise UnknownLine()
    # The brand is reference data, kept per process: not joined, and not locked with the line.
    found.brand = reference.cached(f"brand:{found.brand_id}", lambda: Brand.objects.get(pk=found.brand_id))
    return found


def sell(
    *,
    seller: Seller,
    line: Line,
    product: Product,
    topup_amount: int | None = None,
    language: str = "en",
    line_locked: bool = False,
) -> Sale:
    """Sell a top-up or a bundle to `line`, paid from the retailer's float (FloatTooLow if it does not
    cover). `line_locked`: `line` comes from `locked_line` in this transaction."""
    priced = quote_sale(seller=seller, line=line, product=product, topup_amount=topup_amount)
    try:
        order = orders.place_order(
            quote=priced.quote,
            customer=None,
            language=language,
            funding=Funding(account=float_account(seller.retailer), commission_amount=priced.commission_amount),
            line_locked=line_locked,
        )
    except InsufficientFunds as exc:  # the line's credit only grows here: it is the float
        raise FloatTooLow() from exc
    sale = Sale(
        number=_number(),
        retailer=seller.retailer,
        outlet=seller.outlet,
        terminal=seller.terminal,
        cashier=seller.cashier,
        kind=SaleKind.BUNDLE if product.is_bundle else SaleKind.TOPUP,
        brand=line.brand,
        order=order,
        msisdn=line.msisdn,
        amount=order.total_amount,
        commission_amount=priced.commission_amount,
        currency=order.currency,
        created_at=order.created_at,
    )
    rows.insert(sale)  # every sale writes one: a statement built once, not compiled per sale
    if order.fulfilment is not None:
        sale.float_balance_after = order.fulfilment.balances_after.get(float_account(seller.retailer).id)
    seller.record_audit(
        action="retail.sale", target=f"line:{line.pk}", details={"sale": sale.number, "amount": sale.amount}
    )
    return sale


def sell_pin(*, seller: Seller, brand: Brand, value_amount: int) -> tuple[Sale, str]:
    """Sell an e-PIN made now; returns the sale and the PIN (shown once, on the receipt)."""
    commission = percent_of(value_amount, commission_rate_bp(retailer=seller.retailer, brand=brand))
    number = _number()
    try:
        issued = vouchers.sell_epin(
            brand=brand,
            value_amount=value_amount,
            float_account=float_account(seller.retailer),
            commission_amount=commission,
            reference=number,
        )
    except InsufficientFunds as exc:
        raise FloatTooLow() from exc
    sale = _voucher_sale(seller=seller, number=number, kind=SaleKind.PIN, voucher=issued.voucher, commission=commission)
    return sale, issued.pin


def sell_card(*, seller: Seller, serial: str) -> Sale:
    """Sell (activate) a printed scratch card by the serial number on it."""
    card = vouchers.card_by_serial(serial)
    commission = percent_of(card.value_amount, commission_rate_bp(retailer=seller.retailer, brand=card.brand))
    number = _number()
    try:
        voucher = vouchers.activate_card(
            serial=serial, float_account=float_account(seller.retailer), commission_amount=commission, reference=number
        )
    except InsufficientFunds as exc:
        raise FloatTooLow() from exc
    return _voucher_sale(seller=seller, number=number, kind=SaleKind.CARD, voucher=voucher, commission=commission)


def _voucher_sale(*, seller: Seller, number: str, kind: str, voucher: vouchers.Voucher, commission: int) -> Sale:
    sale = Sale(
        number=number,
        retailer=seller.retailer,
        outlet=seller.outlet,
        terminal=seller.terminal,
        cashier=seller.cashier,
        kind=kind,
        brand=voucher.brand,
        voucher=voucher,
        amount=voucher.value_amount,
        commission_amount=commission,
        currency=voucher.currency,
        created_at=voucher.activated_at or clock.now(),
    )
    rows.insert(sale)
    seller.record_audit(
        action="retail.sale", target=f"voucher:{voucher.serial}", details={"sale": sale.number, "amount": sale.amount}
    )
    return sale


def sale_of(*, seller: Seller, number: str) -> Sale:
    """A sale of the seller's retailer (another retailer's sale does not exist for it)."""
    sale = (
        Sale.objects.select_related("order__receipt", "order__product", "voucher", "brand", "outlet")
        .filter(retailer=seller.retailer, number=(number or "").strip().upper())
        .first()
    )
    if sale is None:
        raise UnknownSale()
    return sale


def void_sale(*, seller: Seller, number: str) -> Sale:
    """Void a sale of the seller's outlet within RETAIL_VOID_WINDOW_MINUTES while unused: the reverse
    journal (`order:{id}:void` or `voucher:{id}:void`) gives the float back, commission included."""
    found = sale_of(seller=seller, number=number)
    if found.outlet_id != seller.outlet.pk:
        raise UnknownSale()
    sale = Sale.objects.select_for_update(of=("self",)).get(pk=found.pk)
    if sale.status == SaleStatus.VOIDED:
        raise SaleAlreadyVoided()
    window = settings.RETAIL_VOID_WINDOW_MINUTES
    if clock.now() > sale.created_at + timedelta(minutes=window):
        raise VoidWindowClosed(minutes=window)
    try:
        if sale.order_id is not None:
            orders.void_order(order_id=sale.order_id)
        else:
            assert sale.voucher_id is not None
            vouchers.void_sold(voucher_id=sale.voucher_id)
    except (OrderNotVoidable, VoucherNotVoidable) as exc:
        raise SaleAlreadyUsed() from exc
    sale.status = SaleStatus.VOIDED
    sale.voided_at = clock.now()
    sale.save(update_fields=["status", "voided_at"])
    seller.record_audit(action="retail.void", target=f"sale:{sale.number}", details={"amount": sale.amount})
    return Sale.objects.select_related("order__receipt", "order__product", "voucher", "brand", "outlet").get(pk=sale.pk)


def void_deadline(sale: Sale) -> datetime:
    return sale.created_at + timedelta(minutes=settings.RETAIL_VOID_WINDOW_MINUTES)
