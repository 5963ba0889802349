"""The EPCIS 2.0 export: every event kind validates against GS1's schema and maps to CBV as API.md says."""

from __future__ import annotations

from decimal import Decimal

import pytest

from traceability.accounts.models import Role
from traceability.batches.models import EventType

# the hash package reads its bundled JSON-LD context with a deprecated importlib call
pytestmark = pytest.mark.filterwarnings("ignore:open_text is deprecated:DeprecationWarning")
ALL_KINDS = list(EventType)


def _events(response):
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["epcisBody"]["eventList"]


def test_every_event_kind_validates_against_the_epcis_schema(tea_chain, add_event, api_for, epcis_validator):
    tea = tea_chain["tea"]
    for hour, kind in enumerate(ALL_KINDS):
        extra = {"partner": "Công ty Trà Việt"} if kind in (EventType.SHIPPING, EventType.RECEIVING) else {}
        add_event(tea, kind, hour=hour + 1, site=tea_chain["factory"], note=f"ghi chú {kind.value}", **extra)
    api = api_for(Role.PRODUCER, tea_chain["org"])

    response = api.get(f"/api/v1/batches/{tea.id}/epcis")

    assert response.mimetype == "application/ld+json"
    document = response.get_json()
    errors = sorted(epcis_validator.iter_errors(document), key=lambda e: list(e.path))
    assert errors == [], [f"{list(e.path)}: {e.message}" for e in errors]
    assert len(document["epcisBody"]["eventList"]) == len(ALL_KINDS)
    # each event on its own, too: the schema checks an event document (with @context) separately
    for event in document["epcisBody"]["eventList"]:
        single = {"@context": document["@context"], **event}
        assert list(epcis_validator.iter_errors(single)) == []


def test_event_kinds_map_to_cbv_steps(tea_chain, add_event, api_for):
    tea = tea_chain["tea"]
    for hour, kind in enumerate(ALL_KINDS):
        add_event(tea, kind, hour=hour + 1)
    events = _events(api_for(Role.INSPECTOR).get(f"/api/v1/batches/{tea.id}/epcis"))

    by_step = [(e["type"], e.get("action"), e["bizStep"]) for e in events]
    assert by_step == [
        ("ObjectEvent", "OBSERVE", "tn:planting"),
        ("ObjectEvent", "OBSERVE", "tn:fertilizing"),
        ("ObjectEvent", "OBSERVE", "tn:spraying"),
        ("ObjectEvent", "OBSERVE", "tn:irrigating"),
        ("ObjectEvent", "ADD", "commissioning"),
        ("TransformationEvent", None, "commissioning"),
        ("ObjectEvent", "OBSERVE", "packing"),
        ("ObjectEvent", "OBSERVE", "storing"),
        ("ObjectEvent", "OBSERVE", "shipping"),
        ("ObjectEvent", "OBSERVE", "receiving"),
        ("ObjectEvent", "OBSERVE", "inspecting"),
        ("ObjectEvent", "OBSERVE", "sampling"),
    ]
    assert all(e["eventTimeZoneOffset"] == "+07:00" and e["eventTime"].endswith("+07:00") for e in events)
    assert events[0]["eventTime"] == "2026-10-01T01:00:00.000+07:00"


def test_harvest_carries_lot_master_data(tea_chain, add_event, api_for):
    leaf = tea_chain["leaf_a"]
    add_event(leaf, EventType.HARVESTING, site=tea_chain["hill_a"])
    (harvest,) = _events(api_for(Role.PRODUCER, tea_chain["org"]).get(f"/api/v1/batches/{leaf.id}/epcis"))

    assert harvest["quantityList"] == [
        {"epcClass": "https://id.gs1.org/01/08936012345018/10/TC-A-01", "quantity": 400, "uom": "KGM"}
    ]
    assert harvest["ilmd"]["cbvmda:lotNumber"] == "TC-A-01"
    assert harvest["ilmd"]["cbvmda:harvestEndDate"] == "2026-10-01"
    assert harvest["ilmd"]["tn:growingAreaCode"] == "VN-TNTC-0001"
    assert harvest["bizLocation"]["id"].endswith(f"/id/sites/{tea_chain['hill_a'].id}")


def test_processing_lists_inputs_and_output_with_rec20_units(tea_chain, add_event, api_for):
    tea = tea_chain["tea"]
    add_event(tea, EventType.PROCESSING)
    (event,) = _events(api_for(Role.PRODUCER, tea_chain["org"]).get(f"/api/v1/batches/{tea.id}/epcis"))

    assert event["type"] == "TransformationEvent"
    assert sorted(event["inputQuantityList"], key=lambda q: q["epcClass"]) == [
        {"epcClass": "https://id.gs1.org/01/08936012345018/10/TC-A-01", "quantity": 400, "uom": "KGM"},
        {"epcClass": "https://id.gs1.org/01/08936012345018/10/TC-B-01", "quantity": 250, "uom": "KGM"},
    ]
    # no GTIN on dried tea: the registry's own URI names the lot
    assert event["outputQuantityList"] == [
        {"epcClass": f"https://registry.example/id/batches/{tea.id}", "quantity": 130.5, "uom": "KGM"}
    ]


