"""Reading a spreadsheet of batches and their chemical applications, and checking every row before anything
is written (all or nothing).

One row per chemical application; the batch columns repeat on each row of the same lot (a batch without
chemicals takes one row with the chemical columns empty). The file is what spreadsheet programs write: UTF-8
with or without a BOM, `,` or `;` (Vietnamese Excel) between columns, dates as dd/mm/yyyy, decimal commas.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from traceability.interop.rows import CHEMICALS, RowReader
from traceability.interop.tables import to_csv

MAX_BYTES = 20 * 1024 * 1024
# a request must finish within the server's worker timeout (30 s): 100,000 rows take about 11 s on
# PostgreSQL on the 2-core development machine (scripts/bench_interop.py), so half that leaves room for load
MAX_ROWS = 50_000
MAX_ERRORS = 200  # enough to fix a file; more would only bury the first ones

BATCH_COLUMNS = (
    "lot_code",
    "product",
    "site",
    "quantity",
    "unit",
    "planted_on",
    "harvested_on",
    "produced_on",
    "expires_on",
    "note",
)
CHEMICAL_COLUMNS = CHEMICALS
COLUMNS = BATCH_COLUMNS + CHEMICAL_COLUMNS
REQUIRED_COLUMNS = ("lot_code", "product", "quantity", "unit")
# headings a producer may have typed in Vietnamese instead
ALIASES = {
    "mã lô": "lot_code",
    "sản phẩm": "product",
    "vùng trồng": "site",
    "cơ sở": "site",
    "số lượng": "quantity",
    "đơn vị": "unit",
    "ngày trồng": "planted_on",
    "ngày thu hoạch": "harvested_on",
    "ngày sản xuất": "produced_on",
    "hạn sử dụng": "expires_on",
    "ghi chú": "note",
}
# the headings of the template a Vietnamese page hands out (the import reads them back through ALIASES)
VIETNAMESE_HEADINGS = {
    "lot_code": "Mã lô",
    "product": "Sản phẩm",
    "site": "Vùng trồng",
    "quantity": "Số lượng",
    "unit": "Đơn vị",
    "planted_on": "Ngày trồng",
    "harvested_on": "Ngày thu hoạch",
    "produced_on": "Ngày sản xuất",
    "expires_on": "Hạn sử dụng",
    "note": "Ghi chú",
    "chemical_applied_on": "Ngày sử dụng thuốc",
    "chemical_trade_name": "Tên thương mại",
    "chemical_active_ingredient": "Hoạt chất",
    "chemical_registration_no": "Số đăng ký",
    "chemical_purpose": "Công dụng",
    "chemical_dose": "Liều lượng",
    "chemical_dose_unit": "Đơn vị liều lượng",
    "chemical_area_treated": "Diện tích phun (ha)",
    "chemical_phi_days": "Thời gian cách ly (ngày)",
}
ALIASES.update({heading.lower(): column for column, heading in VIETNAMESE_HEADINGS.items()})
TEMPLATE_EXAMPLE = {
    "lot_code": "TC-2026-001",
    "product": "Chè xanh Tân Cương",
    "site": "VN-TNTC-0001",
    "quantity": "120,5",
    "unit": "kg",
    "harvested_on": "15/10/2026",
    "chemical_applied_on": "20/09/2026",
    "chemical_trade_name": "Actara 25WG",
    "chemical_active_ingredient": "Thiamethoxam",
    "chemical_purpose": "insecticide",
    "chemical_dose": "0,1",
    "chemical_dose_unit": "kg/ha",
    "chemical_area_treated": "1,5",
    "chemical_phi_days": "7",
}


@dataclass
class RowError:
    row: int  # as the spreadsheet numbers it: the heading is row 1
    column: str
    message: str


@dataclass
class ParsedFile:
    """What a file says, checked row by row; `errors` empty means every row is good."""

    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    delimiter: str = ","

    def add_error(self, row: int, column: str, message: str) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(RowError(row, column, str(message)))

    @property
    def is_too_many_errors(self) -> bool:
        return len(self.errors) >= MAX_ERRORS


class FileRejected(Exception):
    """The file as a whole cannot be read (encoding, size, no heading): nothing was looked at row by row."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def decode(content: bytes) -> str:
    """The text of an upload: UTF-8, with or without the BOM that Excel writes."""
    if len(content) > MAX_BYTES:
        raise FileRejected(_("The file is larger than %(mb)d MB; split it into several files.", mb=MAX_BYTES // 2**20))
    if not content.strip():
        raise FileRejected(_("The file is empty."))
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileRejected(_("The file is UTF-16 text. Save it as “CSV UTF-8 (comma delimited)” and upload it again."))
    if b"\x00" in content[:65536]:
        raise FileRejected(_("This is not a CSV text file. Save the spreadsheet as “CSV UTF-8” and upload it again."))
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileRejected(
            _(
                "The file is not UTF-8 text (byte %(pos)d). Save it as “CSV UTF-8” and upload it again.",
                pos=exc.start + 1,
            )
        ) from exc


def _delimiter(first_line: str) -> str:
    # Excel writes `;` where the decimal separator is a comma (Vietnamese settings), `,` elsewhere
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def _heading(name: str) -> str:
    key = " ".join(name.strip().lower().replace("*", "").split())
    return ALIASES.get(key, key.replace(" ", "_"))


def _open(content: bytes) -> tuple[str, list[str], Any]:
    """The delimiter, the heading and a reader of the remaining rows; FileRejected when the file as a whole is
    unreadable (not UTF-8 text, too large, no heading, missing or unknown columns)."""
    text = decode(content)
    first_line = text.split("\n", 1)[0]
    delimiter = _delimiter(first_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [_heading(h) for h in next(reader)]
    except (StopIteration, csv.Error) as exc:
        raise FileRejected(_("The first row must name the columns.")) from exc
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise FileRejected(
            _(
                "Missing columns: %(columns)s. Download the template to see the expected columns.",
                columns=", ".join(missing),
            )
        )
    unknown = [h for h in header if h and h not in COLUMNS]
    if unknown:
        raise FileRejected(_("Unknown columns: %(columns)s.", columns=", ".join(unknown)))
    return delimiter, header, reader


def check_file(content: bytes, max_rows: int = MAX_ROWS) -> None:
    """What `parse` refuses of a file as a whole, found without reading the rows' values (quick enough for the
    request that hands a long file to the worker): FileRejected with the same messages."""
    reader = _open(content)[2]
    rows = 0
    try:
        for cells in reader:
            if any(c.strip() for c in cells):
                rows += 1
                if rows > max_rows:
                    raise FileRejected(_("More than %(n)d rows; split the file.", n=max_rows))
    except csv.Error as exc:
        raise FileRejected(_("The file is not a well-formed CSV (row %(row)d).", row=reader.line_num)) from exc


def parse(content: bytes, max_rows: int = MAX_ROWS) -> ParsedFile:
    """Read and check every row of an import file. Raises FileRejected when the file as a whole is unreadable."""
    delimiter, header, reader = _open(content)
    result = ParsedFile(delimiter=delimiter)
    reader_of_row = RowReader(header)
    try:
        for line_no, cells in enumerate(reader, start=2):
            if not any(c.strip() for c in cells):
                continue  # spreadsheet programs leave empty rows at the end
            if len(result.rows) >= max_rows:
                raise FileRejected(_("More than %(n)d rows; split the file.", n=max_rows))
            if len(cells) > len(header):
                result.add_error(line_no, "", _("This row has more cells than the heading has columns."))
                continue
            values, problems = reader_of_row.read(cells)
            if problems:
                for column, messages in problems.items():
                    for message in messages:
                        result.add_error(line_no, column, message)
            else:
                result.rows.append((line_no, values))
            if result.is_too_many_errors:
                break
    except csv.Error as exc:
        raise FileRejected(_("The file is not a well-formed CSV (row %(row)d).", row=reader.line_num)) from exc
    return result


def template_csv(vietnamese: bool = False) -> bytes:
    """The import template: the heading and one example row, UTF-8 with BOM; headed in Vietnamese for a
    Vietnamese page (the API's template keeps the column names)."""
    if not vietnamese:
        return to_csv(COLUMNS, [TEMPLATE_EXAMPLE])
    example = {VIETNAMESE_HEADINGS[c]: v for c, v in TEMPLATE_EXAMPLE.items()}
    example[VIETNAMESE_HEADINGS["chemical_purpose"]] = "thuốc trừ sâu"
    return to_csv([VIETNAMESE_HEADINGS[c] for c in COLUMNS], [example])


COLUMN_HELP = {
    "lot_code": _l("Your lot code, unique in your organisation."),
    "product": _l("The product's name or GTIN, as registered."),
    "site": _l("The site's name or growing-area code (optional)."),
    "quantity": _l("A number; a decimal comma is fine."),
    "unit": _l("kg, tấn, hộp …"),
    "harvested_on": _l("Dates as dd/mm/yyyy."),
    "chemical_active_ingredient": _l("Banned substances are refused."),
    "chemical_purpose": _l("insecticide, fungicide, herbicide, fertilizer, growth regulator, veterinary drug, other"),
}
