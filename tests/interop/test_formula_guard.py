"""A producer's text never becomes a live formula in the files inspectors open in Excel."""

import csv
import io

from openpyxl import load_workbook

from traceability.interop.tables import to_csv, to_xlsx

EVIL = '=HYPERLINK("http://evil.example","Xem")'


def test_xlsx_keeps_formula_like_text_as_text():
    book = load_workbook(io.BytesIO(to_xlsx(["product", "quantity"], [{"product": EVIL, "quantity": -5}], "Trace")))
    cell, number = book.active["A2"], book.active["B2"]
    assert (cell.value, cell.data_type) == (EVIL, "s")
    assert number.value == -5  # numbers stay numbers


def test_csv_defuses_formula_starts():
    text = to_csv(["product", "note"], [{"product": EVIL, "note": "@SUM(A1)"}]).decode("utf-8-sig")
    row = list(csv.reader(io.StringIO(text)))[1]
    assert row == ["'" + EVIL, "'@SUM(A1)"]
