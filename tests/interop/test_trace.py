"""The trace: one row per critical tracking event of a lot's tree, as JSON, CSV and XLSX, and its page."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from traceability.accounts.models import Role
from traceability.batches.models import EventType
from traceability.interop.trace import COLUMNS


def _trace(api, batch, **params):
    response = api.get(f"/api/v1/batches/{batch.id}/trace", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response


def _lots(rows):
    return [(r["depth"], r["event"], r["lot_code"]) for r in rows]


def test_whole_tree_by_default_upstream_first(tea_chain, add_event, api_for):
    add_event(tea_chain["pack_1"], EventType.SHIPPING, partner="Siêu thị Hà Nội", hour=10)
    rows = _trace(api_for(Role.PRODUCER, tea_chain["org"]), tea_chain["tea"]).get_json()["rows"]

    assert _lots(rows) == [
        (-1, "harvesting", "TC-A-01"),
        (-1, "harvesting", "TC-B-01"),
        (0, "processing", "CHE-2026-10"),
        (1, "processing", "HOP-01"),
        (1, "processing", "HOP-02"),
        (1, "shipping", "HOP-01"),
    ]
    tea_row = rows[2]
    assert tea_row["source_or_recipient"] == "TC-A-01 (400 kg); TC-B-01 (250 kg)"
    assert tea_row["quantity"] == 130.5 and tea_row["unit"] == "kg"
    assert tea_row["occurred_at"] == "2026-10-03T00:00:00.000+07:00"  # the production date of the record
    assert tea_row["location"] == "Xưởng chế biến"
    shipping = rows[5]
    assert shipping["source_or_recipient"] == "Siêu thị Hà Nội"
    assert shipping["reference_document"].startswith("event/")
    leaf = rows[0]
    assert leaf["gtin"] == "08936012345018" and leaf["location_code"] == "VN-TNTC-0001"


def test_one_direction_only(tea_chain, api_for):
    api = api_for(Role.INSPECTOR)
    back = _trace(api, tea_chain["pack_1"], direction="back").get_json()["rows"]
    forward = _trace(api, tea_chain["leaf_a"], direction="forward").get_json()["rows"]

    assert {r["lot_code"] for r in back} == {"HOP-01", "CHE-2026-10", "TC-A-01", "TC-B-01"}
    assert [r["depth"] for r in back] == [-2, -2, -1, 0]
    assert {r["lot_code"] for r in forward} == {"TC-A-01", "CHE-2026-10", "HOP-01", "HOP-02"}


def test_recorded_events_replace_the_batch_record_row(tea_chain, add_event, api_for):
    add_event(tea_chain["leaf_a"], EventType.HARVESTING, site=tea_chain["hill_a"], hour=6)
    add_event(tea_chain["leaf_a"], EventType.SPRAYING, hour=5)  # a field operation: not a tracking event
    rows = _trace(api_for(Role.INSPECTOR), tea_chain["leaf_a"], direction="back").get_json()["rows"]

    assert _lots(rows) == [(0, "harvesting", "TC-A-01")]
    assert rows[0]["occurred_at"] == "2026-10-01T06:00:00.000+07:00"
    assert rows[0]["source_or_recipient"] == "Đồi chè Tân Cương A"


def test_sort_by_any_column_either_way(tea_chain, api_for):
    api = api_for(Role.INSPECTOR)
    ascending = _trace(api, tea_chain["tea"], sort="quantity").get_json()["rows"]
    descending = _trace(api, tea_chain["tea"], sort="-lot_code").get_json()["rows"]

    assert [r["quantity"] for r in ascending] == [60, 70, 130.5, 250, 400]
    assert [r["lot_code"] for r in descending] == ["TC-B-01", "TC-A-01", "HOP-02", "HOP-01", "CHE-2026-10"]


@pytest.mark.parametrize(
    ("params", "field"),
    [({"direction": "sideways"}, "direction"), ({"format": "pdf"}, "format"), ({"sort": "password"}, "sort")],
)
def test_bad_parameters_are_named(tea_chain, api_for, params, field):
    response = api_for(Role.INSPECTOR).get(f"/api/v1/batches/{tea_chain['tea'].id}/trace", query_string=params)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]["query"]


def _csv_rows(content: bytes) -> list[dict]:
    assert content.startswith(b"\xef\xbb\xbf")  # BOM: spreadsheet programs then read the Vietnamese right
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def _typed(row: dict) -> dict:
    """A row read back from a spreadsheet, with the JSON answer's types."""
    out = {c: (row[c] if row[c] not in ("", None) else None) for c in COLUMNS}
    out["depth"] = int(out["depth"])
    out["batch_id"] = int(out["batch_id"])
    quantity = Decimal(str(out["quantity"]))
    out["quantity"] = int(quantity) if quantity == quantity.to_integral_value() else float(quantity)
    return out


