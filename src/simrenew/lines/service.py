"""Writes to lines and their bundle periods. Callers own the transaction and lock the line first."""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.db.models import F, QuerySet

from simrenew.catalog.models import Product
from simrenew.kit import clock, rows
from simrenew.kit.batch import Taken
from simrenew.lines.errors import LineNotUsable, WrongBrandProduct
from simrenew.lines.models import ENDED_STATUSES, BundlePeriod, IdentityStatus, Line, LineStatus, PeriodStatus


def lock_line(line_id: int) -> Line:
    """The line row, locked for this transaction. Lock order: line → order → payment."""
    # of=("self",): lock the line only, not its brand's row (which every sale of the brand would wait on).
    return Line.objects.select_for_update(of=("self",)).select_related("brand").get(pk=line_id)


def lock_lines(line_ids: list[int]) -> list[Line]:
    """Several lines locked in one statement, in id order: the order every batch takes them in, so two
    batches never wait on each other (a batch of the scheduler's work)."""
    return list(
        Line.objects.select_for_update(of=("self",)).select_related("brand").filter(pk__in=line_ids).order_by("pk")
    )


def ensure_usable(line: Line) -> None:
    if line.status in ENDED_STATUSES:
        raise LineNotUsable()


def add_bundle_period(
    *, line: Line, product: Product, order_id: int | None, at: datetime | None = None
) -> BundlePeriod:
    """Start a bundle now, or queue it after the last period when the current one is still in use.

    A current period that is exhausted ends now and what was queued behind it moves up to
    start now (the customer is never left without a bundle while one is waiting); with
    nothing queued the new one starts at once. A current period that still has allowances
    keeps running and the new one is queued after it and after any period already queued.
    """
    now = at or clock.now()
    if product.brand_id != line.brand_id or not product.is_bundle:
        raise WrongBrandProduct()
    ensure_usable(line)
    # One read of the line's periods; what follows works on that list (statuses kept in step).
    _, live = _advance_periods(line=line, at=now)
    active = [period for period in live if period.status == PeriodStatus.ACTIVE]
    current = max(active, key=lambda period: period.ends_at) if active else None
    if current is not None and current.is_exhausted:
        BundlePeriod.objects.filter(pk=current.pk).update(status=PeriodStatus.EXPIRED, ends_at=now)
        live.remove(current)
        queued = [period for period in live if period.status == PeriodStatus.QUEUED]
        if queued:
            shift = queued[0].starts_at - now
            for period in queued:
                period.starts_at -= shift
                period.ends_at -= shift
                period.status = PeriodStatus.ACTIVE if period.starts_at <= now else PeriodStatus.QUEUED
                rows.update(period, ("starts_at", "ends_at", "status"))
    last = max(live, key=lambda period: period.ends_at) if live else None
    starts_at = last.ends_at if last is not None and last.ends_at > now else now
    assert product.validity_days is not None
    # Every renewal and bundle sale writes one: a statement built once, not compiled per sale.
    return rows.insert(
        BundlePeriod(
            line=line,
            product=product,
            order_id=order_id,
            status=PeriodStatus.QUEUED if starts_at > now else PeriodStatus.ACTIVE,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(days=product.validity_days),
            data_mb_left=product.data_mb,
            data_alert_at_mb=BundlePeriod.first_data_alert_at(product.data_mb),
            voice_minutes_left=product.voice_minutes,
            sms_left=product.sms_count,
        )
    )


def expire_ended_periods(*, line: Line, at: datetime) -> list[BundlePeriod]:
    """Bring a line's periods up to `at`, in time order: ended ones expire, due queued ones become
    active. A period whose product rolls allowances over hands what is left to the period that
    follows straight on (one period's worth at most). Returns the periods that expired."""
    expired, _ = _advance_periods(line=line, at=at)
    return expired


def _running(line_ids: Iterable[int]) -> QuerySet[BundlePeriod]:
    """The active and queued periods of these lines, in time order, with their products."""
    return (
        BundlePeriod.objects.select_related("product")
        .filter(line_id__in=list(line_ids), status__in=[PeriodStatus.ACTIVE, PeriodStatus.QUEUED])
        .order_by("starts_at", "id")
    )


# line → its active and queued periods: a batch's lines' periods, read once for the batch.
_known: Taken[BundlePeriod] = Taken("lines_periods_known")


