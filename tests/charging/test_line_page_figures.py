"""The figures on a customer's line page: what is left of the bundle says the same in the header and in
the chart (the seconds used of the next minute taken off), the history's Charged column shows €0.00 for
use the bundle covered and the amount for use paid from credit (as the CSV does), sizes always carry one
decimal in the page language, and the chart's first and last day are page text, not SVG text."""

import csv
import io
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from simrenew.charging.models import MB_BYTES
from tests.charging.helpers import Session, create_rates, give_bundle, network_client
from tests.factories import create_brand, create_customer, create_line, link

pytestmark = pytest.mark.django_db


@pytest.fixture
def line():
    brand = create_brand()
    create_rates(brand, voice_rounding=1)  # calls by the second: a call leaves seconds of a minute carried
    return create_line(brand, credit=500)


@pytest.fixture
def portal(line):
    holder = create_customer()
    link(holder, line)
    client = Client()
    client.force_login(holder)
    return client


def spend(line, **units):
    session = Session(network_client(), line)
    session.start(**units)
    session.release(**units)


def page(portal, line, language="en"):
    with translation.override(language):
        url = reverse("portal:line", kwargs={"line_id": line.pk})
    return portal.get(url).content.decode()


def fact(html, term):
    """The value of a fact in the line's header (`<dt>term</dt><dd>value</dd>`)."""
    return re.search(rf"<dt>{re.escape(term)}</dt><dd>(.*?)</dd>", html).group(1)


def cells(html, label):
    """The history's cells of one column (each carries its header as data-label), newest first."""
    return re.findall(rf'<td data-label="{re.escape(label)}">(.*?)</td>', html)


def test_the_header_and_the_chart_say_the_same_minutes_left(portal, line):
    period = give_bundle(line, data_mb=100, minutes=300, sms=5)
    spend(line, voice=354)  # 5 whole minutes off, 54 s of the sixth carried: 294.1 min truly left
    period.refresh_from_db()
    assert period.voice_minutes_left == 295
    html = page(portal, line)
    assert fact(html, "Minutes left") == "294.1 min"
    assert "Calls: 5.9 min used of 300 min, 294.1 min left" in html
    assert fact(html, "Data left") == "100.0 MB"
    assert fact(html, "SMS left") == "5 SMS"
    html = page(portal, line, "nl")
    assert fact(html, "Resterende minuten") == "294,1 min"
    assert "294,1 min over" in html


def test_the_header_takes_carried_bytes_off_the_data_left(portal, line):
    give_bundle(line, data_mb=100, minutes=10, sms=5)
    spend(line, data=MB_BYTES // 2)  # half an MB: the period still counts 100 whole MB
    html = page(portal, line)
    assert fact(html, "Data left") == "99.5 MB"
    assert "Data: 0.5 MB used of 100.0 MB, 99.5 MB left" in html


def test_the_charged_column_shows_nothing_charged_and_an_amount_charged(portal, line):
    give_bundle(line, data_mb=100, minutes=10, sms=0)
    spend(line, data=3 * MB_BYTES)  # covered by the bundle
    spend(line, sms=1)  # the bundle has no SMS: 9 c from credit
    html = page(portal, line)
    assert cells(html, "Service") == ["SMS", "Data"]
    assert cells(html, "Charged") == ["€0.09", "€0.00"]
    assert cells(html, "From the bundle") == ["0 SMS", "3.0 MB"]
    # The export says the same: nothing paid for the data, 9 c of credit for the SMS.
    answer = portal.get(reverse("portal:usage_csv", kwargs={"line_id": line.pk}))
    rows = list(csv.reader(io.StringIO(b"".join(answer.streaming_content).decode("utf-8-sig"))))
    assert [row[1:] for row in rows[1:]] == [
        ["SMS", "1", "SMS", "0", "0.00", "0.09", "EUR"],
        ["Data", str(3 * MB_BYTES), "bytes", str(3 * MB_BYTES), "0.00", "0.00", "EUR"],
    ]
    assert cells(page(portal, line, "nl"), "Aangerekend") == ["€\xa00,09", "€\xa00,00"]


def test_sizes_carry_one_decimal_in_the_page_language(portal, line):
    give_bundle(line, data_mb=8 * 1024, minutes=10, sms=5)
    spend(line, data=1024 * MB_BYTES)  # 1 GB used, 7 GB left: whole numbers still read 1.0 and 7.0
    spend(line, data=2 * MB_BYTES)
    html = page(portal, line)
    assert fact(html, "Data left") == "7.0 GB"
    assert "Data: 1.0 GB used of 8.0 GB, 7.0 GB left" in html
    assert "<td>1.0 GB</td><td>7.0 GB</td>" in html  # the day's row: used, left at its end
    assert cells(html, "Used") == ["2.0 MB", "1.0 GB"]
    html = page(portal, line, "nl")
    assert fact(html, "Resterende data") == "7,0 GB"
    assert "<td>1,0 GB</td><td>7,0 GB</td>" in html
    assert cells(html, "Verbruikt") == ["2,0 MB", "1,0 GB"]


def test_the_charts_first_and_last_day_are_page_text(portal, line):
    give_bundle(line, data_mb=100, minutes=10, sms=5)
    spend(line, sms=1)
    html = page(portal, line)
    assert '<text x="0" y="176" class="label">' not in html  # SVG text shrinks with the chart
    assert html.count('<p class="usage-axis" aria-hidden="true"><span>') == 3  # data, calls, SMS
