"""CSV import of batches and chemical applications: all or nothing, every problem named by row and column."""

from __future__ import annotations

import datetime as dt
import io
import os
from decimal import Decimal

import pytest
from sqlalchemy import select

from traceability.accounts.models import Role
from traceability.batches.models import Batch
from traceability.interop.csv_import import MAX_ROWS, FileRejected, parse

HEADER = (
    "lot_code,product,site,quantity,unit,harvested_on,"
    "chemical_applied_on,chemical_trade_name,chemical_active_ingredient,chemical_purpose,chemical_phi_days"
)
GOOD = [
    "L-001,Chè xanh,VN-TNTC-0001,120.5,kg,15/10/2026,20/09/2026,Actara 25WG,Thiamethoxam,insecticide,7",
    "L-001,Chè xanh,VN-TNTC-0001,120.5,kg,15/10/2026,01/10/2026,Anvil 5SC,Hexaconazole,thuốc trừ bệnh,7",
    "L-002,08936012345001,,80,kg,16/10/2026,,,,,",
]


def _csv(*rows: str, header: str = HEADER, bom: bool = True, sep: str = ",") -> bytes:
    text = "\r\n".join([header.replace(",", sep), *rows]) + "\r\n"
    return ("\ufeff" if bom else "").encode() + text.encode("utf-8")


def _post(api, content: bytes):
    headers = {"Content-Type": "text/csv", "Accept-Language": "en"}
    return api.post("/api/v1/batches/import", data=content, headers=headers)


def test_a_good_file_imports_batches_with_their_chemicals(farm, api_for, db_session):
    response = _post(api_for(Role.PRODUCER, farm), _csv(*GOOD))

    assert response.status_code == 201, response.get_json()
    assert response.get_json() == {"batches": 2, "chemicals": 2, "rows": 3}
    batch = db_session.scalar(select(Batch).where(Batch.lot_code == "L-001"))
    assert batch.quantity == Decimal("120.5") and batch.harvested_on == dt.date(2026, 10, 15)
    assert batch.site.area_code == "VN-TNTC-0001" and batch.status == "draft"
    assert [(c.trade_name, c.purpose, c.applied_on) for c in batch.chemicals] == [
        ("Actara 25WG", "insecticide", dt.date(2026, 9, 20)),
        ("Anvil 5SC", "fungicide", dt.date(2026, 10, 1)),
    ]
    other = db_session.scalar(select(Batch).where(Batch.lot_code == "L-002"))
    assert other.product.name == "Chè xanh" and other.site is None and other.chemicals == []


def test_semicolons_decimal_commas_and_no_bom_as_vietnamese_excel_writes(farm, api_for, db_session):
    rows = ["L-010;Chè xanh;Đồi chè A;1.234,5;kg;5/1/2026;;;;;"]
    response = _post(api_for(Role.PRODUCER, farm), _csv(*rows, bom=False, sep=";"))

    assert response.status_code == 201, response.get_json()
    batch = db_session.scalar(select(Batch).where(Batch.lot_code == "L-010"))
    assert batch.quantity == Decimal("1234.5") and batch.harvested_on == dt.date(2026, 1, 5)


def test_vietnamese_headings_are_understood():
    parsed = parse("Mã lô,Sản phẩm,Số lượng,Đơn vị,Ngày thu hoạch\nA,Chè,1,kg,01/02/2026\n".encode())
    assert parsed.errors == []
    assert parsed.rows[0][1]["lot_code"] == "A" and parsed.rows[0][1]["harvested_on"] == dt.date(2026, 2, 1)


def _problems(response) -> dict:
    assert response.status_code == 422, response.get_data(as_text=True)
    return response.get_json()["errors"]["json"]


@pytest.mark.parametrize(
    ("bad_row", "row", "column", "words"),
    [
        ("L-003,Chè xanh,,10,kg,31/02/2026,,,,,", "3", "harvested_on", "dd/mm/yyyy"),
        ("L-003,Chè đen,,10,kg,,,,,,", "3", "product", "Unknown product"),
        ("L-003,Chè xanh,Đồi lạ,10,kg,,,,,,", "3", "site", "Unknown site"),
        ("L-003,Chè xanh,,mười,kg,,,,,,", "3", "quantity", "Not a number"),
        ("L-003,Chè xanh,,-1,kg,,,,,,", "3", "quantity", "Must be more than 0"),
        ("L-003,Chè xanh,,0,kg,,,,,,", "3", "quantity", "Must be more than 0"),
        ("L-003-ABCDEFGHIJKLMNOPQ,Chè xanh,,1,kg,,,,,,", "3", "lot_code", "Up to 20 letters"),
        ("L-003,Chè xanh,,10,kg,,01/10/2026,Regent,X,insecticide,400", "3", "chemical_phi_days", "Between 0 and 365"),
        ("L-003,Chè xanh,,10,kg,,01/10/2026,Regent,X,insecticide,bảy", "3", "chemical_phi_days", "whole number"),
        (
            "L-003,Chè xanh,,10,kg,,02/10/2026,Regent,Fipronil 5% + Imidacloprid 10%,insecticide,",
            "3",
            "chemical_active_ingredient",
            "Fipronil",
        ),
        ("L-003,Chè xanh,,10,kg,,,Regent,,,", "3", "chemical_applied_on", "Required"),
        ("L-003,Chè xanh,,10,kg,,01/10/2026,Regent,X,poison,", "3", "chemical_purpose", "Choose one of"),
        ("L-001,Chè xanh,,999,kg,,,,,,", "3", "lot_code", "different details"),
        ("L-002,08936012345001,,80,kg,16/10/2026,,,,,", "3", "lot_code", "appears twice"),
        ("L-003,Chè xanh,,10,kg,,,,,,,extra", "3", "_row", "more cells"),
    ],
)
def test_a_bad_row_names_row_and_column_and_nothing_is_written(farm, api_for, counts, bad_row, row, column, words):
    before = counts()
    rows = [GOOD[2] if bad_row.startswith("L-002") else GOOD[0], bad_row]
    response = _post(api_for(Role.PRODUCER, farm), _csv(*rows))

    problems = _problems(response)
    assert list(problems["rows"]) == [row]
    assert column in problems["rows"][row]
    assert words in " ".join(problems["rows"][row][column])
    assert counts() == before