def test_trace_round_trips_through_csv(tea_chain, add_event, api_for):
    add_event(tea_chain["pack_2"], EventType.SHIPPING, partner='Đại lý "Chè Việt", Hà Nội', hour=11)
    api = api_for(Role.PRODUCER, tea_chain["org"])
    expected = _trace(api, tea_chain["tea"]).get_json()["rows"]
    response = _trace(api, tea_chain["tea"], format="csv")

    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert [_typed(r) for r in _csv_rows(response.data)] == expected


def test_trace_round_trips_through_xlsx(tea_chain, add_event, api_for):
    add_event(tea_chain["leaf_b"], EventType.RECEIVING, partner="Hộ ông Nguyễn Văn A", hour=7)
    api = api_for(Role.INSPECTOR)
    expected = _trace(api, tea_chain["tea"]).get_json()["rows"]
    response = _trace(api, tea_chain["tea"], format="xlsx")

    sheet = load_workbook(io.BytesIO(response.data)).active
    header, *body = list(sheet.iter_rows(values_only=True))
    assert list(header) == list(COLUMNS)
    assert sheet.auto_filter.ref == f"A1:N{len(body) + 1}"  # a filter on every column: sortable at once
    assert isinstance(body[0][COLUMNS.index("quantity")], int | float)  # numbers, not text
    assert [_typed(dict(zip(header, r, strict=True))) for r in body] == expected


def test_a_producer_sees_only_its_own_lots_in_the_tree(tea_chain, make_org, make_batch, api_for):
    supplier = make_org()
    bought = make_batch(supplier, lot_code="NCC-77", quantity=Decimal(30))
    mine = make_batch(tea_chain["org"], lot_code="TRON-01", inputs=[(bought, 30), (tea_chain["tea"], 10)])

    producer_rows = _trace(api_for(Role.PRODUCER, tea_chain["org"]), mine, direction="back").get_json()["rows"]
    inspector_rows = _trace(api_for(Role.INSPECTOR), mine, direction="back").get_json()["rows"]

    assert "NCC-77" not in {r["lot_code"] for r in producer_rows}
    assert "NCC-77 (30 kg)" in producer_rows[-1]["source_or_recipient"]  # the input is still named
    assert "NCC-77" in {r["lot_code"] for r in inspector_rows}


def test_another_organisations_batch_answers_404(tea_chain, api_for):
    response = api_for(Role.PRODUCER).get(f"/api/v1/batches/{tea_chain['tea'].id}/trace")
    assert response.status_code == 404


def test_trace_page_for_producers_and_inspectors(tea_chain, page_for):
    tea = tea_chain["tea"]
    producer = page_for(Role.PRODUCER, tea_chain["org"])
    page = producer.get(f"/app/batches/{tea.id}/trace?lang=en").get_data(as_text=True)
    assert "Trace of lot CHE-2026-10" in page
    assert "TC-A-01" in page and "HOP-02" in page
    assert f"/app/batches/{tea.id}/trace?direction=both&amp;format=csv" in page

    inspector = page_for(Role.INSPECTOR)
    response = inspector.get(f"/inspect/batches/{tea.id}/trace?direction=back&format=xlsx")
    assert response.mimetype.endswith("spreadsheetml.sheet")
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    assert len(rows) == 1 + 3  # header, two leaf lots, the tea


def test_trace_page_names_a_bad_parameter(tea_chain, page_for):
    page = page_for(Role.INSPECTOR).get(f"/inspect/batches/{tea_chain['tea'].id}/trace?direction=up&lang=en")
    assert page.status_code == 422
    assert "direction" in page.get_data(as_text=True)


def test_trace_page_speaks_vietnamese_by_default(tea_chain, page_for):
    page = page_for(Role.INSPECTOR).get(f"/inspect/batches/{tea_chain['tea'].id}/trace").get_data(as_text=True)
    assert "Truy xuất lô CHE-2026-10" in page
    assert "Toàn bộ chuỗi" in page and "Tải Excel (XLSX)" in page
