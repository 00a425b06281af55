"""A line's usage on its pages: the current bundle's use per day as charts of used against left (numbers
right, SVG drawn, an empty state), the usage history by page, the CSV export only of the customer's own
line and only from when they linked it, and the same chart and history at the shop desk."""

import csv
import io
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import translation

from simrenew.charging.models import MB_BYTES, Usage
from simrenew.kit import clock
from simrenew.web.portal import usage_views
from tests.charging.helpers import Session, create_rates, give_bundle, network_client
from tests.factories import create_brand, create_customer, create_line, link
from tests.shops.factories import create_shop, create_staff, staff_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def line():
    brand = create_brand()
    create_rates(brand)
    return create_line(brand, credit=500)


@pytest.fixture
def customer(line):
    holder = create_customer()
    link(holder, line)
    return holder


@pytest.fixture
def portal(customer):
    client = Client()
    client.force_login(customer)
    return client


def spend(line, *, data=0, voice=0, sms=0, roaming=0):
    """One session that uses these units and ends."""
    session = Session(network_client(), line)
    asked = {name: units for name, units in {"data": data, "voice": voice, "sms": sms, "roaming": roaming}.items()}
    session.start(**{name: units for name, units in asked.items() if units})
    session.release(**{name: units for name, units in asked.items() if units})


def page_url(line):
    return reverse("portal:line", kwargs={"line_id": line.pk})


def csv_url(line):
    return reverse("portal:usage_csv", kwargs={"line_id": line.pk})


def by_kind(charts):
    return {chart.kind: chart for chart in charts.charts}


def test_the_chart_counts_used_and_left_per_allowance(line):
    give_bundle(line, data_mb=100, minutes=10, sms=5)
    spend(line, data=30 * MB_BYTES, voice=90, sms=2)  # calls per started minute: 90 s is 2 min
    charts = usage_views.bundle_charts(line)
    assert charts is not None
    data, voice, sms = by_kind(charts)["data"], by_kind(charts)["voice"], by_kind(charts)["sms"]
    assert (data.given, data.left, data.used) == (100 * MB_BYTES, 70 * MB_BYTES, 30 * MB_BYTES)
    assert (voice.given, voice.left, voice.used) == (600, 480, 120)
    assert (sms.given, sms.left, sms.used) == (5, 3, 2)
    assert data.summary == "30.0 MB used of 100.0 MB, 70.0 MB left"
    assert voice.summary == "2 min used of 10 min, 8 min left"
    assert data.left_percent == 70
    (today,) = data.days_with_use
    assert (today.used, today.from_bundle, today.left, today.charged) == (
        30 * MB_BYTES,
        30 * MB_BYTES,
        70 * MB_BYTES,
        0,
    )


def test_each_day_shows_what_was_left_at_its_end(line):
    with time_machine.travel(clock.now() - timedelta(days=2), tick=False):
        give_bundle(line, data_mb=100, minutes=10, sms=5)
        spend(line, data=10 * MB_BYTES)
    with time_machine.travel(clock.now() - timedelta(days=1), tick=False):
        spend(line, data=20 * MB_BYTES, roaming=5 * MB_BYTES)  # EU roaming within fair use spends the bundle
    charts = usage_views.bundle_charts(line)
    assert charts is not None
    data = by_kind(charts)["data"]
    assert len(data.days) == 3  # two days ago, yesterday, today
    assert [day.left for day in data.days] == [90 * MB_BYTES, 65 * MB_BYTES, 65 * MB_BYTES]
    assert [day.used for day in data.days] == [10 * MB_BYTES, 25 * MB_BYTES, 0]
    # Bars are as tall as what was left: the full height (154) is the whole allowance.
    assert [day.bar_height for day in data.days] == ["138.6", "100.1", "100.1"]


def test_use_beyond_the_bundle_is_paid_from_credit_and_shown(line):
    give_bundle(line, data_mb=100, minutes=0, sms=0)
    spend(line, voice=120, sms=1)  # 2 min at 12 c and one SMS at 9 c
    charts = usage_views.bundle_charts(line)
    assert charts is not None
    voice, sms = by_kind(charts)["voice"], by_kind(charts)["sms"]
    assert (voice.given, voice.used, voice.charged) == (0, 120, 24)
    assert (sms.used, sms.charged) == (1, 9)