def test_a_lot_already_registered_is_refused(farm, make_batch, api_for, counts, db_session):
    make_batch(farm, lot_code="L-002")
    db_session.commit()
    before = counts()
    problems = _problems(_post(api_for(Role.PRODUCER, farm), _csv(*GOOD)))
    assert list(problems["rows"]) == ["4"]
    assert "L-002 already exists" in problems["rows"]["4"]["lot_code"][0]
    assert counts() == before


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (
            (HEADER + "\nL-1,Chè xanh,,1,kg,,,,,,\n").encode("cp1258", errors="replace") + "Trà".encode("cp1258"),
            "not UTF-8",
        ),
        ("lot_code,product,unit\nL-1,Chè xanh,kg\n".encode(), "Missing columns: quantity"),
        ("lot_code,product,quantity,unit,colour\nL-1,Chè xanh,1,kg,xanh\n".encode(), "Unknown columns: colour"),
        (b"", "empty"),
        ("\ufeff".encode("utf-16"), "UTF-16"),
        (os.urandom(10 * 1024 * 1024), "not"),
        (b"lorem ipsum dolor sit amet " * 400_000, "first row must name the columns"),
    ],
    ids=["cp1258", "missing-column", "unknown-column", "empty", "utf16", "10MB-random", "10MB-text"],
)
def test_a_file_that_cannot_be_read_says_why_and_writes_nothing(farm, api_for, counts, content, words):
    before = counts()
    problems = _problems(_post(api_for(Role.PRODUCER, farm), content))
    assert words in problems["file"][0]
    assert counts() == before


def test_the_template_is_a_valid_import_file():
    from traceability.interop.csv_import import template_csv

    parsed = parse(template_csv())
    assert parsed.errors == []
    assert parsed.rows[0][1]["quantity"] == Decimal("120.5")


def test_a_long_file_of_bad_rows_stops_at_a_readable_number_of_problems():
    rows = "\n".join(f"L-{i},Chè,x,kg" for i in range(5000))
    parsed = parse(f"lot_code,product,quantity,unit\n{rows}\n".encode())
    assert len(parsed.errors) == 200


def test_parse_rejects_before_reading_rows_when_the_file_is_unreadable():
    with pytest.raises(FileRejected):
        parse(b"\xff\xfe\x00l\x00o")


def test_workspace_page_imports_and_lists_problems(farm, page_for, counts):
    client = page_for(Role.PRODUCER, farm)
    page = client.get("/app/data?lang=en").get_data(as_text=True)
    assert "/app/batches/import/template.csv" in page
    assert client.get("/app/batches/import/template.csv").data.startswith(b"\xef\xbb\xbflot_code,")

    before = counts()
    bad = client.post(
        "/app/batches/import?lang=en",
        data={"file": (io.BytesIO(_csv(GOOD[0], "L-009,Chè đen,,1,kg,,,,,,")), "lo.csv")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert (
        "Nothing was imported." in text
        and "Unknown product: Chè đen" in text
        and "Row 3</strong> · <code>product</code>" in text
    )
    assert counts() == before

    good = client.post(
        "/app/batches/import",
        data={"file": (io.BytesIO(_csv(*GOOD)), "lo.csv")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert good.status_code == 200
    assert counts() == (before[0] + 2, before[1] + 2)


def test_only_producers_import(api_for):
    response = _post(api_for(Role.INSPECTOR), _csv(*GOOD))
    assert response.status_code == 403


def test_a_file_too_long_for_one_request_is_refused_whole(farm, api_for, counts):
    rows = [f"B-{i},Chè xanh,,1,kg,,,,,," for i in range(MAX_ROWS + 1)]
    before = counts()
    problems = _problems(_post(api_for(Role.PRODUCER, farm), _csv(*rows)))
    assert f"More than {MAX_ROWS} rows; split the file." in problems["file"]
    assert counts() == before
