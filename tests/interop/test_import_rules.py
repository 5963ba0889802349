"""The import judges a row by the batch domain's rules, with the same messages as the form and the API, and
records one audit entry for the whole file."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from traceability.accounts.models import Role
from traceability.audit.models import AuditEntry
from traceability.audit.verify import verify
from traceability.batches import compliance
from traceability.batches.models import Batch, ChemicalApplication, ChemicalPurpose
from traceability.interop.csv_import import parse

from .test_csv_import import GOOD, _csv, _post, _problems


def test_a_banned_ingredient_gets_the_message_publishing_would_give(farm, make_batch, api_for, db_session):
    draft = make_batch(farm, lot_code="DRAFT-1")
    db_session.add(
        ChemicalApplication(
            batch=draft,
            applied_on=dt.date(2026, 10, 2),
            trade_name="Gramoxone",
            active_ingredient="Paraquat dichloride 276 g/l",
            purpose=ChemicalPurpose.HERBICIDE,
        )
    )
    db_session.flush()
    on_publish = [p.message for p in compliance.check_batch(db_session, draft) if p.rule == "banned_substance"]

    row = "L-003,Chè xanh,,10,kg,,02/10/2026,Gramoxone,Paraquat dichloride 276 g/l,herbicide,"
    problems = _problems(_post(api_for(Role.PRODUCER, farm), _csv(GOOD[0], row)))

    assert on_publish and problems["rows"]["3"]["chemical_active_ingredient"] == on_publish


def test_dates_out_of_order_are_refused_as_the_batch_form_refuses_them(farm, api_for, counts):
    header = "lot_code,product,quantity,unit,planted_on,harvested_on,expires_on"
    before = counts()
    response = _post(api_for(Role.PRODUCER, farm), _csv("L-005,Chè xanh,5,kg,01/10/2026,01/09/2026,", header=header))

    messages = _problems(response)["rows"]["2"]["harvested_on"]
    assert "comes before the planting date" in " ".join(messages)
    assert counts() == before


def test_a_row_without_a_unit_takes_the_products_unit_as_the_form_does(farm, api_for, db_session):
    response = _post(api_for(Role.PRODUCER, farm), _csv("L-020,Chè xanh,,3,,,,,,,"))

    assert response.status_code == 201, response.get_json()
    batch = db_session.scalar(select(Batch).where(Batch.lot_code == "L-020"))
    assert batch.unit == batch.product.unit and batch.quantity == Decimal(3)


def test_an_import_writes_an_audit_entry_naming_the_rows_and_one_per_row_written(farm, api_for, db_session):
    client = api_for(Role.PRODUCER, farm)
    last = db_session.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc()).limit(1))

    response = _post(client, _csv(*GOOD))

    assert response.status_code == 201
    entries = db_session.scalars(select(AuditEntry).where(AuditEntry.seq > last).order_by(AuditEntry.seq)).all()
    ids = db_session.scalars(select(Batch.id).where(Batch.lot_code.in_(["L-001", "L-002"])).order_by(Batch.id)).all()
    first = entries[0]
    assert (first.action, first.entity_type, first.entity_id) == ("import", "organizations", str(farm.id))
    assert entries[0].after == {"rows": 3, "batches": 2, "chemicals": 2, "batch_ids": ids}
    assert entries[0].actor_label != "system"
    # each batch and chemical application as written, so that `audit verify` can compare the rows with them
    assert [(e.action, e.entity_type) for e in entries[1:]] == [("create", "batches")] * 2 + [
        ("create", "chemical_applications")
    ] * 2
    assert [e.after["lot_code"] for e in entries[1:3]] == ["L-001", "L-002"]
    report = verify(db_session)
    assert report.ok, report.row_problems


def test_a_vietnamese_purpose_and_a_cell_the_fast_reader_cannot_read_are_still_judged():
    header = "lot_code,product,quantity,unit,chemical_applied_on,chemical_trade_name,chemical_active_ingredient,"
    parsed = parse(
        (
            header + "chemical_purpose,chemical_phi_days\n"
            "A,Chè,1,kg,01/09/2026,Anvil,Hexaconazole,Thuốc  trừ bệnh,7\n"
            "B,Chè,1,kg,01/09/2026,Anvil,Hexaconazole,fungicide,7.5\n"
        ).encode()
    )
    assert [r["chemical_purpose"] for _n, r in parsed.rows] == [ChemicalPurpose.FUNGICIDE]
    assert [(e.row, e.column) for e in parsed.errors] == [(3, "chemical_phi_days")]


def test_text_with_quotes_separators_backslashes_and_line_breaks_is_written_as_typed(farm, api_for, db_session):
    note = 'Lô "đặc biệt", hái tay; xem C:\\hồ sơ\\2026\nDòng hai \\N'
    quoted = '"' + note.replace('"', '""') + '"'
    header = "lot_code,product,quantity,unit,note,chemical_applied_on,chemical_trade_name,chemical_active_ingredient,"
    row = f'L-030,Chè xanh,2,kg,{quoted},01/09/2026,"Actara, 25WG",Thiamethoxam,insecticide'
    response = _post(api_for(Role.PRODUCER, farm), _csv(row, header=header + "chemical_purpose"))

    assert response.status_code == 201, response.get_json()
    batch = db_session.scalar(select(Batch).where(Batch.lot_code == "L-030"))
    assert batch.note == note and [c.trade_name for c in batch.chemicals] == ["Actara, 25WG"]


def test_values_beyond_the_columns_and_the_calendar_are_named_like_in_the_api(farm, api_for, db_session):
    api = api_for(Role.PRODUCER, farm)
    too_much = _post(api, _csv("L-9,Chè xanh,VN-TNTC-0001,1e23,kg,15/10/2026,,,,,"))
    assert _problems(too_much)["rows"] == {"2": {"quantity": ["Too large a number."]}}
    far = _post(api, _csv("L-9,Chè xanh,VN-TNTC-0001,12,kg,31/12/9999,,,,,"))
    assert _problems(far)["rows"] == {"2": {"harvested_on": ["A date between 1900 and 2999."]}}
    assert db_session.scalar(select(Batch).where(Batch.lot_code == "L-9")) is None
    cleaned = _post(api, _csv("L-10,Chè xanh,VN-TNTC-0001,12,k\x01g,15/10/2026,,,,,"))
    assert cleaned.status_code == 201
    assert db_session.scalar(select(Batch.unit).where(Batch.lot_code == "L-10")) == "kg"
