"""The ledger entries of a fulfilled order (DESIGN: rules that keep money right)."""

from dataclasses import dataclass

from simrenew.brands.models import PaymentMethod
from simrenew.kit.money import vat_included
from simrenew.ledger import service as ledger
from simrenew.ledger.errors import InsufficientFunds
from simrenew.ledger.models import Account, AccountKind
from simrenew.orders.models import Order, OrderKind


def line_credit_account(order: Order) -> Account:
    return ledger.account(order.line.credit_account_code, AccountKind.LINE_CREDIT, order.currency)


def line_bonus_account(order: Order) -> Account:
    return ledger.account(order.line.bonus_account_code, AccountKind.LINE_BONUS, order.currency)


def promotion_expense_account(order: Order) -> Account:
    return ledger.account(
        f"brand:{order.line.brand.code}:promotion_expense", AccountKind.PROMOTION_EXPENSE, order.currency
    )


def clearing_account(provider: str, currency: str) -> Account:
    return ledger.account(f"provider:{provider}:clearing", AccountKind.PROVIDER_CLEARING, currency)


@dataclass(frozen=True)
class Funding:
    """Money an offline channel already holds for an order: a shop's till, a kiosk's cash box,
    a card terminal's clearing account, a retailer's float or a voucher's liability.

    A retailer keeps `commission_amount` of the sale: its float pays the total less the
    commission, and the commission is an expense of ours.
    """

    account: Account
    commission_amount: int = 0


def fulfilment_entries(
    *, order: Order, provider: str | None, funding: Funding | None = None, credit: tuple[int, int] | None = None
) -> list[ledger.Entry]:
    """Balanced entries: where the money comes from (the payment, the channel's funding or the
    line's credit) and where it goes (the line's credit for a top-up; revenue and VAT for a
    bundle; the fee to fee revenue). `credit`: the line's (bonus, paid credit) as check_credit_covers
    read them under the line's lock (read here when not given)."""
    price = order.price_amount
    entries: list[ledger.Entry] = []

    # Source.
    if funding is not None:
        entries.append(ledger.Entry(funding.account, -(order.total_amount - funding.commission_amount)))
        if funding.commission_amount:
            commission = ledger.account("platform:commission_expense", AccountKind.COMMISSION_EXPENSE, order.currency)
            entries.append(ledger.Entry(commission, -funding.commission_amount))
    elif order.method == PaymentMethod.CREDIT:
        # Bonus credit is spent first; the ledger refuses the journal if the rest is not covered.
        bonus_balance, _ = credit if credit is not None else line_balances(order)
        from_bonus = min(bonus_balance, price)
        if from_bonus:
            entries.append(ledger.Entry(line_bonus_account(order), -from_bonus))
        entries.append(ledger.Entry(line_credit_account(order), -(price - from_bonus)))
    else:
        if provider is None:
            raise ValueError("a paid order needs its provider")
        entries.append(ledger.Entry(clearing_account(provider, order.currency), -order.total_amount))

    # Destination.
    if order.kind == OrderKind.TOPUP:
        entries.append(ledger.Entry(line_credit_account(order), price))
    else:
        # VAT is due on what the customer pays; a promotion's discount is revenue given away,
        # booked as promotion expense so that revenue shows the list price.
        price_vat = vat_included(price)
        brand_code = order.line.brand.code
        entries.append(
            ledger.Entry(
                ledger.account(f"brand:{brand_code}:revenue", AccountKind.REVENUE, order.currency),
                price - price_vat + order.discount_amount,
            )
        )
        entries.append(
            ledger.Entry(ledger.account("platform:vat_payable", AccountKind.VAT_PAYABLE, order.currency), price_vat)
        )
        if order.discount_amount:
            entries.append(ledger.Entry(promotion_expense_account(order), -order.discount_amount))
    if order.bonus_amount:
        # Bonus credit from a promotion: kept apart from paid credit, a cost of the promotion.
        entries.append(ledger.Entry(line_bonus_account(order), order.bonus_amount))
        entries.append(ledger.Entry(promotion_expense_account(order), -order.bonus_amount))
    if order.fee_amount:
        fee_vat = vat_included(order.fee_amount)
        entries.append(
            ledger.Entry(
                ledger.account("platform:fee_revenue", AccountKind.FEE_REVENUE, order.currency),
                order.fee_amount - fee_vat,
            )
        )
        entries.append(
            ledger.Entry(ledger.account("platform:vat_payable", AccountKind.VAT_PAYABLE, order.currency), fee_vat)
        )
    return entries


def line_balances(order: Order) -> tuple[int, int]:
    """(bonus, paid credit) of the order's line as they stand now; an account not yet opened holds 0."""
    found = ledger.balances_by_code([order.line.bonus_account_code, order.line.credit_account_code])
    return found[order.line.bonus_account_code], found[order.line.credit_account_code]


def check_credit_covers(order: Order) -> tuple[int, int]:
    """InsufficientFunds unless the line's bonus and credit cover the order; returns them (bonus, paid)."""
    found = line_balances(order)
    if sum(found) < order.price_amount:
        raise InsufficientFunds()
    return found
