"""Auto-renew: at the end of a period the bundle renews from credit when it covers the price, else by
a recurring charge on the payer's saved mandate (retried after 1 and 3 days, then auto-renew stops),
else the customer is told and the bundle lapses.

Exactly once: one RenewalAttempt per period (unique), one order per try, and a charge key derived
from our ids that the provider deduplicates and that finds a charge whose answer was lost. The
steps commit separately (decide and place the order; charge; apply the outcome), so a job killed
between any two resumes where it stopped, without charging twice.
"""

import contextvars
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse

from simrenew.brands.models import PaymentMethod
from simrenew.customers import service as customers
from simrenew.customers.models import LineLink, User
from simrenew.kit import clock, rows
from simrenew.kit.errors import DomainError
from simrenew.ledger import service as ledger
from simrenew.lines import bonus as line_bonus
from simrenew.lines import queries as line_queries
from simrenew.lines import service as lines
from simrenew.lines.models import BundlePeriod, Line, LineStatus, PeriodStatus
from simrenew.notifications import delivery
from simrenew.orders import service as orders
from simrenew.orders.models import UNPAID_FINAL_STATUSES, Channel, Order, OrderStatus
from simrenew.orders.quotes import quote_order
from simrenew.payments import provider as providers
from simrenew.payments import service as saved_payments
from simrenew.payments.models import Mandate, MandateStatus
from simrenew.reference import cache as reference_cache
from simrenew.renewals import notices
from simrenew.renewals.models import (
    OPEN_ATTEMPT_STATUSES,
    AttemptStatus,
    AutoRenewSetting,
    RenewalAttempt,
    RenewalCharge,
    SpendingCap,
)

log = logging.getLogger(__name__)
BRUSSELS = ZoneInfo("Europe/Brussels")


# Runs overlap the last one a little (attempts are unique per period, so nothing is renewed twice).
SCAN_OVERLAP = timedelta(minutes=5)
ATTEMPTS_PER_INSERT = 500


def lead_time() -> timedelta:
    """How long before a period ends it is renewed (so the new one follows on without a gap)."""
    return timedelta(minutes=getattr(settings, "AUTO_RENEW_LEAD_MINUTES", 60))


def retry_days() -> list[int]:
    return [int(days) for days in getattr(settings, "AUTO_RENEW_RETRY_DAYS", [1, 3])]


def catch_up_window() -> timedelta:
    """How late (after a long stop) a period's end is still renewed automatically."""
    return timedelta(days=getattr(settings, "AUTO_RENEW_CATCH_UP_DAYS", 7))


# --- The customer's switches


def set_auto_renew(*, line: Line, customer: User, enabled: bool) -> Line:
    """Switch auto-renew on (with `customer` paying) or off. Caller owns the transaction."""
    line = lines.lock_line(line.pk)
    lines.set_auto_renew(line=line, enabled=enabled)
    if enabled:
        AutoRenewSetting.objects.update_or_create(line=line, defaults={"customer": customer, "updated_at": clock.now()})
    else:
        RenewalAttempt.objects.filter(
            line=line, status__in=[AttemptStatus.PENDING, AttemptStatus.RETRY_SCHEDULED]
        ).update(status=AttemptStatus.STOPPED, reason="switched_off", finished_at=clock.now())
    return line


def payer_of(line: Line) -> User | None:
    setting = AutoRenewSetting.objects.filter(line=line).select_related("customer").first()
    if setting is not None:
        return setting.customer
    link = LineLink.objects.filter(line=line).select_related("customer").order_by("linked_at", "id").first()
    return link.customer if link is not None else None


def payer_id_of_line() -> Coalesce:
    """payer_of as a column of a query on the line's rows (`line_id`): one query for many lines."""
    setting = AutoRenewSetting.objects.filter(line_id=OuterRef("line_id")).values("customer_id")[:1]
    link = LineLink.objects.filter(line_id=OuterRef("line_id")).order_by("linked_at", "id").values("customer_id")[:1]
    return Coalesce(Subquery(setting), Subquery(link))