def test_an_allowance_the_bundle_lacks_and_never_used_is_left_out(line):
    give_bundle(line, data_mb=100, minutes=None, sms=0)
    charts = usage_views.bundle_charts(line)
    assert charts is not None
    assert [chart.kind for chart in charts.charts] == ["data", "voice"]
    assert by_kind(charts)["voice"].summary == "0 min used, unlimited"


def test_the_line_page_draws_the_chart_with_its_numbers(portal, line):
    give_bundle(line, data_mb=100, minutes=10, sms=5)
    spend(line, data=30 * MB_BYTES, sms=2)
    html = portal.get(page_url(line)).content.decode()
    assert '<svg viewBox="0 0 600 180" role="img"' in html
    assert '<title id="usage-data-svg-title">Data: 30.0 MB used of 100.0 MB, 70.0 MB left</title>' in html
    assert "SMS: 2 SMS used of 5 SMS, 3 SMS left" in html
    assert "<caption>Data per day</caption>" in html
    assert html.count('class="left"') == 3 * 1  # one day, three charts
    assert ">30.0 MB</td>" in html and ">70.0 MB</td>" in html  # the numbers as a table
    assert "No use of this bundle yet." not in html
    assert csv_url(line) in html


def test_the_empty_states(portal, line):
    html = portal.get(page_url(line)).content.decode()
    assert "No active bundle." in html and "<svg viewBox" not in html
    assert "No usage yet." in html
    give_bundle(line, data_mb=100, minutes=10, sms=5)
    html = portal.get(page_url(line)).content.decode()
    assert "No use of this bundle yet." in html
    assert "Data: 0.0 MB used of 100.0 MB, 100.0 MB left" in html
    assert "<caption>" not in html  # no day to list


def test_the_history_comes_by_pages(portal, line):
    give_bundle(line, data_mb=1000, minutes=10, sms=100)
    for _ in range(25):
        spend(line, sms=1)
    first = portal.get(page_url(line)).context["usage_rows"]
    assert (len(first.object_list), first.has_next()) == (20, True)
    second = portal.get(page_url(line), {"usage_page": 2}).context["usage_rows"]
    assert (len(second.object_list), second.has_next()) == (5, False)
    assert second.object_list[0].service == "SMS" and second.object_list[0].used == "1 SMS"
    html = portal.get(page_url(line)).content.decode()
    assert '?usage_page=2#usage-history">Older</a>' in html


