"""Card payments on Mollie point-of-sale terminals at shop counters and kiosks (PAYMENT_TERMINAL=mollie).

A payment is started on the counter's or kiosk's terminal (method=pointofsale, its terminalId) for
the quote's total, and then waited for: Mollie's webhook and the waiting page's polls both end in
`settle`, which fetches the payment's real status and, under the TerminalPayment's row lock, moves
it out of WAITING once: paid → the sale is placed by the caller's `place` (shops or kiosks) in the
same transaction; failed, canceled or expired → nothing is placed. A payment still open at its
deadline is cancelled at Mollie (DELETE); if the card was approved in the meantime, that stands.

Provider calls happen outside any transaction (the callers own none while they run). Lock order:
this module locks the TerminalPayment, then `place` locks the line (orders.place_order); nothing
else locks a TerminalPayment.
"""

import logging
import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language

from simrenew.kit import clock
from simrenew.kit.errors import DomainError
from simrenew.kit.money import format_money
from simrenew.payments.models import CardTerminal, PaymentStatus, TerminalOutcome, TerminalPayment
from simrenew.payments.provider import (
    FINAL_UNPAID,
    PAID,
    ProviderError,
    ProviderPayment,
    ProviderRefused,
    ProviderTerminal,
)
from simrenew.payments.terminal import TerminalBusy, TerminalUnavailable

logger = logging.getLogger(__name__)

ACTIVE = "active"
SHOP = "shop"
KIOSK = "kiosk"
# The waiting page asks Mollie at most this often per payment; the webhook usually comes first.
POLL_EVERY = timedelta(seconds=2)

# What places the sale once the payment is paid: called under the payment's lock, inside the
# transaction that records the outcome; returns the order's id, or raises a DomainError when the
# sale can no longer be made (the payment is then paid back).
Place = Callable[[TerminalPayment], int]


def enabled() -> bool:
    return bool(settings.PAYMENT_TERMINAL == "mollie")


def _mollie() -> Any:
    # Imported here: the Mollie client is only needed when a terminal is actually used.
    from simrenew.payments.mollie import MollieProvider

    return MollieProvider()


def new_reference(channel: str, seller_id: int) -> str:
    return f"{channel}:{seller_id}:{secrets.token_hex(8)}"


# --- Terminals


def sync_terminals() -> list[CardTerminal]:
    """List the account's terminals at Mollie (GET /v2/terminals) and store them; a terminal Mollie
    no longer lists is kept (counters may still name it) but marked inactive. Call outside a transaction."""
    return store_terminals(_mollie().list_terminals())


def store_terminals(listed: list[ProviderTerminal]) -> list[CardTerminal]:
    """Store the terminals as the account lists them (all of them: one not listed is marked inactive)."""
    now = clock.now()
    with transaction.atomic():
        stored = []
        for terminal in listed:
            found, _created = CardTerminal.objects.update_or_create(
                provider_terminal_id=terminal.id,
                defaults={
                    "brand": terminal.brand[:40],
                    "model": terminal.model[:40],
                    "serial_number": terminal.serial_number[:40],
                    "status": terminal.status[:10],
                    "currency": terminal.currency[:3],
                    "description": terminal.description[:255],
                    "synced_at": now,
                },
            )
            stored.append(found)
        gone = CardTerminal.objects.exclude(provider_terminal_id__in=[t.id for t in listed])
        gone.update(status="inactive", synced_at=now)
    return stored


# --- Payments


