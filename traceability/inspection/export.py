"""The yearly report as an XLSX workbook: a summary sheet, the province's figures by agency, then one sheet per
breakdown and the recalls."""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from traceability.inspection.figures import LOCAL_TZ, Period, YearlyReport
from traceability.labels import label
from traceability.reference.models import Agency
from traceability.search import fold
from traceability.spreadsheet import xlsx_row


def workbook_name(period: Period, agency: Agency | None = None) -> str:
    """The workbook's file name: the province's names only its period; an agency's also names the agency, so an
    inspector's download is not taken for the province's. ASCII only: every browser and mail client keeps it."""
    dates = f"{period.first_on.isoformat()}-{period.last_on.isoformat()}"
    if agency is None:
        return f"bao-cao-truy-xuat-{dates}.xlsx"
    return f"bao-cao-truy-xuat-{agency_slug(agency)}-{dates}.xlsx"


def agency_slug(agency: Agency) -> str:
    """The agency's name in a file name, "UBND xã Tân Cương" → "ubnd-xa-tan-cuong": folded as searches fold,
    other accents dropped, anything else a dash."""
    text = unicodedata.normalize("NFKD", fold(agency.name) or "").encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60].rstrip("-")
    return slug or f"co-quan-{agency.id}"  # a name with no Latin letter still gets a name of its own


def _sheet(book: Workbook, title: str, header: list[str], rows: list[list[object]]) -> None:
    sheet = book.create_sheet(title[:31])  # Excel's limit on sheet names
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(xlsx_row(sheet, row))
    sheet.freeze_panes = "A2"
    for index, _name in enumerate(header, start=1):
        values = [len(str(c.value or "")) for c in sheet[get_column_letter(index)]]
        sheet.column_dimensions[get_column_letter(index)].width = min(60, max(10, *values) + 2)


def _local(moment: dt.datetime | None) -> dt.datetime | None:
    # Excel has no time zones: write the local (Việt Nam) time the report is read in
    return moment.astimezone(LOCAL_TZ).replace(tzinfo=None) if moment else None


def _pairs(rows: list[tuple[object, int]]) -> list[list[object]]:
    return [[label(key), count] for key, count in rows]


def yearly_workbook(report: YearlyReport, scope: str = "") -> bytes:
    """The report's figures, every number as a number so the sheet can be summed and sorted; `scope` says whose
    (the whole province, or an agency's scope in words)."""
    book = Workbook()
    book.remove(book.active)
    period = f"{report.period.first_on.isoformat()} – {report.period.last_on.isoformat()}"
    summary = [
        [_("Period"), period],
        *([[_("Scope"), scope]] if scope else []),
        [_("Organisations registered"), report.organizations["registered"]],
        [_("New organisations"), report.organizations["new"]],
        [_("Verified organisations"), report.organizations["verified"]],
        [_("Products registered"), report.products["registered"]],
        [_("New products"), report.products["new"]],
        [_("Batches published"), report.batches_published],
        [_("Codes issued"), report.codes_issued],
        [_("Scans"), report.scans["scans"]],
        [_("Codes scanned"), report.scans["codes"]],
        [_("Consumer reports"), report.reports_total],
        [_("Inspections"), report.inspections_total],
        [_("Recalls"), len(report.recalls)],
    ]
    _sheet(book, _("Summary"), [_("Figure"), _("Value")], summary)
    if report.by_agency is not None:
        # no total row: the columns sum to the summary's figures
        _sheet(
            book,
            _("By agency"),
            [_("Agency"), _("Batches published"), _("Inspections"), _("Suspended or recalled"), _("Consumer reports")],
            [
                [
                    row.agency.name if row.agency else _("No agency covers it"),
                    row.batches_published,
                    row.inspections,
                    row.suspended_or_recalled,
                    row.reports,
                ]
                for row in report.by_agency
            ],
        )
    count = _("Count")
    _sheet(book, _("Organisations by kind"), [_("Kind"), count], _pairs(report.organizations_by_kind))
    _sheet(book, _("Products by category"), [_("Category"), count], _pairs(report.products_by_category))
    _sheet(book, _("Batches by category"), [_("Category"), count], _pairs(report.batches_by_category))
    _sheet(book, _("Batches by commune"), [_("Commune"), count], _pairs(report.batches_by_commune))
    _sheet(book, _("Codes by kind"), [_("Kind"), count], _pairs(report.codes_by_kind))
    _sheet(book, _("Reports by kind"), [_("Kind"), count], _pairs(report.reports_by_kind))
    _sheet(book, _("Reports by status"), [_("Status"), count], _pairs(report.reports_by_status))
    _sheet(book, _("Inspections by result"), [_("Result"), count], _pairs(report.inspections_by_result))
    _sheet(book, _("Inspections by action"), [_("Action"), count], _pairs(report.inspections_by_action))
    _sheet(
        book,
        _("Recalls"),
        [_("Recalled on"), _("Lot"), _("Product"), _("Producer"), _("Reason"), _("Downstream batches")],
        [
            [
                _local(r.batch.status_changed_at),
                r.batch.lot_code,
                r.batch.product.name,
                r.batch.organization.name,
                r.batch.status_reason,
                r.downstream,
            ]
            for r in report.recalls
        ],
    )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
