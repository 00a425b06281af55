"""The ledger entries of a refund (DESIGN: rules that keep money right; orders.refunds decides).

A refund first owes its amount to the customer: `refund:{id}` takes back what the order gave (the
line's unspent credit, or revenue and VAT for a bundle or a refund without taking back) and the fee's
revenue and VAT, against refunds payable. Once the provider has paid it out, `refund:{id}:paid`
moves it from refunds payable to the provider's clearing account.

VAT is taken back cumulatively: a refund's VAT is the VAT of everything refunded so far less the
VAT of what was refunded before it, so partial refunds add up to the VAT of a full one to the cent.
"""

from dataclasses import dataclass

from simrenew.kit.money import vat_included
from simrenew.ledger import service as ledger
from simrenew.ledger.models import Account, AccountKind
from simrenew.orders.models import Order, OrderKind
from simrenew.orders.postings import (
    clearing_account,
    line_bonus_account,
    line_credit_account,
    promotion_expense_account,
)


def refunds_payable_account(currency: str) -> Account:
    return ledger.account("platform:refunds_payable", AccountKind.REFUNDS_PAYABLE, currency)


def _revenue_account(order: Order) -> Account:
    return ledger.account(f"brand:{order.line.brand.code}:revenue", AccountKind.REVENUE, order.currency)


def _vat_account(currency: str) -> Account:
    return ledger.account("platform:vat_payable", AccountKind.VAT_PAYABLE, currency)


@dataclass(frozen=True)
class Split:
    """What a refund takes back, with what earlier refunds of the same order took."""

    item_before: int
    fee_before: int
    item: int
    fee: int
    reverse: bool  # take back what the order delivered (False: a refund without taking it back)
    # The part of item_before booked against revenue (all of it for a bundle; for a top-up, what was
    # refunded without taking the credit back): the base of the cumulative VAT.
    revenue_before: int = 0
    bonus_back: int = 0  # bonus credit taken back with the last of a reversed order

    @property
    def amount(self) -> int:
        return self.item + self.fee


def refund_entries(*, order: Order, split: Split) -> list[ledger.Entry]:
    entries = [ledger.Entry(refunds_payable_account(order.currency), split.amount)]
    if split.item:
        if order.kind == OrderKind.TOPUP and split.reverse:
            entries.append(ledger.Entry(line_credit_account(order), -split.item))
        else:
            vat = vat_included(split.revenue_before + split.item) - vat_included(split.revenue_before)
            entries.append(ledger.Entry(_revenue_account(order), -(split.item - vat)))
            entries.append(ledger.Entry(_vat_account(order.currency), -vat))
        completes = split.item_before + split.item == order.price_amount
        if completes and order.kind == OrderKind.BUNDLE and order.discount_amount:
            # The fulfilment booked the list price as revenue and the discount as promotion expense.
            entries.append(ledger.Entry(_revenue_account(order), -order.discount_amount))
            entries.append(ledger.Entry(promotion_expense_account(order), order.discount_amount))
    if split.bonus_back:
        entries.append(ledger.Entry(line_bonus_account(order), -split.bonus_back))
        entries.append(ledger.Entry(promotion_expense_account(order), split.bonus_back))
    if split.fee:
        vat = vat_included(split.fee_before + split.fee) - vat_included(split.fee_before)
        fee_revenue = ledger.account("platform:fee_revenue", AccountKind.FEE_REVENUE, order.currency)
        entries.append(ledger.Entry(fee_revenue, -(split.fee - vat)))
        entries.append(ledger.Entry(_vat_account(order.currency), -vat))
    return entries


def paid_out_entries(*, provider: str, amount: int, currency: str) -> list[ledger.Entry]:
    return [
        ledger.Entry(refunds_payable_account(currency), -amount),
        ledger.Entry(clearing_account(provider, currency), amount),
    ]
