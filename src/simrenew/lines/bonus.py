"""Bonus credit grants: each with its own expiry, spent oldest-expiry first, expired into breakage.

The ledger's line bonus account holds the money; `BonusGrant` rows only say when which part of it
expires. Callers own the transaction and hold the line's lock.
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime

from django.db.models import F

from simrenew.kit.batch import Taken
from simrenew.ledger import service as ledger
from simrenew.ledger.errors import DuplicateJournal
from simrenew.ledger.models import Account, AccountKind
from simrenew.lines.models import BonusGrant, Line

# line → its grants with something left: a batch's lines' grants, read once for the batch.
_known: Taken[BonusGrant] = Taken("lines_grants_known")


def bonus_account(line: Line, currency: str = "EUR") -> Account:
    return ledger.account(line.bonus_account_code, AccountKind.LINE_BONUS, currency)


def breakage_account_code(line: Line) -> str:
    return f"brand:{line.brand.code}:breakage"


def breakage_account(line: Line, currency: str = "EUR") -> Account:
    return ledger.account(breakage_account_code(line), AccountKind.BREAKAGE, currency)


def record_grant(*, line: Line, amount: int, expires_at: datetime, source_key: str, at: datetime) -> BonusGrant:
    """Remember that `amount` of the line's bonus (credited by journal `source_key`) expires at `expires_at`."""
    _known.take(line.pk)  # what grants_known read of this line is out of date from now
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


@contextmanager
def grants_known(line_ids: Iterable[int]) -> Iterator[None]:
    """Inside, the first expire_due of each of these lines finds its grants from one query for all of
    them, not one each (a batch of renewals from credit: most lines have no bonus, and no query then).
    The caller holds the lines' locks; a line's grants are taken once (a second use reads again)."""

    def read(ids: list[int]) -> Iterable[BonusGrant]:
        return BonusGrant.objects.filter(line_id__in=ids, remaining_amount__gt=0).order_by("expires_at", "id")

    with _known.holding(line_ids, read, lambda grant: grant.line_id):
        yield


def _due(line: Line, at: datetime) -> list[BonusGrant]:
    """The line's grants past their expiry with something left, earliest expiry first."""
    found = _known.take(line.pk)
    if found is None:
        due = BonusGrant.objects.filter(line=line, expires_at__lte=at, remaining_amount__gt=0)
        return list(due.order_by("expires_at", "id"))
    return [grant for grant in found if grant.expires_at <= at]


def expire_due(*, line: Line, at: datetime) -> int:
    """Post what is left of every grant past its expiry to breakage; returns the amount expired."""
    total = 0
    for grant in _due(line, at):
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
    if _known.take(line.pk) == []:
        return  # grants_known read none with anything left: nothing to write
    BonusGrant.objects.filter(line=line, remaining_amount__gt=0).update(remaining_amount=0, expired_at=at)