def test_the_csv_lists_the_customers_usage_since_they_linked_the_line(line):
    give_bundle(line, data_mb=100, minutes=10, sms=5)
    spend(line, sms=1)  # before the customer below links the line: not theirs to see
    holder = create_customer()
    with time_machine.travel(clock.now() + timedelta(minutes=1), tick=False):
        link(holder, line)
    with time_machine.travel(clock.now() + timedelta(minutes=2), tick=False):
        spend(line, data=3 * MB_BYTES, voice=120)
        client = Client()
        client.force_login(holder)
        answer = client.get(csv_url(line))
    assert answer.status_code == 200 and answer["Content-Type"] == "text/csv; charset=utf-8"
    assert answer["Content-Disposition"] == f'attachment; filename="usage-{line.msisdn[1:]}.csv"'
    rows = list(csv.reader(io.StringIO(b"".join(answer.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == [
        "Time",
        "Service",
        "Units used",
        "Unit",
        "Of which from the bundle",
        "Paid from bonus credit",
        "Paid from credit",
        "Currency",
    ]
    body = sorted(row[1:] for row in rows[1:])
    assert body == [
        ["Calls", "120", "seconds", "120", "0.00", "0.00", "EUR"],
        ["Data", str(3 * MB_BYTES), "bytes", str(3 * MB_BYTES), "0.00", "0.00", "EUR"],
    ]
    assert Usage.objects.filter(line=line).count() == 3  # the SMS from before is there, and not shown


def test_the_csv_opens_in_a_spreadsheet_of_the_customer_s_language(portal, line):
    spend(line, sms=2)
    with translation.override("nl"):
        dutch = b"".join(portal.get(csv_url(line)).streaming_content).decode("utf-8")
    with translation.override("zh-hans"):
        chinese = b"".join(portal.get(csv_url(line)).streaming_content).decode("utf-8")
    # The byte order mark first (a spreadsheet then reads UTF-8), semicolons where decimals take a comma.
    assert dutch.startswith("\ufeff") and chinese.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(dutch[1:]), delimiter=";"))
    assert rows[1][1:] == ["Sms", "2", "Sms", "0", "0,00", "0,18", "EUR"]
    rows = list(csv.reader(io.StringIO(chinese[1:])))
    assert rows[0][0] == "时间" and rows[1][3] == "短信" and rows[1][5:] == ["0.00", "0.18", "EUR"]


def test_the_csv_shows_credit_paid_in_euros(portal, line):
    spend(line, sms=2)  # no bundle: 2 x 9 c from credit
    rows = list(csv.reader(io.StringIO(b"".join(portal.get(csv_url(line)).streaming_content).decode("utf-8-sig"))))
    assert rows[1][1:] == ["SMS", "2", "SMS", "0", "0.00", "0.18", "EUR"]


def test_another_customers_line_is_a_404_and_a_guest_logs_in(portal, line):
    stranger_line = create_line(line.brand, credit=100)
    stranger = create_customer()
    link(stranger, stranger_line)
    spend(stranger_line, sms=1)
    assert portal.get(csv_url(stranger_line)).status_code == 404
    assert portal.get(reverse("portal:usage_csv", kwargs={"line_id": 999_999})).status_code == 404
    guest = Client().get(csv_url(line))
    assert guest.status_code == 302 and "/login/" in guest["Location"]


def test_a_line_the_customer_no_longer_holds_is_a_404(portal, line, customer):
    link(create_customer(), line)  # someone else takes the line over
    assert portal.get(csv_url(line)).status_code == 404
    assert portal.get(page_url(line)).status_code == 404


def test_the_shop_desk_shows_the_same_chart_and_all_of_the_history(line):
    give_bundle(line, data_mb=100, minutes=10, sms=5)
    spend(line, sms=1)
    link(create_customer(), line)  # the desk sees usage from before the current holder, too
    spend(line, data=30 * MB_BYTES)
    client = staff_client(create_staff(create_shop()))
    answer = client.get(reverse("shop:line", kwargs={"line_id": line.pk}))
    assert answer.status_code == 200
    html = answer.content.decode()
    assert "Data: 30.0 MB used of 100.0 MB, 70.0 MB left" in html and '<svg viewBox="0 0 600 180"' in html
    assert len(answer.context["usage_rows"].object_list) == 2
    assert "usage.csv" not in html  # the export is the holder's


def test_the_line_page_reads_usage_in_a_few_queries(portal, line, django_assert_max_num_queries):
    give_bundle(line, data_mb=100, minutes=10, sms=5)
    for _ in range(5):
        spend(line, data=MB_BYTES, sms=1)
    with django_assert_max_num_queries(40):
        assert portal.get(page_url(line)).status_code == 200


@pytest.mark.parametrize(
    ("language", "one", "three"),
    [("nl", "1 sms", "3 sms'en"), ("en", "1 SMS", "3 SMS"), ("zh-hans", "1 条短信", "3 条短信")],
)
def test_a_count_of_sms_takes_the_languages_plural(language, one, three):
    """Dutch says 1 sms and 3 sms'en; the bundle filter and the usage pages share the phrase."""
    from django.utils import translation

    from simrenew.notifications.templatetags.formatting import sms

    with translation.override(language):
        assert (usage_views.quantity("sms", 1), usage_views.quantity("sms", 3)) == (one, three)
        assert (sms(1), sms(3)) == (one, three)