@contextmanager
def periods_known(line_ids: Iterable[int]) -> Iterator[None]:
    """Inside, the first add_bundle_period or expire_ended_periods of each of these lines finds its
    periods from one query for all of them, not one each (a batch of renewals). The caller holds
    the lines' locks, so nothing else changes their periods meanwhile; a line's periods are taken
    once, as what is done with them changes them (a second use reads them again)."""
    with _known.holding(line_ids, _running, lambda period: period.line_id):
        yield


def _advance_periods(*, line: Line, at: datetime) -> tuple[list[BundlePeriod], list[BundlePeriod]]:
    """expire_ended_periods, also returning the periods still active or queued (in time order)."""
    found = _known.take(line.pk)
    periods = found if found is not None else list(_running([line.pk]))
    for period in periods:
        period.line = line  # as line.periods would: the caller's (locked) line, not read again
    expired: list[BundlePeriod] = []
    for index, period in enumerate(periods):
        if period.ends_at <= at:
            following = periods[index + 1] if index + 1 < len(periods) else None
            if following is not None and following.starts_at == period.ends_at and period.product.allowances_roll_over:
                _roll_over(period, following)
            period.status = PeriodStatus.EXPIRED
            rows.update(period, ("status",))
            expired.append(period)
        elif period.starts_at <= at and period.status != PeriodStatus.ACTIVE:
            period.status = PeriodStatus.ACTIVE
            rows.update(period, ("status",))
    return expired, [period for period in periods if period.status != PeriodStatus.EXPIRED]


# The columns a rollover changes on the period that follows.
ROLLOVER_FIELDS = ("data_mb_left", "rollover_data_mb", "data_alert_at_mb", "voice_minutes_left", "sms_left")


def advance_periods_of(lines: list[Line], at: datetime) -> dict[int, list[BundlePeriod]]:
    """expire_ended_periods for many lines at once, with the same rules, in a few statements whatever
    their number: their periods read in one query, the expiries in one UPDATE, the queued periods that
    start in one, the rollovers in one. Returns the periods that expired, by line, in time order (each
    with its line and product). The caller holds the lines' locks."""
    by_line: dict[int, list[BundlePeriod]] = {line.pk: [] for line in lines}
    if not by_line:
        return {}
    known = {line.pk: line for line in lines}
    for period in _running(by_line):
        period.line = known[period.line_id]
        by_line[period.line_id].append(period)
    ended: dict[int, list[BundlePeriod]] = {}
    started: list[int] = []
    rolled: dict[int, BundlePeriod] = {}
    for line_id, periods in by_line.items():
        for index, period in enumerate(periods):
            if period.ends_at <= at:
                following = periods[index + 1] if index + 1 < len(periods) else None
                if following is not None and _rolls_into(period, following):
                    _carry_over(period, following)
                    rolled[following.pk] = following
                period.status = PeriodStatus.EXPIRED
                ended.setdefault(line_id, []).append(period)
            elif period.starts_at <= at and period.status != PeriodStatus.ACTIVE:
                period.status = PeriodStatus.ACTIVE
                started.append(period.pk)
    if rolled:
        rows.update_all(list(rolled.values()), ROLLOVER_FIELDS)
    expired_ids = [period.pk for periods in ended.values() for period in periods]
    if expired_ids:
        BundlePeriod.objects.filter(pk__in=expired_ids).update(status=PeriodStatus.EXPIRED)
    if started:
        BundlePeriod.objects.filter(pk__in=started).update(status=PeriodStatus.ACTIVE)
    return ended


def _rolls_into(ending: BundlePeriod, following: BundlePeriod) -> bool:
    """Whether what is left of `ending` goes to `following`: it starts right at the end, and the
    product rolls its allowances over."""
    return following.starts_at == ending.ends_at and ending.product.allowances_roll_over


def _roll_over(ending: BundlePeriod, following: BundlePeriod) -> None:
    _carry_over(ending, following)
    following.save(update_fields=ROLLOVER_FIELDS)


