"""Export of an organisation's batches as CSV and XLSX."""

from __future__ import annotations

import csv
import datetime as dt
import io

from openpyxl import load_workbook

from traceability.accounts.models import Role
from traceability.batches.models import BatchStatus
from traceability.interop.export import COLUMNS


def _csv(response) -> list[dict]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))


def test_producer_exports_its_own_batches_as_csv(tea_chain, make_batch, api_for):
    make_batch(lot_code="KHAC-01")  # another organisation's
    rows = _csv(api_for(Role.PRODUCER, tea_chain["org"]).get("/api/v1/batches/export?format=csv"))

    assert [r["lot_code"] for r in rows] == ["TC-A-01", "TC-B-01", "CHE-2026-10", "HOP-01", "HOP-02"]
    tea = rows[2]
    assert tea["product"] == "Chè Tân Cương sấy khô"
    assert tea["quantity"] == "130.500" and tea["unit"] == "kg"
    assert tea["produced_on"] == "2026-10-03"
    assert tea["inputs"] == "TC-A-01 (400 kg); TC-B-01 (250 kg)"
    assert tea["status"] == "draft"


def test_xlsx_export_has_dates_and_numbers_as_cells(tea_chain, make_batch, api_for):
    make_batch(tea_chain["org"], lot_code="PUB-1", status=BatchStatus.PUBLISHED)
    response = api_for(Role.PRODUCER, tea_chain["org"]).get("/api/v1/batches/export?format=xlsx")
    header, *body = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))

    assert list(header) == list(COLUMNS)
    by_lot = {r[0]: dict(zip(header, r, strict=True)) for r in body}
    assert by_lot["TC-A-01"]["harvested_on"] == dt.datetime(2026, 10, 1)
    assert by_lot["TC-A-01"]["quantity"] == 400
    assert by_lot["PUB-1"]["status"] == "published" and len(by_lot["PUB-1"]["code"]) == 13


def test_inspector_names_the_organisation(tea_chain, api_for, page_for):
    api = api_for(Role.INSPECTOR)
    missing = api.get("/api/v1/batches/export")
    assert missing.status_code == 422
    assert "organization_id" in missing.get_json()["errors"]["json"]
    rows = _csv(api.get(f"/api/v1/batches/export?organization_id={tea_chain['org'].id}"))
    assert len(rows) == 5
    page = page_for(Role.ADMIN).get(f"/inspect/organizations/{tea_chain['org'].id}/batches/export?format=csv")
    assert len(_csv(page)) == 5


def test_a_producer_cannot_export_another_organisation(tea_chain, api_for):
    response = api_for(Role.PRODUCER).get(f"/api/v1/batches/export?organization_id={tea_chain['org'].id}")
    assert response.status_code == 404


def test_workspace_page_offers_both_formats(tea_chain, page_for):
    client = page_for(Role.PRODUCER, tea_chain["org"])
    page = client.get("/app/data?lang=en").get_data(as_text=True)
    assert "/app/batches/export?format=csv" in page and "/app/batches/export?format=xlsx" in page
    assert len(_csv(client.get("/app/batches/export?format=csv"))) == 5
    assert client.get("/app/batches/export?format=doc").status_code == 422
