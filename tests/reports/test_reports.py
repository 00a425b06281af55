"""The finance reports against a small known dataset: the figures are the ledger's to the cent, the
exports hold the same figures, the PDF statement its totals, and each report costs a fixed number of
statements however much data there is."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook
from pypdf import PdfReader

from simrenew.kit import clock
from simrenew.orders import refunds
from simrenew.reports import queries
from simrenew.reports.model import Period
from simrenew.reports.statement import commission_statement
from simrenew.retail.models import Sale, SaleKind, SaleStatus
from simrenew.staff.roles import ADMINISTRATOR, CUSTOMER_SERVICE, FINANCE
from tests.factories import create_brand, create_line, create_order, create_topup_product, fulfil_paid
from tests.refunds.factories import paid_online_order, spend_credit
from tests.retail.factories import create_outlet, create_retailer
from tests.staff.factories import create_staff_user, staff_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def dataset():
    """A bundle (15.00, net 12.40) and a top-up (10.00) sold on the web, 3.00 of credit used on the
    network, a refund of 1.00 of the top-up, and a retailer with a 100.00 float."""
    brand = create_brand(code="acme", name="Acme Mobile")
    line = create_line(brand)
    bundle = paid_online_order(line=line, price_amount=1500)
    topup = paid_online_order(line=line, topup_amount=1000)
    spend_credit(line, 300)
    with transaction.atomic():
        refunds.request_refund(order_id=topup.pk, amount=100, reason="Asked", actor=None)
    retailer = create_retailer(float_amount=10_000, name="Night shop Ixelles")
    return {"brand": brand, "line": line, "bundle": bundle, "topup": topup, "retailer": retailer}


def today_period(brand=None):
    today = timezone.localdate()
    return Period(today - timedelta(days=29), today, brand)


def figures(report):
    return {row[:-1] if len(row) > 2 else row[0]: row[-1] for row in report.rows}


def test_revenue_is_the_ledgers_net_of_vat_by_channel(dataset):
    report = queries.revenue_by_day(today_period(), "en")
    day = timezone.localdate()
    assert report.rows == [(day, "Credit used on the network", 300), (day, "Web portal", 1240)]
    assert report.totals == {"revenue": 1540}
    assert queries.revenue_by_day(today_period("other"), "en").rows == []


def test_revenue_by_product_names_the_bundle(dataset):
    report = queries.revenue_by_product(today_period("acme"), "en")
    assert [(brand, amount) for brand, _, amount in report.rows] == [("Acme Mobile", 1240), ("Acme Mobile", 300)]
    assert report.rows[1][1] == "Credit used on the network"


def test_sales_count_topups_and_renewals_from_orders(dataset):
    report = queries.sales_by_kind(today_period(), "en")
    day = timezone.localdate()
    assert report.rows == [(day, "Bundle renewal", 1, 1500), (day, "Top-up", 1, 1000)]
    assert report.totals == {"orders": 2, "amount": 2500}


def test_liabilities_are_the_account_balances(dataset):
    report = queries.liabilities(today_period(), "en")
    assert dict(report.rows) == {
        "Lines' paid credit": 600,  # 10.00 topped up, 3.00 used, 1.00 refunded
        "Lines' bonus credit": 0,
        "Sold, unredeemed vouchers": 0,
        "Retailers' floats": 10_000,
        "Refunds not yet paid out": 100,
    }
    by_brand = queries.liabilities(today_period("acme"), "en")
    assert dict(by_brand.rows) == {"Lines' paid credit": 600, "Lines' bonus credit": 0, "Sold, unredeemed vouchers": 0}
    before = Period(timezone.localdate() - timedelta(days=40), timezone.localdate() - timedelta(days=31))
    assert all(amount == 0 for _, amount in queries.liabilities(before, "en").rows)


def test_refunds_by_status(dataset):
    report = queries.refunds(today_period(), "en")
    assert report.rows == [(timezone.localdate(), "Waiting to be sent", 1, 100)]


def test_promotions_and_breakage_empty_without_them(dataset):
    assert queries.promotion_cost(today_period(), "en").rows == []
    assert queries.breakage(today_period(), "en").rows == []


# --- Pages, exports, permissions ----------------------------------------------------------------


def test_csv_and_xlsx_hold_the_same_figures(dataset):
    client = staff_session(create_staff_user(FINANCE))
    url = reverse("backoffice:report_revenue")
    response = client.get(url, {"export": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    day = timezone.localdate().isoformat()
    assert rows == [
        ["day", "channel", "revenue_eur"],
        [day, "Credit used on the network", "3.00"],
        [day, "Web portal", "12.40"],
    ]
    response = client.get(url, {"export": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [list(row) for row in sheet.iter_rows(min_row=4, values_only=True)]
    assert values[0] == ["Day", "Channel", "Revenue excl. VAT"]
    assert [float(row[2]) for row in values[1:3]] == [3.0, 12.4]
    assert values[3][2] == pytest.approx(15.4)


def test_every_report_page_renders_in_every_language(dataset):
    client = staff_session(create_staff_user(FINANCE))
    for language in ("zh-hans", "en", "nl", "fr", "de"):
        with translation.override(language):
            for slug in queries.REPORTS:
                response = client.get(reverse(f"backoffice:report_{slug}"))
                assert response.status_code == 200, (language, slug)
                body = response.content.decode()
                assert f'lang="{language}"' in body
                assert '<svg viewBox="0 0 720' in body and 'role="img"' in body
                # Coordinates are numbers as SVG reads them, never localised ("84,0" draws nothing).
                chart = body[body.index("<svg viewBox") : body.index("</svg>")]
                coordinates = re.findall(r'\s(?:x|y|x1|x2|y1|y2|width|height)="([^"%]*)"', chart)
                assert coordinates and all(re.fullmatch(r"-?\d+(\.\d+)?", c) for c in coordinates), (
                    language,
                    slug,
                    sorted({c for c in coordinates if not re.fullmatch(r"-?\d+(\.\d+)?", c)})[:5],
                )
            assert client.get(reverse("backoffice:reports")).status_code == 200


def test_revenue_page_shows_the_total(dataset):
    client = staff_session(create_staff_user(FINANCE))
    body = client.get(reverse("backoffice:report_revenue")).content.decode()
    assert "€15.40" in body and "€12.40" in body


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("\uff12\uff10\uff12\uff16-01-01", "2026-01-31"),
        ("2026-02-30", "2026-03-01"),
        ("2026-03-01", "2026-02-01"),
        ("2024-01-01", "2026-01-01"),
    ],
)
def test_bad_dates_get_a_clear_error(dataset, start, end):
    client = staff_session(create_staff_user(FINANCE))
    response = client.get(reverse("backoffice:report_revenue"), {"start": start, "end": end, "export": "csv"})
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()


def test_reports_are_for_finance_and_administrators(dataset):
    assert (
        staff_session(create_staff_user(CUSTOMER_SERVICE)).get(reverse("backoffice:report_revenue")).status_code == 403
    )
    assert staff_session(create_staff_user(ADMINISTRATOR)).get(reverse("backoffice:report_revenue")).status_code == 200
    assert (
        staff_session(create_staff_user(CUSTOMER_SERVICE)).get(reverse("backoffice:commission_statement")).status_code
        == 403
    )


def _statements(client, url, params=None):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params or {}).status_code == 200
    return len(captured)


def test_each_report_costs_the_same_statements_for_more_data(dataset):
    client = staff_session(create_staff_user(FINANCE))
    before = {slug: _statements(client, reverse(f"backoffice:report_{slug}")) for slug in queries.REPORTS}
    brand = create_brand(code="more")
    for _ in range(3):
        line = create_line(brand)
        paid_online_order(line=line, price_amount=1000)
        paid_online_order(line=line, topup_amount=1500)
        spend_credit(line, 200)
    after = {slug: _statements(client, reverse(f"backoffice:report_{slug}")) for slug in queries.REPORTS}
    assert after == before


# --- Commission statement -----------------------------------------------------------------------


def _sale(retailer, outlet, brand, line, number, amount, commission, at, *, voided_at=None):
    order = fulfil_paid(create_order(line=line, product=create_topup_product(brand), topup_amount=amount))
    return Sale.objects.create(
        number=number,
        retailer=retailer,
        outlet=outlet,
        kind=SaleKind.TOPUP,
        brand=brand,
        order=order,
        msisdn=line.msisdn,
        amount=amount,
        commission_amount=commission,
        created_at=at,
        status=SaleStatus.VOIDED if voided_at else SaleStatus.COMPLETED,
        voided_at=voided_at,
    )


def test_monthly_statement_lines_and_totals_in_the_pdf(dataset):
    retailer = dataset["retailer"]
    brand, line = dataset["brand"], dataset["line"]
    north, south = create_outlet(retailer, name="Ixelles North"), create_outlet(retailer, name="Ixelles South")
    month = clock.now().astimezone(timezone.get_default_timezone()).replace(day=2, hour=12)
    _sale(retailer, north, brand, line, "PS-T1", 2000, 100, month)
    _sale(retailer, north, brand, line, "PS-T2", 1000, 50, month)
    _sale(
        retailer, south, brand, line, "PS-T3", 1500, 75, month + timedelta(days=1), voided_at=month + timedelta(days=1)
    )
    _sale(retailer, south, brand, line, "PS-T4", 1000, 45, month - timedelta(days=5))  # the month before
    result = commission_statement(retailer=retailer, month=month.date())
    assert [
        (row.day.day, row.outlet, row.sales_count, row.sales_amount, row.voids_count, row.commission_amount)
        for row in result.lines
    ] == [
        (2, "Ixelles North", 2, 3000, 0, 150),
        (3, "Ixelles South", 1, 1500, 1, 0),
    ]
    assert (result.totals.sales_amount, result.totals.voids_amount, result.totals.commission_amount) == (
        4500,
        1500,
        150,
    )
    assert result.totals.float_amount == 2850

    client = staff_session(create_staff_user(FINANCE))
    params = {"retailer": str(retailer.pk), "month": f"{month:%Y-%m}"}
    page = client.get(reverse("backoffice:commission_statement"), params)
    assert page.status_code == 200 and "€1.50" in page.content.decode()
    response = client.get(reverse("backoffice:commission_statement"), {**params, "download": "pdf"})
    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Night shop Ixelles" in text and "Ixelles North" in text
    assert "€45.00" in text and "€1.50" in text and "€28.50" in text


def test_statement_refuses_a_bad_month_or_retailer(dataset):
    client = staff_session(create_staff_user(FINANCE))
    url = reverse("backoffice:commission_statement")
    for params in (
        {"retailer": str(dataset["retailer"].pk), "month": "2026-13"},
        {"retailer": str(dataset["retailer"].pk), "month": "\uff12\uff10\uff12\uff16-03"},
        {"retailer": "\uff19\uff19", "month": "2026-03"},
    ):
        response = client.get(url, params)
        assert response.status_code == 400, params
        assert 'role="alert"' in response.content.decode()