def set_spending_cap(*, customer: User, monthly_limit_amount: int | None) -> SpendingCap:
    if monthly_limit_amount is not None and monthly_limit_amount < 0:
        raise ValueError("a cap is not negative")
    cap, _ = SpendingCap.objects.update_or_create(
        customer=customer, defaults={"monthly_limit_amount": monthly_limit_amount, "updated_at": clock.now()}
    )
    return cap


def spending_cap(customer: User) -> int | None:
    cap = SpendingCap.objects.filter(customer=customer).first()
    return cap.monthly_limit_amount if cap is not None else None


def month_start(at: datetime) -> datetime:
    local = at.astimezone(BRUSSELS)
    return datetime.combine(local.date().replace(day=1), time(0), tzinfo=BRUSSELS)


def charged_this_month(customer: User, at: datetime) -> int:
    """What auto-renew charged (or is charging) to the customer's saved means this calendar month."""
    total = (
        Order.objects.filter(customer=customer, channel=Channel.AUTO, created_at__gte=month_start(at))
        .exclude(method=PaymentMethod.CREDIT)
        .exclude(status__in=UNPAID_FINAL_STATUSES)
        .aggregate(total=Sum("total_amount"))["total"]
    )
    return int(total or 0)


# --- What is due


def periods_due(at: datetime, since: datetime | None = None) -> QuerySet[BundlePeriod]:
    """The last period of each auto-renewing line ending within the lead time (or ended recently,
    after a stop), with no attempt yet.

    Only periods whose renewal fell due since `since` (the last run that succeeded, which did what
    was due before it) are read: a range of the index on status and end, however many periods
    ended in the last week. A run after a stop catches up as far back as catch_up_window().
    """
    later = BundlePeriod.objects.filter(line_id=OuterRef("line_id"), starts_at__gte=OuterRef("ends_at")).exclude(
        pk=OuterRef("pk")
    )
    earliest = at - catch_up_window() if since is None else max(at - catch_up_window(), since - SCAN_OVERLAP)
    attempted = RenewalAttempt.objects.filter(period_id=OuterRef("pk"))
    # Switching auto-renew on renews what ends from then on, never a bundle that had already lapsed.
    switched_on_later = AutoRenewSetting.objects.filter(line_id=OuterRef("line_id"), updated_at__gt=OuterRef("ends_at"))
    return (
        BundlePeriod.objects.filter(
            line__auto_renew=True,
            line__status__in=[LineStatus.ACTIVE, LineStatus.GRACE],
            ends_at__lte=at + lead_time(),
            ends_at__gt=earliest,
            # Every status (running, or ended since): named so that the index on status and end serves.
            status__in=[PeriodStatus.ACTIVE, PeriodStatus.QUEUED, PeriodStatus.EXPIRED],
        )
        .exclude(Exists(later))
        .exclude(Exists(attempted))
        .exclude(Exists(switched_on_later))
        .select_related("line", "product")
        .order_by("ends_at", "id")
    )


def attempts_due(at: datetime) -> QuerySet[RenewalAttempt]:
    return RenewalAttempt.objects.filter(
        Q(status__in=[AttemptStatus.PENDING, AttemptStatus.RETRY_SCHEDULED], next_try_at__lte=at)
        | Q(status__in=[AttemptStatus.CHARGING, AttemptStatus.AWAITING_PAYMENT])
    ).order_by("next_try_at", "id")


