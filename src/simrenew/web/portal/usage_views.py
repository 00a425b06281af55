"""A line's usage for people: the current bundle's use per day as charts of used against left (server-
rendered SVG with the same numbers as tables), the usage history page by page, and its CSV export.

My account shows a customer only what happened while they held the line (`since` their link); the shop
desk sees all of it.
"""

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import chain
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, StreamingHttpResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from simrenew.charging import queries as usage
from simrenew.charging.models import Mode, RatingGroup, Usage
from simrenew.charging.quantities import left_texts, quantity
from simrenew.customers import queries as customer_queries
from simrenew.kit import clock, money
from simrenew.lines.models import BundlePeriod, Line
from simrenew.lines.queries import Balances, LineSummary

CHART_DAYS = 31  # a longer bundle shows its last 31 days
HISTORY_PER_PAGE = 20
# The chart's drawing area in SVG units (it scales to the width of the page).
WIDTH, HEIGHT, AXIS = 600, 180, 26


def kind_of(rating_group: int) -> str:
    return usage.ALLOWANCE_OF[RatingGroup(rating_group)]


# --- The current bundle's chart ------------------------------------------------------------------


@dataclass(frozen=True)
class Day:
    """One day of a chart: what was used (and of it from the bundle, and cents paid out of bundle), what
    was left at its end (None: unlimited), and its column in the SVG."""

    day: date
    used: int
    from_bundle: int
    charged: int
    left: int | None
    x: str
    bar_width: str
    bar_y: str
    bar_height: str
    title: str

    @property
    def has_use(self) -> bool:
        return self.used > 0 or self.charged > 0


@dataclass(frozen=True)
class KindChart:
    kind: str  # data, voice, sms
    title: str
    given: int | None
    left: int | None
    used: int  # this bundle's use shown (since the chart starts)
    summary: str
    days: list[Day]
    first_label: str
    last_label: str
    charged: int

    @property
    def limited(self) -> bool:
        return self.given is not None

    @property
    def days_with_use(self) -> list[Day]:
        return [day for day in self.days if day.has_use]

    @property
    def left_percent(self) -> int:
        if not self.given:
            return 0
        return round(100 * (self.left or 0) / self.given)


@dataclass(frozen=True)
class BundleCharts:
    period: BundlePeriod
    since: date
    charts: list[KindChart]
    trimmed: bool  # only the last CHART_DAYS days are drawn
    # What is left of each allowance now, in usage units (None: unlimited), to the byte and second: the
    # page's header and the charts both show these, so that they cannot disagree.
    left: dict[str, int | None]

    @property
    def has_use(self) -> bool:
        return any(chart.days_with_use for chart in self.charts)

    @property
    def left_text(self) -> dict[str, str]:
        """What is left, as the charts say it: `293,1 min`, not the whole minutes the period counts."""
        return left_texts(self.left)


@dataclass(frozen=True)
class LineCard:
    """A line as My account shows it: its summary, and what is left of its bundle as its line page says it."""

    line: Line
    balances: Balances
    period: BundlePeriod | None
    queued: list[BundlePeriod]
    left: dict[str, str] | None  # None without a bundle


def line_cards(summaries: list[LineSummary]) -> list[LineCard]:
    """Each line's card, with what its bundle has left to the byte and second: one query for them all."""
    left = usage.allowances_left([item.period for item in summaries if item.period is not None])
    return [
        LineCard(
            item.line,
            item.balances,
            item.period,
            item.queued,
            left_texts(left[item.period.pk]) if item.period is not None else None,
        )
        for item in summaries
    ]


TITLES = {"data": gettext_lazy("Data"), "voice": gettext_lazy("Calls"), "sms": gettext_lazy("SMS")}


def _local_day(moment: datetime) -> date:
    return timezone.localtime(moment).date()


def bundle_charts(line: Line, *, since: datetime | None = None) -> BundleCharts | None:
    """The current bundle's use per day since it started (or since `since`), None without a bundle."""
    now = clock.now()
    period = usage.current_period(line, at=now)
    if period is None:
        return None
    start = period.starts_at if since is None else max(period.starts_at, since)
    first, last = _local_day(start), _local_day(min(now, period.ends_at))
    trimmed = (last - first).days + 1 > CHART_DAYS
    if trimmed:
        first = last - timedelta(days=CHART_DAYS - 1)
    days = [first + timedelta(days=offset) for offset in range((last - first).days + 1)]
    # The axis runs to the bundle's last day (within CHART_DAYS), so the days still to come show as room.
    end = _local_day(period.ends_at - timedelta(microseconds=1))
    span = max(len(days), min(CHART_DAYS, (end - first).days + 1))
    per_day: dict[tuple[str, date], list[int]] = {}
    for row in usage.usage_per_day_since(period, since=start):
        totals = per_day.setdefault((kind_of(row.rating_group), row.day), [0, 0, 0])
        totals[0] += row.units
        totals[1] += row.allowance_units
        totals[2] += row.amount
    given, left = usage.allowance_given_units(period), usage.allowance_left_units(period)
    charts = []
    for kind in ("data", "voice", "sms"):
        if given[kind] == 0 and not any(key[0] == kind for key in per_day):
            continue  # not part of the bundle and never used
        charts.append(_chart(kind, days, span, per_day, given[kind], left[kind]))
    return BundleCharts(period=period, since=first, charts=charts, trimmed=trimmed, left=left)


