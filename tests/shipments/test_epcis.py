"""The EPCIS export of a chain across organisations: shipping and receiving name both parties and the document,
and every document validates against GS1's official schema."""

from traceability.accounts.models import Role


def _events(api, batch):
    answer = api.get(f"/api/v1/batches/{batch.id}/epcis")
    assert answer.status_code == 200, answer.json
    return answer.json


def test_shipping_and_receiving_across_organisations(tea, chain, make_user, api_as, epcis_validator):
    inspector = api_as(make_user(Role.INSPECTOR))
    base = "https://registry.example"
    coop_party = f"{base}/id/organizations/{chain.coop.tax_code}"
    shop_party = f"{base}/id/organizations/{chain.shop.tax_code}"
    for batch in (tea["households"][0], tea["dried"], tea["shop_lot"]):
        document = _events(inspector, batch)
        errors = sorted(epcis_validator.iter_errors(document), key=str)
        assert errors == [], [e.message for e in errors]

    shipped = [
        e for e in _events(chain.coop_api, tea["dried"])["epcisBody"]["eventList"] if e.get("bizStep") == "shipping"
    ]
    assert len(shipped) == 1
    shipping = shipped[0]
    assert shipping["quantityList"][0]["quantity"] == 30
    assert {"type": "owning_party", "source": coop_party} in shipping["sourceList"]
    assert {"type": "possessing_party", "destination": shop_party} in shipping["destinationList"]
    assert shipping["bizTransactionList"][0]["type"] == "desadv"
    assert shipping["bizTransactionList"][0]["bizTransaction"].endswith("/HD-0042")

    receiving = next(
        e for e in _events(chain.shop_api, tea["shop_lot"])["epcisBody"]["eventList"] if e.get("bizStep") == "receiving"
    )
    assert {"type": "owning_party", "source": coop_party} in receiving["sourceList"]
    assert {"type": "owning_party", "destination": shop_party} in receiving["destinationList"]
    assert receiving["bizTransactionList"] == shipping["bizTransactionList"]


def _validated(document, epcis_validator):
    errors = sorted(epcis_validator.iter_errors(document), key=str)
    assert errors == [], [e.message for e in errors]
    return document["epcisBody"]["eventList"]


def test_the_trace_of_the_shops_lot_is_one_document_across_organisations(
    tea, chain, make_user, api_as, epcis_validator
):
    inspector = api_as(make_user(Role.INSPECTOR))
    answer = inspector.get(f"/api/v1/batches/{tea['shop_lot'].id}/epcis?direction=back")
    assert answer.status_code == 200 and answer.mimetype == "application/ld+json"
    events = _validated(answer.json, epcis_validator)
    steps = [e.get("bizStep") for e in events]
    # the households' deliveries, the cooperative's drying, its shipping, the shop's receiving: one document
    assert steps.count("receiving") == 3 and "shipping" in steps
    assert any(e["type"] == "TransformationEvent" for e in events)
    assert len({e["eventID"] for e in events}) == len(events)
    # upstream first: the shipping comes before the shop's receiving
    assert steps.index("shipping") < len(steps) - 1 - steps[::-1].index("receiving")


def test_a_buyer_does_not_see_whom_else_its_supplier_ships_to(tea, chain, make_org, api_as, epcis_validator):
    other = make_org(name="Cửa hàng khác")
    chain.coop_api.post(
        "/api/v1/shipments",
        json={
            "batch_id": tea["dried"].id,
            "to_tax_code": other.tax_code,
            "quantity": "10",
            "shipped_on": "2026-10-05",
            "reference_doc": "HD-OTHER",
        },
    )
    events = _validated(
        chain.shop_api.get(f"/api/v1/batches/{tea['shop_lot'].id}/epcis?direction=back").json, epcis_validator
    )
    text = str(events)
    assert "HD-0042" in text and "HD-OTHER" not in text and other.tax_code not in text
    assert chain.shop_api.get(f"/api/v1/batches/{tea['dried'].id}/epcis").status_code == 404  # not its lot


def test_a_shipment_with_its_lots_is_one_document(tea, chain, make_user, api_as, epcis_validator):
    stored = chain.shop_api.post(
        f"/api/v1/batches/{tea['shop_lot'].id}/events",
        json={"type": "storing", "occurred_at": "2026-10-07T09:00:00+07:00", "note": "Kho mát"},
    )
    assert stored.status_code == 201, stored.json
    path = f"/api/v1/shipments/{tea['shipment']['id']}/epcis"
    for api in (chain.coop_api, chain.shop_api, api_as(make_user(Role.INSPECTOR))):
        answer = api.get(path)
        assert answer.status_code == 200
        steps = [e.get("bizStep") for e in _validated(answer.json, epcis_validator)]
        assert "shipping" in steps and "receiving" in steps
    assert api_as(make_user(Role.PRODUCER)).get(path).status_code == 404
    # the sender sees the buyer's receiving, not the buyer's other records of its lot
    sender = [e.get("bizStep") for e in chain.coop_api.get(path).json["epcisBody"]["eventList"]]
    buyer = [e.get("bizStep") for e in chain.shop_api.get(path).json["epcisBody"]["eventList"]]
    assert sender.count("receiving") == 1 and "storing" not in sender
    assert "storing" in buyer


def test_an_unknown_direction_is_refused_naming_the_field(tea, chain):
    answer = chain.shop_api.get(f"/api/v1/batches/{tea['shop_lot'].id}/epcis?direction=sideways")
    assert answer.status_code == 422 and "direction" in answer.json["errors"]["query"]
