"""The consumer page of a lot passed on unchanged shows the facts of the lot it continues, as its supplier
published them, and then the holder's own stages; processed goods show where their raw materials were grown."""

from __future__ import annotations

import datetime as dt

from traceability.batches.models import (
    Batch,
    BatchStatus,
    ChemicalApplication,
    ChemicalPurpose,
    Event,
    EventType,
    LabResult,
    LabTest,
)
from traceability.codes.services import lot_code_for
from traceability.registry.models import Certification


def _code(db_session, batch):
    return lot_code_for(db_session, db_session.get(Batch, batch.id)).value


def _supplier_facts(db_session, dried, coop):
    dried = db_session.get(Batch, dried.id)
    dried.chemicals.append(
        ChemicalApplication(
            applied_on=dt.date(2026, 9, 10),
            trade_name="Actara 25WG",
            active_ingredient="Thiamethoxam",
            purpose=ChemicalPurpose.INSECTICIDE,
            phi_days=7,
        )
    )
    dried.lab_tests.append(
        LabTest(laboratory="Quatest 1", sampled_on=dt.date(2026, 10, 2), analyte="Dư lượng BVTV", result=LabResult.PASS)
    )
    db_session.add(
        Certification(
            organization_id=coop.id,
            scheme="VietGAP",
            number="VG-TN-2026-77",
            issuer="QUACERT",
            valid_from=dt.date(2026, 1, 1),
        )
    )
    db_session.commit()


def test_the_shops_page_shows_the_suppliers_facts_then_its_own_stages(tea, chain, client, db_session):
    _supplier_facts(db_session, tea["dried"], chain.coop)
    shop_lot = db_session.get(Batch, tea["shop_lot"].id)
    shop_lot.events.append(
        Event(type=EventType.STORING, occurred_at=dt.datetime(2026, 10, 7, 3, tzinfo=dt.UTC), note="Kho mát 18°C")
    )
    db_session.commit()
    code = _code(db_session, shop_lot)
    data = client.get(f"/c/{code}", headers={"Accept": "application/json"}).json
    assert [c["trade_name"] for c in data["chemicals"]] == ["Actara 25WG"]
    assert [t["analyte"] for t in data["lab_tests"]] == ["Dư lượng BVTV"]
    assert "VG-TN-2026-77" in [c["number"] for c in data["certifications"]]
    assert data["origin"]["name"] == db_session.get(Batch, tea["dried"].id).site.name
    kinds = [e["type"] for e in data["events"]]
    assert kinds.index("shipping") < kinds.index("receiving") < kinds.index("storing")  # the shop's steps follow
    html = client.get(f"/c/{code}").get_data(as_text=True)
    assert "Actara 25WG" in html and "VG-TN-2026-77" in html and "Quatest 1" in html
    assert "CTK-DRY" in html and "chuyển tiếp nguyên trạng" in html  # says whose facts these are
    # the raw materials were grown by the households, not at the cooperative's factory
    assert "VN-TNTC-0012" in html and "VN-TNTC-0013" in html


def test_a_lot_not_passed_on_shows_its_own_empty_sections(tea, chain, client, db_session, make_batch):
    _supplier_facts(db_session, tea["dried"], chain.coop)
    own = make_batch(chain.shop, lot_code="SHOP-OWN", status=BatchStatus.PUBLISHED)
    html = client.get(f"/c/{_code(db_session, own)}").get_data(as_text=True)
    assert "Actara 25WG" not in html and "VG-TN-2026-77" not in html


def test_processed_goods_show_where_the_raw_materials_were_grown(tea, chain, client, db_session):
    code = _code(db_session, tea["dried"])
    data = client.get(f"/c/{code}", headers={"Accept": "application/json"}).json
    grown = sorted((o["area_code"], o["name"], o["declared_by"]) for o in data["origins"])
    assert grown == [
        ("VN-TNTC-0012", "Hộ Nguyễn Văn An", chain.coop.name),
        ("VN-TNTC-0013", "Hộ Lê Thị Bình", chain.coop.name),
    ]
    html = client.get(f"/c/{code}").get_data(as_text=True)
    origin = html.split('id="origin"', 1)[1].split("</section>", 1)[0]
    assert "Hộ Nguyễn Văn An" in origin and "VN-TNTC-0012" in origin
    assert "Nơi trồng nguyên liệu" in origin  # the factory is named as where it was made, not as the origin