def _chart(
    kind: str,
    days: list[date],
    span: int,
    per_day: dict[tuple[str, date], list[int]],
    given: int | None,
    left: int | None,
) -> KindChart:
    used_on = {day: per_day.get((kind, day), [0, 0, 0]) for day in days}
    # What was left at the end of each day: what is left now and what the bundle gave since that day.
    left_after: dict[date, int | None] = {}
    later = 0
    for day in reversed(days):
        left_after[day] = None if left is None or given is None else min(given, left + later)
        later += used_on[day][1]
    top = given if given else max([used_on[day][0] for day in days] + [1])
    step = WIDTH / span
    bar = max(1.0, step * 0.7)
    plot = HEIGHT - AXIS
    chart_days = []
    for index, day in enumerate(days):
        used, from_bundle, charged = used_on[day]
        value = left_after[day] if given else used
        height = plot * (value or 0) / top if top else 0
        label = date_format(day, "SHORT_DATE_FORMAT")
        title = (
            _("%(day)s: %(used)s used, %(left)s left")
            % {"day": label, "used": quantity(kind, used), "left": quantity(kind, left_after[day])}
            if given is not None
            else _("%(day)s: %(used)s used") % {"day": label, "used": quantity(kind, used)}
        )
        chart_days.append(
            Day(
                day=day,
                used=used,
                from_bundle=from_bundle,
                charged=charged,
                left=left_after[day],
                x=f"{index * step + (step - bar) / 2:.1f}",
                bar_width=f"{bar:.1f}",
                bar_y=f"{plot - height:.1f}",
                bar_height=f"{height:.1f}",
                title=title,
            )
        )
    used_total = sum(values[0] for values in used_on.values())
    charged = sum(values[2] for values in used_on.values())
    if given is None:
        summary = _("%(used)s used, unlimited") % {"used": quantity(kind, used_total)}
    else:
        summary = _("%(used)s used of %(given)s, %(left)s left") % {
            "used": quantity(kind, max(0, given - (left or 0))),
            "given": quantity(kind, given),
            "left": quantity(kind, left),
        }
    return KindChart(
        kind=kind,
        title=str(TITLES[kind]),
        given=given,
        left=left,
        used=used_total,
        summary=summary,
        days=chart_days,
        first_label=date_format(days[0], "SHORT_DATE_FORMAT"),
        last_label=date_format(days[0] + timedelta(days=span - 1), "SHORT_DATE_FORMAT"),
        charged=charged,
    )


# --- History -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryRow:
    at: datetime
    service: str
    used: str
    from_bundle: str
    amount: int
    currency: str


def service_name(row: Usage) -> str:
    name = str(RatingGroup(row.rating_group).label)
    if row.mode == Mode.SURCHARGE:
        return _("%(service)s, beyond fair use") % {"service": name}
    return name


def history_page(line: Line, *, since: datetime | None, number: Any) -> Page[Any]:
    """One page of the line's usage, newest first, as rows to show."""
    page = Paginator(usage.usage_history(line, since=since), HISTORY_PER_PAGE).get_page(number)
    rows = [
        HistoryRow(
            at=row.at,
            service=service_name(row),
            used=quantity(kind_of(row.rating_group), row.units),
            from_bundle=quantity(kind_of(row.rating_group), row.allowance_units),
            amount=row.amount,
            currency=row.currency,
        )
        for row in page.object_list
    ]
    return Page(rows, page.number, page.paginator)


def usage_context(line: Line, *, since: datetime | None, page_number: Any) -> dict[str, Any]:
    """What the line pages add for usage: the bundle's charts and a page of history."""
    return {
        "usage": bundle_charts(line, since=since),
        "usage_rows": history_page(line, since=since, number=page_number),
    }


# --- CSV export ----------------------------------------------------------------------------------


class _Echo:
    def write(self, value: str) -> str:
        return value


UNIT_NAMES = {"data": gettext_lazy("bytes"), "voice": gettext_lazy("seconds"), "sms": gettext_lazy("SMS")}
# Spreadsheets open a file that starts with the byte order mark as UTF-8 (Chinese headers and names
# read as such), and where the language writes decimals with a comma they split columns at semicolons.
BYTE_ORDER_MARK = "\ufeff"


def csv_rows(line: Line, *, since: datetime | None, mark: str) -> Iterator[list[str]]:
    # The unit names once for the export, not for every row (`mark`: the language's decimal mark).
    units = {kind: str(name) for kind, name in UNIT_NAMES.items()}
    yield [
        _("Time"),
        _("Service"),
        _("Units used"),
        _("Unit"),
        _("Of which from the bundle"),
        _("Paid from bonus credit"),
        _("Paid from credit"),
        _("Currency"),
    ]
    for row in usage.usage_history(line, since=since).iterator(chunk_size=1000):
        yield [
            timezone.localtime(row.at).isoformat(timespec="seconds"),
            service_name(row),
            str(row.units),
            units[kind_of(row.rating_group)],
            str(row.allowance_units),
            money.plain_amount(row.bonus_amount, mark),
            money.plain_amount(row.credit_amount, mark),
            row.currency,
        ]


@login_required
def usage_csv(request: HttpRequest, line_id: int) -> StreamingHttpResponse:
    """The line's usage while the customer held it, as CSV; anyone else's line is a 404."""
    customer_id = request.user.pk
    line = Line.objects.filter(pk=line_id, links__customer_id=customer_id).first()
    if line is None:
        raise Http404()
    link = customer_queries.holds(customer_id=customer_id, line=line).get()
    mark = money.decimal_mark(get_language() or "en")
    writer = csv.writer(_Echo(), delimiter=";" if mark == "," else ",")
    rows = (writer.writerow(row) for row in csv_rows(line, since=link.linked_at, mark=mark))
    response = StreamingHttpResponse(chain([BYTE_ORDER_MARK], rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="usage-{line.msisdn.lstrip("+")}.csv"'
    return response
