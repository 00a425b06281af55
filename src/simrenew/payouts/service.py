"""Leftover credit paid back when a line ends: asked for by the customer (or customer service on
their behalf), approved or rejected by finance, paid in a SEPA credit-transfer file.

Decisions, in the order a request meets them:

* Only a line terminated or ported out, of a brand that pays leftover credit back
  (Brand.leftover_refund_enabled); the amount is the paid credit on the line when asked (bonus
  credit is never paid back), less the brand's fee (Brand.leftover_refund_fee), which must leave
  something to pay. One open request per line (a unique constraint, under the line's lock).
* Approval moves the credit off the line under the line's lock (lock order: line → request), in one
  journal with a unique key: two approvals at once move it once, and the line's guarded credit
  account never goes below zero (the ledger refuses: CreditChanged). Rejection moves nothing.
* A SEPA file takes every approved request of one brand, locked in id order, and books each paid.
* Every write here runs in the caller's transaction; the customer's e-mails go out after commit.
"""

import uuid
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from simrenew.brands.models import Brand
from simrenew.customers.models import User
from simrenew.jobs.backend import enqueue_with_transaction
from simrenew.kit import clock
from simrenew.kit.iban import InvalidIban, parse_iban
from simrenew.kit.money import format_money
from simrenew.kit.parse import is_storable_text
from simrenew.ledger import service as ledger
from simrenew.ledger.errors import DuplicateJournal, InsufficientFunds
from simrenew.lines import service as lines
from simrenew.lines.models import ENDED_STATUSES, Line
from simrenew.payouts import postings, sepa
from simrenew.payouts.errors import (
    CreditChanged,
    HolderNameInvalid,
    LeftoverNotOffered,
    LineNotEnded,
    NoPayoutAccount,
    NothingApproved,
    NothingToPayBack,
    RejectReasonMissing,
    RequestAlreadyOpen,
    RequestNotPending,
)
from simrenew.payouts.models import OPEN_STATUSES, LeftoverCreditRequest, LeftoverStatus, PayoutBatch

HOLDER_NAME_MAX = 70
REASON_MAX = 300


def paid_credit(line: Line) -> int:
    """The paid credit on the line now (its cached guarded balance; bonus not included)."""
    return ledger.balances_by_code([line.credit_account_code])[line.credit_account_code]


def _holder_name(raw: str) -> str:
    name = " ".join(str(raw).split())
    if not 2 <= len(name) <= HOLDER_NAME_MAX or not is_storable_text(name):
        raise HolderNameInvalid(field="holder_name")
    return name


def request_payout(
    *,
    line_id: int,
    iban: str,
    holder_name: str,
    email: str,
    language: str,
    customer: User | None,
    actor: User | None,
) -> LeftoverCreditRequest:
    """Record a request for the line's paid credit. `actor` is the staff member asking on the
    customer's behalf (None when the customer asks). Caller owns the transaction. Raises
    InvalidIban, HolderNameInvalid, LeftoverNotOffered, LineNotEnded, NothingToPayBack or
    RequestAlreadyOpen, changing nothing."""
    try:
        account = parse_iban(iban)
    except InvalidIban as error:
        raise InvalidIban(field="iban") from error
    name = _holder_name(holder_name)
    line = lines.lock_line(line_id)
    brand = line.brand
    if not brand.leftover_refund_enabled:
        raise LeftoverNotOffered()
    if line.status not in ENDED_STATUSES:
        raise LineNotEnded()
    if LeftoverCreditRequest.objects.filter(line=line, status__in=OPEN_STATUSES).exists():
        raise RequestAlreadyOpen()
    amount, fee = paid_credit(line), brand.leftover_refund_fee
    if amount <= fee:
        raise NothingToPayBack(fee=format_money(fee, brand.currency, language))
    sealed, masked = LeftoverCreditRequest.seal_iban(account)
    try:
        with transaction.atomic():
            request = LeftoverCreditRequest.objects.create(
                line=line,
                customer=customer,
                requested_by=actor,
                email=email,
                language=language,
                iban_encrypted=sealed,
                iban_masked=masked,
                holder_name=name,
                amount=amount,
                fee_amount=fee,
                currency=brand.currency,
                created_at=clock.now(),
            )
    except IntegrityError as error:  # the constraint's word, should the line's lock be bypassed
        raise RequestAlreadyOpen() from error
    _notify(request.pk, "requested")
    return request


def _lock_request(request_id: int) -> LeftoverCreditRequest:
    """The request locked after its line (lock order: line → request)."""
    line_id = LeftoverCreditRequest.objects.values_list("line_id", flat=True).get(pk=request_id)
    lines.lock_line(line_id)
    return (
        LeftoverCreditRequest.objects.select_for_update(of=("self",))
        .select_related("line", "line__brand")
        .get(pk=request_id)
    )