def run(*, at: datetime, since: datetime | None = None) -> dict[str, int]:
    """Everything auto-renew has due at `at` (`since`: the last run that succeeded): new attempts for
    ending periods, retries, and charges to finish. Safe to run any number of times, concurrently too.

    Attempts to try are decided a batch per transaction (renewals from credit are done there and
    then); the charges on saved means that follow go one attempt at a time (each calls the provider)."""
    outcomes: dict[str, int] = {"created": create_attempts(at=at, since=since)}
    due = list(attempts_due(at).values_list("pk", "status"))
    statuses = dict(due)
    to_try = [pk for pk, status in due if status in (AttemptStatus.PENDING, AttemptStatus.RETRY_SCHEDULED)]
    size = tries_per_transaction()
    for start in range(0, len(to_try), size):
        statuses.update(_try_batch(to_try[start : start + size]))
    for attempt_id, _ in due:
        status = statuses[attempt_id]
        if status in (AttemptStatus.CHARGING, AttemptStatus.AWAITING_PAYMENT):
            try:
                status = process(attempt_id)
            except Exception:
                log.exception("auto-renew attempt %s failed; it is retried on the next run", attempt_id)
                status = "error"
        outcomes[status] = outcomes.get(status, 0) + 1
    return outcomes


def tries_per_transaction() -> int:
    """Attempts decided in one transaction (LIFECYCLE_BATCH_SIZE, as the lifecycle's other jobs)."""
    return max(1, int(getattr(settings, "LIFECYCLE_BATCH_SIZE", 100)))


def _try_batch(attempt_ids: list[int]) -> dict[int, str]:
    """Decide these attempts in one transaction; if anything in it fails, each again on its own, so
    that one failing attempt does not hold back the others. Their statuses after, by id."""
    try:
        return _try(attempt_ids)
    except Exception:
        if len(attempt_ids) > 1:  # the batch was undone: each of its attempts again, alone
            statuses: dict[int, str] = {}
            for attempt_id in attempt_ids:
                statuses.update(_try_batch([attempt_id]))
            return statuses
        log.exception("auto-renew attempt %s failed; it is retried on the next run", attempt_ids[0])
        return {attempt_ids[0]: "error"}


def create_attempts(*, at: datetime, since: datetime | None = None) -> int:
    """An attempt for every period due, up to ATTEMPTS_PER_INSERT of them in one INSERT. An attempt is
    unique per period, so a concurrent run's insert of the same one is ignored (and counted by both)."""
    created = 0
    due = periods_due(at, since).annotate(payer_id=payer_id_of_line())
    while page := list(due.values("pk", "line_id", "product_id", "ends_at", "payer_id")[:ATTEMPTS_PER_INSERT]):
        now = clock.now()
        RenewalAttempt.objects.bulk_create(
            [
                RenewalAttempt(
                    period_id=row["pk"],
                    line_id=row["line_id"],
                    product_id=row["product_id"],
                    customer_id=row["payer_id"],
                    due_at=row["ends_at"] - lead_time(),
                    next_try_at=row["ends_at"] - lead_time(),
                    created_at=now,
                )
                for row in page
            ],
            ignore_conflicts=True,
        )
        created += len(page)
    return created


def process(attempt_id: int) -> str:
    """Take one attempt as far as it can go now; returns its status."""
    attempt = RenewalAttempt.objects.get(pk=attempt_id)
    if attempt.status in (AttemptStatus.PENDING, AttemptStatus.RETRY_SCHEDULED):
        _try([attempt_id])
        attempt.refresh_from_db()
    if attempt.status == AttemptStatus.CHARGING:
        _charge(attempt)
        attempt.refresh_from_db()
    if attempt.status == AttemptStatus.AWAITING_PAYMENT:
        _reconcile(attempt)
        attempt.refresh_from_db()
    return str(attempt.status)


# --- The steps


# What deciding an attempt writes to it.
FINISH_FIELDS = ("status", "reason", "finished_at", "order", "tries")


def _finish(attempt: RenewalAttempt, status: str, reason: str = "", order: Order | None = None) -> None:
    attempt.status = status
    attempt.reason = reason or attempt.reason
    attempt.finished_at = clock.now()
    if order is not None:
        attempt.order = order
    attempt.save(update_fields=FINISH_FIELDS)


