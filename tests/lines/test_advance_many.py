"""lines.service.advance_periods_of (many lines' periods in a few statements) against the per-line
expire_ended_periods it replaces in the scheduler: the same mixed lines, built twice, advanced one way
and the other, end in the same state and report the same ended periods."""

import random
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from simrenew.lines import service as lines
from simrenew.lines.models import BundlePeriod, Line, PeriodStatus
from tests.factories import create_brand, create_bundle, create_line

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
STATE = [
    "product_id",
    "status",
    "starts_at",
    "ends_at",
    "data_mb_left",
    "voice_minutes_left",
    "sms_left",
    "rollover_data_mb",
    "data_alert_level",
    "data_alert_at_mb",
]


@pytest.fixture
def products():
    brand = create_brand(code="acme")
    made = [
        create_bundle(brand, data_mb=1000, voice_minutes=100, sms_count=50, validity_days=30),
        create_bundle(brand, data_mb=2000, voice_minutes=None, sms_count=None, validity_days=7),
        create_bundle(brand, data_mb=None, voice_minutes=60, sms_count=None, validity_days=30),
        create_bundle(brand, data_mb=None, voice_minutes=None, sms_count=None, validity_days=3),
    ]
    for product in made[:3]:  # all but the unlimited one roll their allowances over
        product.allowances_roll_over = True
        product.save()
    made.append(create_bundle(brand, data_mb=500, voice_minutes=10, sms_count=5, validity_days=30))
    return brand, made


def plan_of(rng: random.Random, products: list) -> list[dict]:
    """A line's periods: back to back, after a gap, or overlapping; partly used; some warned already."""
    periods = []
    start = T0 - timedelta(days=rng.randint(0, 40), hours=rng.randint(0, 23))
    for _ in range(rng.randint(0, 4)):
        product = rng.choice(products)
        ends = start + timedelta(days=product.validity_days)
        level = rng.choice([0, 0, 80])
        data = None if product.data_mb is None else rng.randint(0, product.data_mb)
        periods.append(
            {
                "product": product,
                "starts_at": start,
                "ends_at": ends,
                "data_mb_left": data,
                "voice_minutes_left": None if product.voice_minutes is None else rng.randint(0, product.voice_minutes),
                "sms_left": None if product.sms_count is None else rng.randint(0, product.sms_count),
                "data_alert_level": level,
                "data_alert_at_mb": None if data is None else (0 if level else product.data_mb // 5),
                "status": PeriodStatus.ACTIVE if start <= T0 else PeriodStatus.QUEUED,
            }
        )
        start = rng.choice([ends, ends, ends + timedelta(hours=rng.randint(1, 300)), ends - timedelta(days=1)])
    return periods


def build(brand, plans: list[list[dict]]) -> list[Line]:
    made = []
    for plan in plans:
        line = create_line(brand)
        for values in plan:
            BundlePeriod.objects.create(line=line, **values)
        made.append(line)
    return made


def state(line: Line) -> list[tuple]:
    return list(BundlePeriod.objects.filter(line=line).order_by("starts_at", "id").values_list(*STATE))


def positions(line: Line, periods: list[BundlePeriod]) -> list[int]:
    """Where the ended periods are among the line's periods (ids differ between the two builds)."""
    ids = list(BundlePeriod.objects.filter(line=line).order_by("starts_at", "id").values_list("pk", flat=True))
    return [ids.index(period.pk) for period in periods]


@pytest.mark.parametrize("seed", range(6))
def test_many_lines_at_once_end_as_each_line_on_its_own(products, seed):
    brand, bundles = products
    rng = random.Random(seed)
    plans = [plan_of(rng, bundles) for _ in range(25)]
    at = T0 + timedelta(days=rng.randint(0, 60), hours=rng.randint(0, 23))
    one_by_one, together = build(brand, plans), build(brand, plans)

    with transaction.atomic():
        ended_each = {line.pk: lines.expire_ended_periods(line=lines.lock_line(line.pk), at=at) for line in one_by_one}
    with transaction.atomic():
        ended_all = lines.advance_periods_of(lines.lock_lines([line.pk for line in together]), at)

    assert any(ended_each.values())  # the mix has periods that end, and some that do not
    assert any(not ended for ended in ended_each.values())
    for line_a, line_b in zip(one_by_one, together, strict=True):
        assert state(line_a) == state(line_b)
        assert positions(line_a, ended_each[line_a.pk]) == positions(line_b, ended_all.get(line_b.pk, []))
        for period in ended_all.get(line_b.pk, []):
            assert period.line is not None and period.line.pk == line_b.pk
            assert period.status == PeriodStatus.EXPIRED


def test_a_rollover_into_a_period_that_also_ends_keeps_its_allowance_and_passes_it_on(products):
    brand, (rolling, *_) = products
    line = create_line(brand)
    first = BundlePeriod.objects.create(
        line=line, product=rolling, status=PeriodStatus.ACTIVE, starts_at=T0, ends_at=T0 + timedelta(days=30),
        data_mb_left=300, voice_minutes_left=10, sms_left=0, data_alert_at_mb=200,
    )  # fmt: skip
    second = BundlePeriod.objects.create(
        line=line, product=rolling, status=PeriodStatus.QUEUED, starts_at=first.ends_at,
        ends_at=first.ends_at + timedelta(days=30), data_mb_left=1000, voice_minutes_left=100, sms_left=50,
        data_alert_at_mb=200,
    )  # fmt: skip
    third = BundlePeriod.objects.create(
        line=line, product=rolling, status=PeriodStatus.QUEUED, starts_at=second.ends_at,
        ends_at=second.ends_at + timedelta(days=30), data_mb_left=1000, voice_minutes_left=100, sms_left=50,
        data_alert_at_mb=200,
    )  # fmt: skip

    with transaction.atomic():
        ended = lines.advance_periods_of(lines.lock_lines([line.pk]), T0 + timedelta(days=61))

    assert [p.pk for p in ended[line.pk]] == [first.pk, second.pk]
    second.refresh_from_db()
    third.refresh_from_db()
    assert (second.status, second.data_mb_left, second.rollover_data_mb) == (PeriodStatus.EXPIRED, 1300, 300)
    # one period's worth at most goes on: 1000 of the 1300 left
    assert (third.status, third.data_mb_left, third.rollover_data_mb) == (PeriodStatus.ACTIVE, 2000, 1000)
    assert (third.voice_minutes_left, third.sms_left) == (200, 100)
    assert third.data_alert_at_mb == 400  # the 80 % warning moved with the larger allowance


def test_the_statements_do_not_grow_with_the_lines(products):
    brand, bundles = products
    rng = random.Random(7)
    few = build(brand, [plan_of(rng, bundles) for _ in range(3)])
    many = build(brand, [plan_of(rng, bundles) for _ in range(40)])
    at = T0 + timedelta(days=45)
    counts = []
    for batch in (few, many):
        found = list(Line.objects.filter(pk__in=[line.pk for line in batch]))
        with transaction.atomic(), CaptureQueriesContext(connection) as queries:
            lines.advance_periods_of(found, at)
        counts.append(len([q for q in queries.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]))
    assert counts[1] <= 4, counts  # read; rollovers, expiries, starts: one statement each
    assert counts[1] <= counts[0] + 1, counts