def start(
    *,
    terminal: CardTerminal | None,
    channel: str,
    seller_id: int,
    line: Any,
    product: Any,
    topup_amount: int | None,
    amount: int,
    currency: str,
    description: str,
    language: str,
    staff: Any = None,
    client_address: str | None = None,
) -> TerminalPayment:
    """Start a payment of `amount` on `terminal` for the quoted sale. Owns its transactions: the
    payment is stored (committed) before Mollie is asked, so that a crash in between leaves a
    record, and the idempotency key (our reference) keeps a retried create from charging twice."""
    if terminal is None or terminal.status != ACTIVE or amount <= 0:
        raise TerminalUnavailable()
    now = clock.now()
    reference = new_reference(channel, seller_id)
    with transaction.atomic():
        # One payment at a time on a terminal (it shows one, and a card presented pays that one): the
        # terminal's row is locked, so that two sales started at once cannot both pass this check.
        CardTerminal.objects.select_for_update().filter(pk=terminal.pk).first()
        _refuse_if_busy(terminal)
        payment = TerminalPayment.objects.create(
            reference=reference,
            terminal=terminal,
            channel=channel,
            seller_id=seller_id,
            staff=staff,
            line=line,
            product=product,
            topup_amount=topup_amount,
            amount=amount,
            currency=currency,
            language=language,
            client_address=client_address,
            created_at=now,
            deadline_at=now + timedelta(seconds=settings.TERMINAL_PAYMENT_TIMEOUT_SECONDS),
        )
    try:
        started = _mollie().create_pos_payment(
            terminal_id=terminal.provider_terminal_id,
            amount=amount,
            currency=currency,
            description=description[:255],
            webhook_url=settings.PUBLIC_URL + reverse("mollie_terminal_webhook"),
            metadata={"reference": reference},
            idempotency_key=f"terminal:{reference}",
        )
    except ProviderError as exc:
        logger.warning("terminal payment %s not started: %s", reference, exc)
        _finish_unpaid(payment.pk, PaymentStatus.FAILED)
        raise TerminalUnavailable() from exc
    TerminalPayment.objects.filter(pk=payment.pk).update(provider_payment_id=started.id, status=started.status)
    payment.provider_payment_id, payment.status = started.id, started.status
    return payment


def waiting_on(terminal: CardTerminal) -> list[TerminalPayment]:
    """The payments still waiting for a card on `terminal` (at most one, by `start`'s lock)."""
    return list(
        TerminalPayment.objects.select_related("line").filter(terminal=terminal, outcome=TerminalOutcome.WAITING)
    )


def _refuse_if_busy(terminal: CardTerminal) -> None:
    waiting = next(iter(waiting_on(terminal)), None)
    if waiting is not None:
        raise TerminalBusy(
            reference=waiting.reference,
            amount=format_money(waiting.amount, waiting.currency, get_language() or "en"),
            line=waiting.line.display if waiting.line else "",
        )


def lock(payment_id: int) -> TerminalPayment:
    return TerminalPayment.objects.select_for_update().get(pk=payment_id)


def _finish_unpaid(payment_id: int, status: str) -> None:
    TerminalPayment.objects.filter(pk=payment_id, outcome=TerminalOutcome.WAITING).update(
        status=status, outcome=TerminalOutcome.NOT_PAID, finished_at=clock.now()
    )


def _claim_poll(payment: TerminalPayment) -> bool:
    """One poll of Mollie per POLL_EVERY per payment, however many pages ask (a conditional UPDATE)."""
    now = clock.now()
    due = TerminalPayment.objects.filter(pk=payment.pk).exclude(checked_at__gt=now - POLL_EVERY)
    return due.update(checked_at=now) == 1


def settle(payment_id: int, *, place: Place, force: bool = False) -> TerminalPayment:
    """Fetch the payment's status at Mollie (at most once per POLL_EVERY unless `force`) and apply
    it. Call outside a transaction. Safe to run any number of times, at once: one order at most."""
    payment = TerminalPayment.objects.get(pk=payment_id)
    if not payment.waiting:
        return payment
    if not payment.provider_payment_id:
        if clock.now() >= payment.deadline_at:
            _finish_unpaid(payment.pk, PaymentStatus.FAILED)
        return TerminalPayment.objects.get(pk=payment_id)
    if not force and not _claim_poll(payment):
        return payment
    try:
        remote = _mollie().get_payment(payment.provider_payment_id)
    except ProviderError as exc:
        logger.warning("terminal payment %s not checked: %s", payment.reference, exc)
        return payment
    with transaction.atomic():
        payment = lock(payment_id)
        if payment.waiting:
            _apply(payment, remote, place)
    if payment.outcome == TerminalOutcome.REFUND_DUE:
        pay_back(payment)
    return payment


