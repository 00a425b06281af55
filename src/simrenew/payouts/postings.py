"""The ledger entries of a leftover credit payout (DESIGN: rules that keep money right).

On approval, `leftover:{id}:approve` takes the paid credit off the line: what the customer is paid
becomes a payable, the brand's fee is revenue with its VAT (the fee includes VAT). On payment (the
request is in a SEPA file given to the bank), `leftover:{id}:paid` moves the payable to the brand's
bank account. Bonus credit is never touched.
"""

from simrenew.kit.money import vat_included
from simrenew.ledger import service as ledger
from simrenew.ledger.models import Account, AccountKind
from simrenew.lines.models import Line


def leftover_payable_account(currency: str) -> Account:
    # Owed to customers until their transfer is paid: the same kind as refunds owed, its own account.
    return ledger.account("platform:leftover_payable", AccountKind.REFUNDS_PAYABLE, currency)


def bank_account(brand_code: str, currency: str) -> Account:
    # The brand's bank account the transfers leave from: money held, so a clearing account.
    return ledger.account(f"brand:{brand_code}:bank", AccountKind.PROVIDER_CLEARING, currency)


def approve_entries(*, line: Line, amount: int, fee: int, currency: str) -> list[ledger.Entry]:
    entries = [
        ledger.Entry(ledger.account(line.credit_account_code, AccountKind.LINE_CREDIT, currency), -amount),
        ledger.Entry(leftover_payable_account(currency), amount - fee),
    ]
    if fee:
        vat = vat_included(fee)
        entries.append(
            ledger.Entry(ledger.account("platform:fee_revenue", AccountKind.FEE_REVENUE, currency), fee - vat)
        )
        entries.append(ledger.Entry(ledger.account("platform:vat_payable", AccountKind.VAT_PAYABLE, currency), vat))
    return entries


def paid_entries(*, brand_code: str, amount: int, currency: str) -> list[ledger.Entry]:
    return [
        ledger.Entry(leftover_payable_account(currency), -amount),
        ledger.Entry(bank_account(brand_code, currency), amount),
    ]
