"""Back office: the finance reports (ledger.view_finance_reports), each a page with a chart and its table,
exported as CSV or XLSX; and a retailer's monthly commission statement as a PDF
(retail.view_settlement_report). Reports read the replica: they may be a second behind."""

from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import get_language
from django.views.decorators.http import require_safe

from simrenew.brands.models import Brand
from simrenew.kit.dbrouter import reads_from_replica
from simrenew.reports import charts, exports, queries
from simrenew.reports.statement import Statement, commission_statement
from simrenew.retail.models import Retailer
from simrenew.staff.permissions import VIEW_FINANCE_REPORTS, VIEW_SETTLEMENT_REPORT
from simrenew.web.backoffice.report_forms import PeriodForm, StatementForm
from simrenew.web.staff.access import staff_view

EXPORTS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@staff_view(VIEW_FINANCE_REPORTS)
@require_safe
def reports(request: HttpRequest) -> HttpResponse:
    return render(request, "backoffice/reports/index.html", {"titles": queries.TITLES})


@staff_view(VIEW_FINANCE_REPORTS)
@require_safe
@reads_from_replica
def report(request: HttpRequest, slug: str) -> HttpResponse:
    build = queries.REPORTS.get(slug)
    if build is None:
        raise Http404()
    brands = list(Brand.objects.order_by("name").values_list("code", "name"))
    form = PeriodForm(request.GET.dict(), brands=brands, as_of=slug == "liabilities")
    export = request.GET.get("export", "")
    context: dict[str, object] = {"form": form, "slug": slug, "title": queries.TITLES[slug], "titles": queries.TITLES}
    if not form.is_valid():
        return render(request, "backoffice/reports/report.html", context, status=400)
    period = form.period()
    language = get_language() or "en"
    result = build(period, language)
    if export in EXPORTS:
        name = f"{slug}-{period.start.isoformat()}-{period.end.isoformat()}{'-' + period.brand if period.brand else ''}"
        body: str | bytes = exports.to_csv(result, period) if export == "csv" else exports.to_xlsx(result, period)
        response = HttpResponse(body, content_type=EXPORTS[export])
        response["Content-Disposition"] = f'attachment; filename="{name}.{export}"'
        return response
    context |= {
        "report": result,
        "period": period,
        "svg": charts.draw(result.chart, language),
        "rows": [list(zip(result.columns, row, strict=True)) for row in result.rows],
        "totals": [(column, result.totals.get(column.key)) for column in result.columns],
        "query": urlencode(
            {"start": period.start.isoformat(), "end": period.end.isoformat(), "brand": period.brand or ""}
        ),
    }
    return render(request, "backoffice/reports/report.html", context)


@staff_view(VIEW_SETTLEMENT_REPORT)
@require_safe
@reads_from_replica
def statement(request: HttpRequest) -> HttpResponse:
    """Pick a retailer and a month; `download` gives the PDF, otherwise the statement shows on the page."""
    retailers = {str(pk): name for pk, name in Retailer.objects.order_by("name").values_list("pk", "name")}
    form = StatementForm(request.GET.dict() if request.GET else None, retailers=list(retailers.items()))
    context: dict[str, object] = {"form": form}
    if not request.GET:
        return render(request, "backoffice/reports/statement.html", context)
    if not form.is_valid():
        return render(request, "backoffice/reports/statement.html", context, status=400)
    retailer = Retailer.objects.get(pk=int(form.cleaned_data["retailer"]))
    result = commission_statement(retailer=retailer, month=form.cleaned_data["month"])
    if "download" in request.GET:
        response = HttpResponse(statement_pdf(result), content_type="application/pdf")
        filename = f"commission-{retailer.pk}-{result.month:%Y-%m}.pdf"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    context["statement"] = result
    return render(request, "backoffice/reports/statement.html", context)


def statement_html(result: Statement) -> str:
    return render_to_string("backoffice/reports/statement_pdf.html", {"statement": result})


def statement_pdf(result: Statement) -> bytes:
    from weasyprint import HTML  # heavy import; only the PDF needs it

    return bytes(HTML(string=statement_html(result), base_url=settings.PUBLIC_URL).write_pdf())