def test_a_batch_made_from_inputs_without_a_recorded_step_still_has_its_transformation(tea_chain, api_for):
    pack = tea_chain["pack_1"]
    (event,) = _events(api_for(Role.INSPECTOR).get(f"/api/v1/batches/{pack.id}/epcis"))
    assert event["type"] == "TransformationEvent"
    assert event["inputQuantityList"][0]["quantity"] == 60


def test_published_lot_without_gtin_is_named_by_its_public_code(db_session, make_batch, add_event, api_for):
    from traceability.batches.models import BatchStatus
    from traceability.codes.services import lot_code_for

    batch = make_batch(status=BatchStatus.PUBLISHED, quantity=Decimal(2), unit="tạ")
    add_event(batch, EventType.HARVESTING)
    (event,) = _events(api_for(Role.ADMIN).get(f"/api/v1/batches/{batch.id}/epcis"))
    code = lot_code_for(db_session, batch)
    assert event["quantityList"] == [
        {"epcClass": f"https://registry.example/c/{code.value}", "quantity": 200, "uom": "KGM"}
    ]


def test_shipping_and_receiving_name_source_and_destination(tea_chain, add_event, api_for):
    pack = tea_chain["pack_1"]
    add_event(pack, EventType.SHIPPING, partner="Siêu thị Hà Nội", site=tea_chain["factory"])
    add_event(pack, EventType.RECEIVING, hour=9, partner="https://partner.example/gln/123")
    shipping, receiving = _events(api_for(Role.INSPECTOR).get(f"/api/v1/batches/{pack.id}/epcis"))[:2]

    org_uri = f"https://registry.example/id/organizations/{tea_chain['org'].tax_code}"
    assert shipping["disposition"] == "in_transit"
    assert {"type": "owning_party", "source": org_uri} in shipping["sourceList"]
    assert shipping["destinationList"] == [
        {
            "type": "owning_party",
            "destination": "https://registry.example/id/partners/Si%C3%AAu%20th%E1%BB%8B%20H%C3%A0%20N%E1%BB%99i",
        }
    ]
    assert receiving["sourceList"] == [{"type": "owning_party", "source": "https://partner.example/gln/123"}]
    assert {"type": "owning_party", "destination": org_uri} in receiving["destinationList"]


def test_event_ids_are_stable_event_hashes(tea_chain, add_event, api_for):
    leaf = tea_chain["leaf_b"]
    add_event(leaf, EventType.HARVESTING)
    add_event(leaf, EventType.SPRAYING, hour=6)
    api = api_for(Role.INSPECTOR)
    first = [e["eventID"] for e in _events(api.get(f"/api/v1/batches/{leaf.id}/epcis"))]
    again = [e["eventID"] for e in _events(api.get(f"/api/v1/batches/{leaf.id}/epcis"))]

    assert first == again
    assert len(set(first)) == 2
    assert all(i.startswith("ni:///sha-256;") and i.endswith("?ver=CBV2.0") for i in first)


def test_event_id_is_the_cbv_hash_of_the_event_whatever_the_key_order(tea_chain, add_event, api_for):
    """A partner recomputing the hash from the event it received finds the same eventID."""
    from traceability.interop.event_hash import epcis_hashes_from_events, event_list_from_epcis_document_json

    add_event(tea_chain["tea"], EventType.PROCESSING, partner="x")
    document = api_for(Role.INSPECTOR).get(f"/api/v1/batches/{tea_chain['tea'].id}/epcis").get_json()
    (event,) = document["epcisBody"]["eventList"]
    shuffled = {key: event[key] for key in reversed(event) if key != "eventID"}
    received = {**document, "epcisBody": {"eventList": [shuffled]}}

    assert epcis_hashes_from_events(event_list_from_epcis_document_json(received)) == [event["eventID"]]


@pytest.mark.parametrize("visitor", ["other_producer", "anonymous"])
def test_another_organisation_cannot_read_the_export(tea_chain, api_for, client, visitor):
    tea = tea_chain["tea"]
    if visitor == "anonymous":
        assert client.get(f"/api/v1/batches/{tea.id}/epcis").status_code == 401
    else:
        response = api_for(Role.PRODUCER).get(f"/api/v1/batches/{tea.id}/epcis")
        assert response.status_code == 404
        assert "eventList" not in response.get_data(as_text=True)


def test_the_export_does_not_flood_the_log_with_event_contents(tea_chain, add_event, api_for, caplog):
    add_event(tea_chain["tea"], EventType.HARVESTING)
    api = api_for(Role.INSPECTOR)
    with caplog.at_level("INFO"):
        api.get(f"/api/v1/batches/{tea_chain['tea'].id}/epcis")
    assert not [r for r in caplog.records if "epcis_event_hash_generator" in r.pathname]
