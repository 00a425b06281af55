"""Bonus credit grants: each with its own expiry, spent oldest-expiry first, expired into breakage.

The ledger's line bonus account holds the money; `BonusGrant` rows only say when which part of it
expires. Callers own the transaction and hold the line's lock.
"""

from datetime import datetime

from django.db.models import F

from simrenew.ledger import service as ledger
from simrenew.ledger.errors import DuplicateJournal
from simrenew.ledger.models import Account, AccountKind
from simrenew.lines.models import BonusGrant, Line


def bonus_account(line: Line, currency: str = "EUR") -> Account:
    return ledger.account(line.bonus_account_code, AccountKind.LINE_BONUS, currency)


def breakage_account(line: Line, currency: str = "EUR") -> Account:
    return ledger.account(f"brand:{line.brand.code}:breakage", AccountKind.BREAKAGE, currency)


def record_grant(*, line: Line, amount: int, expires_at: datetime, source_key: str, at: datetime) -> BonusGrant:
    """Remember that `amount` of the line's bonus (credited by journal `source_key`) expires at `expires_at`."""
    grant, _ = BonusGrant.objects.get_or_create(
        source_key=source_key,
        defaults={
            "line": line,
            "amount": amount,
            "remaining_amount": amount,
            "granted_at": at,
            "expires_at": expires_at,
        },
    )
    return grant


def consume(*, line: Line, amount: int) -> None:
    """Bonus was spent: take it off the grants that expire first."""
    left = amount
    for grant in BonusGrant.objects.filter(line=line, remaining_amount__gt=0).order_by("expires_at", "id"):
        if left <= 0:
            break
        taken = min(grant.remaining_amount, left)
        BonusGrant.objects.filter(pk=grant.pk).update(remaining_amount=F("remaining_amount") - taken)
        left -= taken


def expire_due(*, line: Line, at: datetime) -> int:
    """Post what is left of every grant past its expiry to breakage; returns the amount expired."""
    total = 0
    for grant in BonusGrant.objects.filter(line=line, expires_at__lte=at, remaining_amount__gt=0).order_by(
        "expires_at", "id"
    ):
        account = bonus_account(line, grant.currency)
        account.refresh_from_db(fields=["balance_amount"])
        amount = min(grant.remaining_amount, account.balance_amount)
        if amount > 0:
            try:
                ledger.post_journal(
                    key=f"bonus:{grant.pk}:expire",
                    kind="bonus_expiry",
                    entries=[
                        ledger.Entry(account, -amount),
                        ledger.Entry(breakage_account(line, grant.currency), amount),
                    ],
                    memo=f"bonus of line {line.pk} expired",
                )
            except DuplicateJournal:
                amount = 0  # expired before; only the grant row was left behind
        BonusGrant.objects.filter(pk=grant.pk).update(remaining_amount=0, expired_at=at)
        total += amount
    return total


def forfeit_all(*, line: Line, at: datetime) -> None:
    """Suspension took the whole bonus balance to breakage: no grant has anything left."""
    BonusGrant.objects.filter(line=line, remaining_amount__gt=0).update(remaining_amount=0, expired_at=at)