def _finish_later(
    known: "_Known", attempt: RenewalAttempt, status: str, reason: str = "", order: Order | None = None
) -> None:
    """_finish, the attempt saved with the others of its batch (one UPDATE for the batch)."""
    attempt.status = status
    attempt.reason = reason or attempt.reason
    attempt.finished_at = clock.now()
    if order is not None:
        attempt.order = order
    known.finished.append(attempt)


def _tell_failed(known: "_Known", **details: Any) -> None:
    """notices.renewal_failed, recorded with the batch's other notices (one INSERT for the batch)."""
    known.told.append(notices.renewal_failed_event(**details))


@dataclass(frozen=True)
class _Known:
    """What deciding a batch of attempts reads once for all of them (the lines are locked first)."""

    periods_after: set[tuple[int, int]]  # (line, period): a period of the line starts when this one ends
    holders: set[tuple[int, int]]  # (line, customer) linked
    balances: dict[int, line_queries.Balances]  # by line
    mandates: dict[int, Mandate]  # the payers' valid mandates, by customer
    # Renewed from credit: their charges are inserted and the customers told once the batch is decided.
    renewed: list[RenewalCharge] = field(default_factory=list)
    # Attempts decided (saved together) and notices of failures (recorded together) once it is decided.
    finished: list[RenewalAttempt] = field(default_factory=list)
    told: list[delivery.Event] = field(default_factory=list)

    @classmethod
    def of(
        cls, attempts: list[RenewalAttempt], locked: dict[int, Line], balances: dict[int, line_queries.Balances]
    ) -> "_Known":
        line_ids = sorted(locked)
        ends = {attempt.period_id: attempt.period.ends_at for attempt in attempts}
        later = BundlePeriod.objects.filter(line_id__in=line_ids, starts_at__gte=min(ends.values()))
        starts = later.values_list("line_id", "pk", "starts_at")
        after = {
            (attempt.line_id, attempt.period_id)
            for attempt in attempts
            for line_id, pk, starts_at in starts
            if line_id == attempt.line_id and pk != attempt.period_id and starts_at >= ends[attempt.period_id]
        }
        holders = set(LineLink.objects.filter(line_id__in=line_ids).values_list("line_id", "customer_id"))
        payers = {attempt.customer_id for attempt in attempts if attempt.customer_id is not None}
        return cls(after, holders, balances, saved_payments.valid_mandates(payers))


@contextmanager
def _renewing(locked: dict[int, Line]) -> Iterator[dict[int, line_queries.Balances]]:
    """What renewing these lines (locked) reads, once for the batch rather than once per renewal:
    their ledger accounts (yielded as their balances now), their running periods and their bonus
    grants; and whom to tell about them."""
    codes = [code for line in locked.values() for code in (line.credit_account_code, line.bonus_account_code)]
    with (
        ledger.accounts_known(codes) as accounts,
        lines.periods_known(locked),
        line_bonus.grants_known(locked),
        notices.people_known(locked),
    ):
        held = {code: found.balance_amount for code, found in accounts.items() if found is not None}
        yield {
            line.pk: line_queries.Balances(held.get(line.credit_account_code, 0), held.get(line.bonus_account_code, 0))
            for line in locked.values()
        }


def _try(attempt_ids: list[int]) -> dict[int, str]:
    """Decide how to renew each of these attempts, in one transaction: from credit (done at once), or
    place the order to charge on the mandate (charged in the next step), or tell the customer why not.
    Their lines are locked in id order, then the attempts; their statuses after, by id."""
    # A batch is a unit of the reference cache (as a request is): prices and fees as they stood when
    # it began, their generation read once, not at every quote. In a copied context, so that the unit
    # ends with the batch.
    return contextvars.copy_context().run(_try_in_unit, attempt_ids)


