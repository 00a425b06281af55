"""A report as a file: CSV for machines (stable column keys, amounts in euros with two decimals, ISO
dates) and XLSX for people (translated headings, numbers as numbers, a totals row)."""

import csv
import io
from datetime import date
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Font

from simrenew.kit.money import Money
from simrenew.reports.model import Kind, Period, Report

EURO_FORMAT = '#,##0.00 "€"'


def _euros(cents: int) -> Decimal:
    return Money(int(cents)).decimal.quantize(Decimal("0.01"))


def _cell(value: object, kind: Kind) -> object:
    if kind == Kind.MONEY:
        return _euros(int(value))  # type: ignore[call-overload]
    if kind == Kind.DATE and isinstance(value, date):
        return value
    return value


def to_csv(report: Report, period: Period) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([column.key + ("_eur" if column.kind == Kind.MONEY else "") for column in report.columns])
    for row in report.rows:
        writer.writerow(
            [
                value.isoformat() if isinstance(value, date) else _cell(value, column.kind)
                for column, value in zip(report.columns, row, strict=True)
            ]
        )
    return buffer.getvalue()


def to_xlsx(report: Report, period: Period) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = report.slug[:31]
    sheet.append([str(report.title)])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append(
        [f"{period.start.isoformat()} / {period.end.isoformat()}" + (f" · {period.brand}" if period.brand else "")]
    )
    sheet.append([])
    sheet.append([str(column.label) for column in report.columns])
    for cell in sheet[4]:
        cell.font = Font(bold=True)
    for row in report.rows:
        sheet.append([_cell(value, column.kind) for column, value in zip(report.columns, row, strict=True)])
    if report.totals:
        sheet.append([_cell(report.totals[c.key], c.kind) if c.key in report.totals else "" for c in report.columns])
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
    for index, column in enumerate(report.columns, start=1):
        letter = sheet.cell(row=4, column=index).column_letter
        sheet.column_dimensions[letter].width = 14 if column.kind != Kind.TEXT else 32
        for (cell,) in sheet.iter_rows(min_row=5, min_col=index, max_col=index):
            if column.kind == Kind.MONEY:
                cell.number_format = EURO_FORMAT
            elif column.kind == Kind.DATE:
                cell.number_format = "yyyy-mm-dd"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
