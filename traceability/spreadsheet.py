"""Cells for the CSV and XLSX files the registry hands out: producers' text never runs as a formula.

Inspectors open trace and report files in Excel; a product name such as `=HYPERLINK(…)` must stay text there.
"""

from __future__ import annotations

from typing import Any

from openpyxl.cell import WriteOnlyCell

from traceability.schemas import clean_text

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_text(text: str) -> str:
    """Text for a CSV cell; one that a spreadsheet would read as a formula gets a leading apostrophe."""
    text = clean_text(text)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def xlsx_row(sheet: Any, values: list[Any]) -> list[Any]:
    """A row for `sheet.append`: text starting with '=' is stored as text, not as a live formula; control
    characters (which XML cannot hold, so openpyxl refuses) are left out, for text stored before they were."""
    row = []
    for value in values:
        value = clean_text(value)
        if isinstance(value, str) and value.startswith("="):
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"
            value = cell
        row.append(value)
    return row