def _try_in_unit(attempt_ids: list[int]) -> dict[int, str]:
    reference_cache.begin_unit()
    now = clock.now()
    with transaction.atomic(), delivery.delivered_together():
        line_ids = set(RenewalAttempt.objects.filter(pk__in=attempt_ids).values_list("line_id", flat=True))
        locked = {line.pk: line for line in lines.lock_lines(sorted(line_ids))}
        attempts = list(
            RenewalAttempt.objects.select_for_update(of=("self",))
            .select_related("period__product", "product", "customer")
            .filter(pk__in=attempt_ids)
            .order_by("pk")
        )
        if not attempts:
            return {}
        with _renewing(locked) as balances:
            known = _Known.of(attempts, locked, balances)
            for attempt in attempts:
                _decide(attempt, locked[attempt.line_id], known, now)
            _save_decided(known)
    return {attempt.pk: str(attempt.status) for attempt in attempts}


def _save_decided(known: "_Known") -> None:
    """What the batch decided, a statement each for all its attempts: the attempts finished in one
    UPDATE, the charges of its renewals from credit in one INSERT (their new periods read in one query),
    and every customer told in one INSERT."""
    if known.finished:
        rows.update_all(known.finished, FINISH_FIELDS)
    events = list(known.told)
    charges = known.renewed
    if charges:
        RenewalCharge.objects.bulk_create(charges)
        periods = {p.order_id: p for p in BundlePeriod.objects.filter(order_id__in=[c.order_id for c in charges])}
        for charge in charges:
            assert charge.order is not None
            events.append(notices.renewed_event(charge.order, periods.get(charge.order_id)))
    notices.tell_all(events)


def _decide(attempt: RenewalAttempt, line: Line, known: _Known, now: datetime) -> None:
    """One attempt, its line locked (the body of `_try`)."""
    if attempt.status not in (AttemptStatus.PENDING, AttemptStatus.RETRY_SCHEDULED) or attempt.next_try_at > now:
        return
    period = attempt.period
    if not line.auto_renew:
        return _finish_later(known, attempt, AttemptStatus.STOPPED, "switched_off")
    payer = attempt.customer
    if payer is not None and (line.pk, payer.pk) not in known.holders:
        # The payer no longer holds the line (another account linked it): their auto-renew stops.
        lines.set_auto_renew(line=line, enabled=False)
        return _finish_later(known, attempt, AttemptStatus.STOPPED, "holder_changed")
    if line.status not in (LineStatus.ACTIVE, LineStatus.GRACE):
        return _finish_later(known, attempt, AttemptStatus.STOPPED, "line_not_active")
    if (line.pk, period.pk) in known.periods_after:
        return _finish_later(known, attempt, AttemptStatus.SUPERSEDED)
    product = attempt.product
    price = product.price_amount or 0
    if not (product.active and product.auto_renewable):
        _tell_failed(
            known,
            line=line,
            event_key=f"renewal:{attempt.pk}:failed",
            period=period,
            reason="product_unavailable",
            price_amount=price,
        )
        return _finish_later(known, attempt, AttemptStatus.FAILED, "product_unavailable")
    customer_id = payer.pk if payer else None
    try:
        credit_quote = quote_order(
            line=line, product=product, method=PaymentMethod.CREDIT, channel=Channel.AUTO, customer_id=customer_id
        )
        price = credit_quote.price_amount
        balance = known.balances.pop(line.pk, None) or line_queries.balances(line)  # read again once spent
        if balance.total_amount >= credit_quote.price_amount:
            order = orders.place_order(
                quote=credit_quote,
                customer=payer,
                language=payer.language if payer else settings.LANGUAGE_CODE,
                line_locked=True,  # the batch locked its lines (`_try_in_unit`): not again per order
            )
            attempt.tries += 1
            known.renewed.append(
                RenewalCharge(
                    attempt=attempt,
                    try_number=attempt.tries,
                    order=order,
                    funding=RenewalCharge.CREDIT,
                    key=f"renewal:{attempt.pk}:try:{attempt.tries}",
                    created_at=now,
                )
            )
            _finish_later(known, attempt, AttemptStatus.SUCCEEDED, order=order)
            return None
        mandate = known.mandates.get(payer.pk) if payer else None
        if mandate is None:
            _tell_failed(
                known,
                line=line,
                event_key=f"renewal:{attempt.pk}:failed",
                period=period,
                reason="no_funds",
                price_amount=price,
                balance_amount=balance.total_amount,
            )
            return _finish_later(known, attempt, AttemptStatus.FAILED, "no_funds")
        assert payer is not None
        quote = quote_order(
            line=line, product=product, method=mandate.method, channel=Channel.AUTO, customer_id=payer.pk
        )
        cap = spending_cap(payer)
        if cap is not None and charged_this_month(payer, now) + quote.total_amount > cap:
            _tell_failed(
                known,
                line=line,
                event_key=f"renewal:{attempt.pk}:failed",
                period=period,
                reason="spending_cap",
                price_amount=quote.total_amount,
                balance_amount=balance.total_amount,
                cap_amount=cap,
            )
            return _finish_later(known, attempt, AttemptStatus.FAILED, "spending_cap")
        order = orders.place_order(quote=quote, customer=payer, language=payer.language)
    except DomainError as error:
        log.info("auto-renew of line %s refused: %s", line.pk, error.code)
        _tell_failed(
            known,
            line=line,
            event_key=f"renewal:{attempt.pk}:failed",
            period=period,
            reason="other",
            price_amount=price,
        )
        return _finish_later(known, attempt, AttemptStatus.FAILED, error.code[:32])
    attempt.tries += 1
    attempt.status = AttemptStatus.CHARGING
    attempt.save(update_fields=["tries", "status"])
    RenewalCharge.objects.create(
        attempt=attempt,
        try_number=attempt.tries,
        order=order,
        funding=RenewalCharge.MANDATE,
        mandate=mandate,
        key=f"renewal:{attempt.pk}:try:{attempt.tries}",
        created_at=now,
    )
    return None


