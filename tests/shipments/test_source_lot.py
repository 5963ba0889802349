"""A buyer opens the supplier's record of a lot it received, read-only, from its workspace and through the API;
nobody outside the shipment does."""

from __future__ import annotations

import datetime as dt

from traceability.accounts.models import Role
from traceability.batches.models import Batch, ChemicalApplication, ChemicalPurpose, LabResult, LabTest
from traceability.registry.models import Certification


def _received(chain, ship, accept, db_session):
    chain.lot.chemicals.append(
        ChemicalApplication(
            applied_on=dt.date(2026, 9, 1),
            trade_name="Actara 25WG",
            active_ingredient="Thiamethoxam",
            purpose=ChemicalPurpose.INSECTICIDE,
            phi_days=7,
        )
    )
    chain.lot.lab_tests.append(
        LabTest(laboratory="Quatest 1", sampled_on=dt.date(2026, 9, 20), analyte="Dư lượng BVTV", result=LabResult.PASS)
    )
    db_session.add(
        Certification(
            organization=chain.coop,
            scheme="VietGAP",
            number="VG-TN-77",
            issuer="QUACERT",
            valid_from=dt.date(2026, 1, 1),
        )
    )
    db_session.commit()
    shipment = ship().json
    return accept(shipment["id"]).json["batch_id"], shipment


def test_the_buyer_reads_the_suppliers_published_record(chain, ship, accept, db_session, login_as):
    received_id, shipment = _received(chain, ship, accept, db_session)
    answer = chain.shop_api.get(f"/api/v1/batches/{received_id}/source")
    assert answer.status_code == 200
    source = answer.json
    assert source["batch_id"] == chain.lot.id and source["lot_code"] == "CTK-1"
    assert source["organization"]["name"] == "HTX Chè Tân Cương" and source["shipment_id"] == shipment["id"]
    assert [c["trade_name"] for c in source["chemicals"]] == ["Actara 25WG"]
    assert [t["analyte"] for t in source["lab_tests"]] == ["Dư lượng BVTV"]
    assert [c["number"] for c in source["certifications"]] == ["VG-TN-77"]
    assert source["origin"]["name"] == db_session.get(Batch, chain.lot.id).site.name
    page = login_as(chain.shop_user).get(f"/app/batches/{received_id}/source").get_data(as_text=True)
    assert "Actara 25WG" in page and "VG-TN-77" in page and "Quatest 1" in page
    own = login_as(chain.shop_user).get(f"/app/batches/{received_id}").get_data(as_text=True)
    assert f"/app/batches/{received_id}/source" in own  # the received lot's page links to it


def test_only_the_parties_and_inspectors_read_it(chain, ship, accept, db_session, make_user, api_as):
    received_id, _shipment = _received(chain, ship, accept, db_session)
    assert chain.coop_api.get(f"/api/v1/batches/{received_id}/source").status_code == 200  # the sender
    assert api_as(make_user(Role.INSPECTOR)).get(f"/api/v1/batches/{received_id}/source").status_code == 200
    stranger = api_as(make_user(Role.PRODUCER))
    assert stranger.get(f"/api/v1/batches/{received_id}/source").status_code == 404
    # a lot that was not received has no source
    assert chain.coop_api.get(f"/api/v1/batches/{chain.lot.id}/source").status_code == 404
