"""Writes to lines and their bundle periods. Callers own the transaction and lock the line first."""

from datetime import datetime, timedelta

from simrenew.catalog.models import Product
from simrenew.kit import clock
from simrenew.lines.errors import LineNotUsable, WrongBrandProduct
from simrenew.lines.models import BundlePeriod, Line, LineStatus, PeriodStatus


def lock_line(line_id: int) -> Line:
    """The line row, locked for this transaction. Lock order: line → order → payment."""
    return Line.objects.select_for_update().select_related("brand").get(pk=line_id)


def ensure_usable(line: Line) -> None:
    if line.status == LineStatus.TERMINATED:
        raise LineNotUsable()


def add_bundle_period(
    *, line: Line, product: Product, order_id: int | None, at: datetime | None = None
) -> BundlePeriod:
    """Start a bundle now, or queue it after the last period when the current one is still in use.

    A current period that is exhausted ends now, so the new one starts at once; one that
    still has allowances keeps running and the new one is queued to start when it (and any
    period already queued) ends.
    """
    now = at or clock.now()
    if product.brand_id != line.brand_id or not product.is_bundle:
        raise WrongBrandProduct()
    ensure_usable(line)
    expire_ended_periods(line=line, at=now)
    current = line.periods.filter(status=PeriodStatus.ACTIVE).order_by("-ends_at").first()
    if current is not None and current.is_exhausted:
        BundlePeriod.objects.filter(pk=current.pk).update(status=PeriodStatus.EXPIRED, ends_at=now)
        current = None
    last = line.periods.filter(status__in=[PeriodStatus.ACTIVE, PeriodStatus.QUEUED]).order_by("-ends_at").first()
    starts_at = last.ends_at if last is not None and last.ends_at > now else now
    assert product.validity_days is not None
    return BundlePeriod.objects.create(
        line=line,
        product=product,
        order_id=order_id,
        status=PeriodStatus.QUEUED if starts_at > now else PeriodStatus.ACTIVE,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(days=product.validity_days),
        data_mb_left=product.data_mb,
        voice_minutes_left=product.voice_minutes,
        sms_left=product.sms_count,
    )


def expire_ended_periods(*, line: Line, at: datetime) -> None:
    """Bring a line's periods up to `at`: ended ones expire, due queued ones become active."""
    line.periods.filter(status=PeriodStatus.ACTIVE, ends_at__lte=at).update(status=PeriodStatus.EXPIRED)
    line.periods.filter(status=PeriodStatus.QUEUED, starts_at__lte=at, ends_at__gt=at).update(
        status=PeriodStatus.ACTIVE
    )
    line.periods.filter(status=PeriodStatus.QUEUED, ends_at__lte=at).update(status=PeriodStatus.EXPIRED)


def extend_credit_validity(*, line: Line, at: datetime | None = None) -> datetime:
    """A top-up makes the whole credit valid for the brand's validity from now (never shortens it)."""
    now = at or clock.now()
    new_expiry = now + timedelta(days=line.brand.credit_validity_days)
    if line.credit_expires_at is None or line.credit_expires_at < new_expiry:
        line.credit_expires_at = new_expiry
    update_fields = ["credit_expires_at"]
    if line.status in (LineStatus.GRACE, LineStatus.SUSPENDED):
        line.status = LineStatus.ACTIVE
        update_fields.append("status")
    line.save(update_fields=update_fields)
    return line.credit_expires_at