def approve(*, request_id: int, actor: User) -> LeftoverCreditRequest:
    """Approve a requested payout: the line's credit moves to the payable (and the fee to revenue), once.
    Raises RequestNotPending or CreditChanged, changing nothing."""
    request = _lock_request(request_id)
    if request.status != LeftoverStatus.REQUESTED:
        raise RequestNotPending()
    try:
        ledger.post_journal(
            key=f"leftover:{request.pk}:approve",
            kind="leftover_approve",
            entries=postings.approve_entries(
                line=request.line, amount=request.amount, fee=request.fee_amount, currency=request.currency
            ),
            memo=f"leftover {request.pk}",
        )
    except InsufficientFunds as error:
        raise CreditChanged() from error
    except DuplicateJournal as error:  # booked before: only a decided request has its journal
        raise RequestNotPending() from error
    request.status = LeftoverStatus.APPROVED
    request.decided_by = actor
    request.decided_at = clock.now()
    request.save(update_fields=["status", "decided_by", "decided_at"])
    return request


def reject(*, request_id: int, actor: User, reason: str) -> LeftoverCreditRequest:
    """Refuse a requested payout with the reason the customer reads; the credit stays on the line."""
    reason = " ".join(str(reason).split())[:REASON_MAX]
    if not reason or not is_storable_text(reason):
        raise RejectReasonMissing(field="reason")
    request = _lock_request(request_id)
    if request.status != LeftoverStatus.REQUESTED:
        raise RequestNotPending()
    request.status = LeftoverStatus.REJECTED
    request.reject_reason = reason
    request.decided_by = actor
    request.decided_at = clock.now()
    request.save(update_fields=["status", "reject_reason", "decided_by", "decided_at"])
    _notify(request.pk, "rejected")
    return request


def create_batch(*, brand_id: int, actor: User) -> PayoutBatch:
    """Put every approved request of the brand in one pain.001 file, recorded as a batch, and book
    each paid (payable → the brand's bank). Raises NoPayoutAccount or NothingApproved, changing nothing."""
    brand = Brand.objects.get(pk=brand_id)
    try:
        debtor_iban = parse_iban(brand.payout_iban)
    except InvalidIban as error:
        raise NoPayoutAccount() from error
    approved = list(
        LeftoverCreditRequest.objects.select_for_update()
        .filter(line__brand=brand, status=LeftoverStatus.APPROVED)
        .order_by("id")
    )
    if not approved:
        raise NothingApproved()
    now = clock.now()
    batch = PayoutBatch.objects.create(
        brand=brand,
        message_id=f"pending-{uuid.uuid4().hex}"[:35],
        count=len(approved),
        total_amount=sum(request.payout_amount for request in approved),
        currency=brand.currency,
        xml_encrypted="",
        created_by=actor,
        created_at=now,
    )
    batch.message_id = sepa.message_id(batch.pk)
    xml = sepa.credit_transfer_file(
        message_id=batch.message_id,
        created_at=now,
        debtor_name=brand.legal_name or brand.name,
        debtor_iban=debtor_iban,
        debtor_bic=brand.payout_bic,
        currency=brand.currency,
        transfers=[
            sepa.Transfer(
                end_to_end_id=sepa.end_to_end_id(request.pk),
                name=request.holder_name,
                iban=request.iban,
                amount=request.payout_amount,
                description=f"{brand.name} leftover credit {request.line.masked} {sepa.end_to_end_id(request.pk)}",
            )
            for request in approved
        ],
        execution_date=timezone.localdate(now),
    )
    batch.xml_encrypted = sepa.seal(xml)
    batch.save(update_fields=["message_id", "xml_encrypted"])
    for request in approved:
        ledger.post_journal(
            key=f"leftover:{request.pk}:paid",
            kind="leftover_paid",
            entries=postings.paid_entries(
                brand_code=brand.code, amount=request.payout_amount, currency=request.currency
            ),
            memo=batch.message_id,
        )
        request.status = LeftoverStatus.PAID
        request.batch = batch
        request.paid_at = now
        request.save(update_fields=["status", "batch", "paid_at"])
        _notify(request.pk, "paid")
    return batch


def _notify(request_id: int, event: str) -> None:
    from simrenew.payouts.tasks import send_leftover_notice  # tasks import this module

    enqueue_with_transaction(send_leftover_notice, request_id, event)


def notice_context(request: LeftoverCreditRequest) -> dict[str, Any]:
    return {"request": request, "line": request.line, "brand": request.line.brand}