def _latest_charge(attempt: RenewalAttempt) -> RenewalCharge:
    return attempt.charges.select_related("order", "order__product", "mandate").order_by("-try_number").first()  # type: ignore[return-value]


def _payer_left(line: Line, payer: User | None) -> bool:
    """The payer no longer holds the line (another account linked it): their auto-renew stops."""
    return payer is not None and not customers.owns_line(customer=payer, line=line)


def _stopped_before_charging(attempt: RenewalAttempt, charge: RenewalCharge) -> bool:
    """Whether the line moved to another account (or auto-renew went off) since the order was placed:
    then the order fails unpaid and nothing is charged to the previous holder's saved means."""
    with transaction.atomic():
        line = lines.lock_line(attempt.line_id)
        if line.auto_renew and not _payer_left(line, attempt.customer):
            return False
        orders.fail_unpaid_order(order_id=charge.order_id)
        locked = RenewalAttempt.objects.select_for_update().get(pk=attempt.pk)
        if locked.status == AttemptStatus.CHARGING:
            _finish(locked, AttemptStatus.STOPPED, "holder_changed" if line.auto_renew else "switched_off")
    return True


def _charge(attempt: RenewalAttempt) -> None:
    """Charge the mandate (outside any transaction), then wait for the outcome."""
    charge = _latest_charge(attempt)
    assert charge.mandate is not None
    if _stopped_before_charging(attempt, charge):
        return
    webhook_url = settings.PUBLIC_URL + reverse("mollie_webhook")
    try:
        orders.charge_mandate(
            order=charge.order, mandate=charge.mandate, webhook_url=webhook_url, idempotency_key=charge.key
        )
    except providers.ProviderRefused as exc:
        log.info("the provider refused auto-renew charge %s: %s", charge.key, exc)
        with transaction.atomic():
            lines.lock_line(attempt.line_id)
            orders.fail_unpaid_order(order_id=charge.order_id)
            saved_payments.end_mandate(mandate=charge.mandate, status=MandateStatus.INVALID)
            locked = RenewalAttempt.objects.select_for_update().get(pk=attempt.pk)
            if locked.status == AttemptStatus.CHARGING:
                _after_failure(locked)
        return
    except providers.ProviderError as exc:
        log.warning("auto-renew charge %s could not reach the provider: %s; retried next run", charge.key, exc)
        return
    RenewalAttempt.objects.filter(pk=attempt.pk, status=AttemptStatus.CHARGING).update(
        status=AttemptStatus.AWAITING_PAYMENT
    )


