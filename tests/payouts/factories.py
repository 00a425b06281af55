"""Lines that ended with credit on them, in a brand that pays leftover credit back."""

from django.db import transaction

from simrenew.brands.models import Brand
from simrenew.ledger import service as ledger
from simrenew.ledger.models import AccountKind
from simrenew.lines.models import Line, LineStatus
from tests.factories import create_brand, create_line

IBAN = "BE68539007547034"
DEBTOR_IBAN = "BE71096123456769"


def payout_brand(*, fee: int = 0, enabled: bool = True, **fields: object) -> Brand:
    settings: dict[str, object] = {"payout_iban": DEBTOR_IBAN, "legal_name": "Acme Mobile NV", **fields}
    return create_brand(leftover_refund_enabled=enabled, leftover_refund_fee=fee, **settings)


def give_bonus(line: Line, amount: int) -> None:
    with transaction.atomic():
        ledger.post_journal(
            key=f"test:bonus:{line.pk}:{amount}",
            kind="test_bonus",
            entries=[
                ledger.Entry(ledger.account(line.bonus_account_code, AccountKind.LINE_BONUS), amount),
                ledger.Entry(
                    ledger.account(f"brand:{line.brand.code}:promotion_expense", AccountKind.PROMOTION_EXPENSE),
                    -amount,
                ),
            ],
        )


def ended_line(
    brand: Brand | None = None, *, credit: int = 1234, bonus: int = 0, status: str = LineStatus.TERMINATED
) -> Line:
    line = create_line(brand or payout_brand(), credit=credit, status=status)
    if bonus:
        give_bonus(line, bonus)
    return line
