"""Catching up on what a lost or failed job left undone, every minute (the scheduler's orders.reconcile):
payments settled at the provider that no webhook told us about, webhooks left unprocessed,
confirmation e-mails never sent, and refunds never sent or never heard of again. Each part takes what
is due, oldest first, up to a limit; one item failing does not stop the others, and it is tried again
on a later tick.

Nothing here can do a thing twice: sync_payment fulfils an order once whatever calls it, and the
confirmation is sent under the order's lock only while `confirmation_sent_at` is empty. An order is
marked paid and fulfilled (or refunded) in one transaction, so "paid but not fulfilled" cannot stay
behind and is not looked for.
"""

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from django.utils import timezone

from simrenew.orders import refunds, service, tasks
from simrenew.orders.models import (
    OPEN_STATUSES,
    REFUND_UNDER_WAY,
    Channel,
    Order,
    OrderStatus,
    Refund,
    RefundStatus,
)
from simrenew.payments import checks
from simrenew.payments.models import Payment, WebhookInbox
from simrenew.payments.provider import ProviderError

log = logging.getLogger(__name__)

# The webhook job normally runs within seconds; a row still unprocessed after this was lost or failed.
WEBHOOK_LEFT_AFTER = timedelta(minutes=1)
# Likewise the confirmation job after fulfilment.
CONFIRMATION_LEFT_AFTER = timedelta(minutes=2)
# Older webhooks and confirmations are left alone: the news is stale (payments are still checked).
LOOKBACK = timedelta(days=7)
REFUND_LOOKBACK = timedelta(days=60)
# A payment whose check failed on the way (network, 5xx) is tried again on the next tick, behind the others.
RETRY_SOON = timedelta(minutes=1)
# This many failures in a row mean the provider (or the mail server) is down: the rest waits a tick
# rather than each item waiting out its timeouts.
DOWN_AFTER = 3
LIMIT = 200
# A refund not yet sent, or not final at the provider, this long after its last change: its job or its
# webhook was lost (Mollie settles most refunds within a day; a queued one may wait for balance).
REFUND_LEFT_AFTER = timedelta(minutes=30)

Result = dict[str, int]


def run(*, at: datetime, limit: int = LIMIT) -> Result:
    """Everything due at `at`; counts per part, and `errors` when some item failed."""
    result: Result = {"webhooks": 0, "payments_checked": 0, "payments_settled": 0, "confirmations": 0}
    _webhooks(limit, result)
    _payments(at, limit, result)
    _confirmations(at, limit, result)
    _refunds(at, limit, result)
    return result


def _webhooks(limit: int, result: Result) -> None:
    # Receipt times are the server's: how long a job has been missing is real time, not the demo's clock.
    now = timezone.now()
    left = list(
        WebhookInbox.objects.filter(
            processed_at__isnull=True, received_at__lte=now - WEBHOOK_LEFT_AFTER, received_at__gte=now - LOOKBACK
        )
        .order_by("received_at", "id")
        .values_list("pk", flat=True)[:limit]
    )

    def process(inbox_id: int) -> None:
        tasks.process_webhook.call(inbox_id)
        result["webhooks"] += 1

    _each("webhook", left, process, result)


def _payments(at: datetime, limit: int, result: Result) -> None:
    due = list(
        Payment.objects.filter(next_check_at__lte=at)
        .order_by("next_check_at", "id")
        .values_list("pk", "provider", "provider_payment_id", "order__status", "order__created_at")[:limit]
    )
    # Orders settled some other way (none should be): stop watching their payments.
    settled = {pk for pk, _, payment_id, status, _ in due if status not in OPEN_STATUSES or not payment_id}
    if settled:
        Payment.objects.filter(pk__in=settled).update(next_check_at=None)
    waiting = {pk: (provider, payment_id, since) for pk, provider, payment_id, _, since in due if pk not in settled}

    def check(pk: int) -> None:
        provider, payment_id, _ = waiting[pk]
        order = service.sync_payment(provider_name=provider, provider_payment_id=payment_id)
        result["payments_checked"] += 1
        result["payments_settled"] += int(order is not None and not order.is_open)

    def later(pk: int, error: Exception) -> None:
        # A refusal (or a bug) will not pass in a minute: it waits as an open payment would.
        _, _, waiting_since = waiting[pk]
        transient = getattr(error, "transient", False)
        retry_at = at + RETRY_SOON if transient else checks.next_check_at(waiting_since=waiting_since, now=at)
        Payment.objects.filter(pk=pk, next_check_at__isnull=False).update(next_check_at=retry_at)

    _each("payment", list(waiting), check, result, on_error=later)


def _confirmations(at: datetime, limit: int, result: Result) -> None:
    # The same conditions as the index order_confirmation_due, so the query reads only that index.
    unsent = list(
        Order.objects.filter(
            status=OrderStatus.FULFILLED,
            confirmation_sent_at__isnull=True,
            fulfilled_at__lte=at - CONFIRMATION_LEFT_AFTER,
            fulfilled_at__gte=at - LOOKBACK,
        )
        .exclude(email="")
        .exclude(channel=Channel.AUTO)
        .order_by("fulfilled_at", "id")
        .values_list("pk", flat=True)[:limit]
    )

    def send(order_id: int) -> None:
        result["confirmations"] += int(tasks.send_confirmation.call(order_id))

    _each("confirmation", unsent, send, result)


def _refunds(at: datetime, limit: int, result: Result) -> None:
    """Refunds whose provider call or status news was lost: send the first again (its idempotency key
    makes it one refund), read the others' statuses back. Counted in `refunds` only when there were any."""
    due = list(
        Refund.objects.filter(
            status__in=REFUND_UNDER_WAY, updated_at__lte=at - REFUND_LEFT_AFTER, created_at__gte=at - REFUND_LOOKBACK
        )
        .order_by("updated_at", "id")
        .values_list("pk", "status", "provider", "payment__provider_payment_id")[:limit]
    )
    found = {pk: (status, provider, payment_id) for pk, status, provider, payment_id in due}

    def catch_up(pk: int) -> None:
        status, provider, payment_id = found[pk]
        if status == RefundStatus.REQUESTED:
            refunds.send_refund(pk)
        else:
            refunds.sync_refunds(provider_name=provider, provider_payment_id=payment_id)
        Refund.objects.filter(pk=pk, status=status).update(updated_at=at)  # asked: wait another while
        result["refunds"] = result.get("refunds", 0) + 1

    _each("refund", list(found), catch_up, result)


def _each(
    what: str,
    items: Sequence[int],
    work: Callable[[int], None],
    result: Result,
    on_error: Callable[[int, Exception], None] | None = None,
) -> None:
    failures_in_a_row = 0
    for done, item in enumerate(items, start=1):
        try:
            work(item)
        except Exception as error:
            expected = isinstance(error, ProviderError)
            log.warning("reconcile: %s %s failed (%s); tried again later", what, item, error, exc_info=not expected)
            result["errors"] = result.get("errors", 0) + 1
            if on_error is not None:
                on_error(item, error)
            failures_in_a_row += 1
            if failures_in_a_row >= DOWN_AFTER and done < len(items):
                log.warning(
                    "reconcile: %d %ss failed in a row; %d left for the next tick", DOWN_AFTER, what, len(items) - done
                )
                result["deferred"] = result.get("deferred", 0) + len(items) - done
                return
        else:
            failures_in_a_row = 0
