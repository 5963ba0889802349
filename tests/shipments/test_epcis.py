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