def _apply(payment: TerminalPayment, remote: ProviderPayment, place: Place) -> None:
    payment.status = remote.status
    payment.checked_at = clock.now()
    fields = ["status", "checked_at"]
    if remote.status == PAID:
        payment.card_label = _card_label(remote)
        if remote.amount != payment.amount or remote.currency != payment.currency:
            # Never expected (the amount is ours); if it happens, pay it back rather than sell.
            payment.outcome = TerminalOutcome.REFUND_DUE
        else:
            try:
                with transaction.atomic():  # a refused sale undoes only itself
                    payment.order_id = place(payment)
                payment.outcome = TerminalOutcome.PLACED
            except DomainError as error:
                logger.warning("terminal payment %s paid but not placed: %s", payment.reference, error.code)
                payment.outcome = TerminalOutcome.REFUND_DUE
        payment.finished_at = clock.now()
        fields += ["card_label", "outcome", "order", "finished_at"]
    elif remote.status in FINAL_UNPAID:
        payment.outcome = TerminalOutcome.NOT_PAID
        payment.finished_at = clock.now()
        fields += ["outcome", "finished_at"]
    payment.save(update_fields=fields)


def _card_label(remote: ProviderPayment) -> str:
    label = remote.details.get("card_label", "")
    number = remote.details.get("card_number", "")
    return (f"{label} •••• {number[-4:]}" if number else label)[:40]


def cancel(payment_id: int, *, place: Place) -> TerminalPayment:
    """Cancel a payment still waiting (the Cancel button, or its deadline passed). Mollie refuses
    when the card was already approved or declined: then that outcome is applied instead."""
    payment = TerminalPayment.objects.get(pk=payment_id)
    if not payment.waiting:
        return payment
    TerminalPayment.objects.filter(pk=payment_id, cancel_requested_at__isnull=True).update(
        cancel_requested_at=clock.now()
    )
    if payment.provider_payment_id:
        try:
            _mollie().cancel_payment(
                payment.provider_payment_id, idempotency_key=f"terminal:{payment.reference}:cancel"
            )
        except ProviderRefused:
            pass  # no longer cancelable: settle reads what became of it
        except ProviderError as exc:
            logger.warning("terminal payment %s not cancelled yet: %s", payment.reference, exc)
    return settle(payment_id, place=place, force=True)


def check(payment_id: int, *, place: Place) -> TerminalPayment:
    """What the waiting page calls on each refresh: settle, and cancel once the deadline passed."""
    payment = settle(payment_id, place=place)
    if payment.waiting and clock.now() >= payment.deadline_at:
        return cancel(payment_id, place=place)
    return payment


def pay_back(payment: TerminalPayment) -> None:
    """Refund a paid payment whose sale could not be placed (same key each time: refunded once)."""
    try:
        _mollie().refund(
            payment_id=payment.provider_payment_id,
            amount=payment.amount,
            currency=payment.currency,
            idempotency_key=f"terminal:{payment.reference}:refund",
            description=f"Not sold: {payment.reference}",
        )
    except ProviderError as exc:
        logger.error("terminal payment %s must be paid back by hand: %s", payment.reference, exc)
        return
    TerminalPayment.objects.filter(pk=payment.pk, outcome=TerminalOutcome.REFUND_DUE).update(
        outcome=TerminalOutcome.REFUNDED
    )
    payment.outcome = TerminalOutcome.REFUNDED


def sandbox_screen_url(terminal: CardTerminal | None) -> str:
    """The payment sandbox's screen of `terminal`, where a tester presents the card (demo only: empty
    when the terminals are Mollie's own, or the sandbox is off)."""
    if terminal is None or not settings.PAYMENT_SANDBOX or "/sandbox/" not in settings.MOLLIE_API_ENDPOINT:
        return ""
    try:
        return reverse("sandbox:terminal_screen", args=[terminal.provider_terminal_id])
    except NoReverseMatch:  # production: the sandbox's pages do not exist
        return ""


def by_reference(reference: str, *, channel: str, seller_id: int) -> TerminalPayment | None:
    return (
        TerminalPayment.objects.select_related("terminal", "order")
        .filter(reference=reference, channel=channel, seller_id=seller_id)
        .first()
    )