def _carry_over(ending: BundlePeriod, following: BundlePeriod) -> None:
    """What is left of `ending` added to `following` (in memory; one period's worth at most)."""
    product = ending.product
    if ending.data_mb_left is not None and following.data_mb_left is not None:
        carried = min(ending.data_mb_left, product.data_mb if product.data_mb is not None else ending.data_mb_left)
        following.data_mb_left += carried
        following.rollover_data_mb += carried
        if following.data_alert_level == 0:  # the 80 % warning moves with the larger allowance
            following.data_alert_at_mb = BundlePeriod.first_data_alert_at(following.data_mb_granted)
    if ending.voice_minutes_left is not None and following.voice_minutes_left is not None:
        following.voice_minutes_left += min(ending.voice_minutes_left, product.voice_minutes or 0)
    if ending.sms_left is not None and following.sms_left is not None:
        following.sms_left += min(ending.sms_left, product.sms_count or 0)


def use_allowances(*, period: BundlePeriod, data_mb: int = 0, voice_minutes: int = 0, sms: int = 0) -> None:
    """Allowances used on the network (settled by charging), taken off what the period has left; an
    unlimited allowance stays unlimited. The caller holds the line's lock and takes no more than is left."""
    changes = {
        name: F(name) - amount
        for name, amount, left in (
            ("data_mb_left", data_mb, period.data_mb_left),
            ("voice_minutes_left", voice_minutes, period.voice_minutes_left),
            ("sms_left", sms, period.sms_left),
        )
        if amount and left is not None
    }
    if changes:
        BundlePeriod.objects.filter(pk=period.pk).update(**changes)


def extend_credit_validity(*, line: Line, at: datetime | None = None) -> datetime:
    """A top-up or a renewal makes the whole credit valid for the brand's validity from now (never
    shortens it) and reactivates a line in grace or suspended."""
    now = at or clock.now()
    new_expiry = now + timedelta(days=line.brand.credit_validity_days)
    if line.credit_expires_at is None or line.credit_expires_at < new_expiry:
        line.credit_expires_at = new_expiry
    if line.status in (LineStatus.GRACE, LineStatus.SUSPENDED):
        line.status = LineStatus.ACTIVE
        line.status_changed_at = now
        rows.update(line, ("credit_expires_at", "status", "status_changed_at"))
    else:
        rows.update(line, ("credit_expires_at",))  # every top-up: a statement built once, not the ORM's save
    return line.credit_expires_at


def set_auto_renew(*, line: Line, enabled: bool) -> Line:
    """The line's auto-renew switch (renewals decides how a renewal is paid)."""
    if line.auto_renew != enabled:
        line.auto_renew = enabled
        line.save(update_fields=["auto_renew"])
    return line


def withdraw_unused_period(*, line: Line, order_id: int, at: datetime | None = None) -> bool:
    """Take back the bundle period an order bought while none of it is used (a sale voided at the till).

    Returns False, changing nothing, when the period has started being used (an allowance went below
    what the product gives). The withdrawn period ends (a queued one without ever starting) and periods
    queued after it move up by the time it would have run. The caller holds the line lock.
    """
    now = at or clock.now()
    period = line.periods.select_related("product").filter(order_id=order_id).first()
    if period is None or period.status == PeriodStatus.EXPIRED:
        return period is None
    product = period.product
    given = (
        (period.data_mb_left, (product.data_mb or 0) + (getattr(period, "rollover_data_mb", 0) or 0)),
        (period.voice_minutes_left, product.voice_minutes or 0),
        (period.sms_left, product.sms_count or 0),
    )
    used = any(left is not None and left < full for left, full in given)
    if period.status == PeriodStatus.ACTIVE and used:
        return False
    gap_start = max(period.starts_at, now)
    shift = period.ends_at - gap_start
    BundlePeriod.objects.filter(pk=period.pk).update(status=PeriodStatus.EXPIRED, ends_at=gap_start)
    for later in line.periods.filter(status=PeriodStatus.QUEUED, starts_at__gte=period.ends_at).order_by("starts_at"):
        BundlePeriod.objects.filter(pk=later.pk).update(
            starts_at=later.starts_at - shift, ends_at=later.ends_at - shift
        )
    expire_ended_periods(line=line, at=now)
    return True


def mark_identified(*, line: Line, at: datetime | None = None) -> None:
    """Record that the line's holder was identified (Belgian law: every prepaid card is). `at` is
    kept by the identification record itself (identity.Identification); the line carries the status."""
    if line.identity_status != IdentityStatus.IDENTIFIED:
        line.identity_status = IdentityStatus.IDENTIFIED
        line.save(update_fields=["identity_status"])