def _reconcile(attempt: RenewalAttempt) -> None:
    """Ask the provider how the charge ended (the webhook may not have come), then act on it."""
    charge = _latest_charge(attempt)
    order = charge.order
    payment = order.payments.exclude(provider_payment_id="").first()
    if payment is not None and order.is_open:
        try:
            orders.sync_payment(provider_name=payment.provider, provider_payment_id=payment.provider_payment_id)
        except providers.ProviderError as exc:
            log.warning("auto-renew charge %s: status unknown for now (%s)", charge.key, exc)
            return
    with transaction.atomic():
        lines.lock_line(attempt.line_id)
        locked = RenewalAttempt.objects.select_for_update().get(pk=attempt.pk)
        order.refresh_from_db()
        if locked.status != AttemptStatus.AWAITING_PAYMENT:
            return
        if order.status == OrderStatus.FULFILLED:
            _finish(locked, AttemptStatus.SUCCEEDED, order=order)
            notices.renewed(order, _period_of(order))
        elif order.status in UNPAID_FINAL_STATUSES:
            _after_failure(locked)


def _after_failure(attempt: RenewalAttempt) -> None:
    """A charge failed: retry 1 and 3 days after the first failure, then stop auto-renew and tell."""
    now = clock.now()
    attempt.first_failed_at = attempt.first_failed_at or now
    schedule = retry_days()
    period = attempt.period
    price = _latest_charge(attempt).order.total_amount
    if attempt.tries <= len(schedule):
        attempt.status = AttemptStatus.RETRY_SCHEDULED
        attempt.next_try_at = attempt.first_failed_at + timedelta(days=schedule[attempt.tries - 1])
        attempt.reason = "payment_failed"
        attempt.save(update_fields=["status", "next_try_at", "first_failed_at", "reason"])
        notices.renewal_failed(
            line=attempt.line,
            event_key=f"renewal:{attempt.pk}:failed:{attempt.tries}",
            period=period,
            reason="payment_failed",
            price_amount=price,
            retry_at=attempt.next_try_at,
        )
        return
    attempt.save(update_fields=["first_failed_at"])
    _finish(attempt, AttemptStatus.STOPPED, "payment_failed")
    line = lines.lock_line(attempt.line_id)
    lines.set_auto_renew(line=line, enabled=False)
    notices.renewal_failed(
        line=line, event_key=f"renewal:{attempt.pk}:stopped", period=period, reason="payment_failed", price_amount=price
    )


def _period_of(order: Order) -> BundlePeriod | None:
    return BundlePeriod.objects.filter(order_id=order.pk).first()


# --- For pages


def open_attempt(line: Line) -> RenewalAttempt | None:
    return RenewalAttempt.objects.filter(line=line, status__in=OPEN_ATTEMPT_STATUSES).order_by("-due_at").first()


def next_renewal_at(line: Line) -> datetime | None:
    """When auto-renew will next renew this line (its last period's end), if it is on."""
    if not line.auto_renew:
        return None
    last = line.periods.filter(status__in=[PeriodStatus.ACTIVE, PeriodStatus.QUEUED]).order_by("-ends_at").first()
    return last.ends_at if last is not None else None
