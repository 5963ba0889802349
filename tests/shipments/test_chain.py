"""One chain across organisations: households → cooperative → shop. Genealogy, the trace, the recall and the
consumer's page all cross organisations, and each organisation sees only what the rules let it see."""

from decimal import Decimal

from traceability.accounts.models import Role
from traceability.batches.genealogy import ancestors
from traceability.batches.models import BatchStatus
from traceability.codes.services import lot_code_for
from traceability.shipments.services import affected_organisations


def _page(client, db_session, batch):
    code = lot_code_for(db_session, batch)
    return client.get(f"/c/{code.value}", headers={"Accept": "application/json"})


def test_genealogy_crosses_organisations(tea, db_session):
    found = ancestors(db_session, tea["shop_lot"].id)
    assert set(found) == {tea["dried"].id, *(lot.id for lot in tea["households"])}


def test_the_consumer_page_of_the_shops_lot_tells_the_chain(tea, chain, client, db_session):
    answer = _page(client, db_session, tea["shop_lot"])
    assert answer.status_code == 200
    actors = answer.json["chain"]
    assert [a["name"] for a in actors] == ["Hộ Lê Thị Bình", "Hộ Nguyễn Văn An", chain.coop.name, chain.shop.name]
    households = actors[:2]
    assert all(a["role"] == "grower" and a["declared_by"] == chain.coop.name and not a["verified"] for a in households)
    assert {a["place"] for a in households} == {"Tân Cương, VN-TNTC-0012", "Tân Cương, VN-TNTC-0013"}
    coop, shop = actors[2], actors[3]
    assert coop == {
        "name": chain.coop.name,
        "verified": True,
        "role": "processor",
        "place": coop["place"],
        "date": "2026-10-01",
        "declared_by": None,
    }
    assert shop["role"] == "trader" and shop["date"] == "2026-10-06" and shop["place"].startswith("Hoàn Kiếm, Hà Nội")
    # the shop's lot shows the cooperative's product as the cooperative published it
    assert answer.json["product"]["name"] == tea["dried"].product.name
    html = client.get(f"/c/{lot_code_for(db_session, tea['shop_lot']).value}").get_data(as_text=True)
    assert "Hộ Nguyễn Văn An" in html and chain.coop.name in html


def test_a_recall_of_a_households_delivery_shows_at_once_on_the_shops_page(
    tea, chain, client, make_user, api_as, db_session
):
    inspector = api_as(make_user(Role.INSPECTOR))
    household_lot = tea["households"][0]
    assert inspector.post(f"/api/v1/batches/{household_lot.id}/recall", json={"reason": "Dư lượng"}).status_code == 200
    answer = _page(client, db_session, tea["shop_lot"]).json
    assert answer["status"] == "recalled"
    recall = [w for w in answer["warnings"] if w["kind"] == "recall"]
    assert recall and household_lot.lot_code in recall[0]["message"]
    assert [o.id for o in affected_organisations(db_session, household_lot)] == [chain.shop.id]


def test_the_shop_workspace_shows_an_upstream_recall(tea, chain, login_as, make_user, api_as):
    inspector = api_as(make_user(Role.INSPECTOR))
    inspector.post(f"/api/v1/batches/{tea['dried'].id}/recall", json={"reason": "Nấm mốc"})
    web = login_as(chain.shop_user)
    page = web.get("/app/shipments").get_data(as_text=True)
    assert "CTK-DRY" in page and "Nấm mốc" in page
    batch_page = web.get(f"/app/batches/{tea['shop_lot'].id}", headers={"Accept-Language": "vi"})
    assert "Được làm từ lô CTK-DRY" in batch_page.get_data(as_text=True)


def test_shipping_a_lot_whose_input_was_recalled_is_refused(tea, chain, make_user, api_as, make_org):
    api_as(make_user(Role.INSPECTOR)).post(
        f"/api/v1/batches/{tea['households'][1].id}/recall", json={"reason": "Dư lượng"}
    )
    again = chain.shop_api.post(
        "/api/v1/shipments",
        json={
            "batch_id": tea["shop_lot"].id,
            "to_tax_code": make_org().tax_code,
            "quantity": "1",
            "shipped_on": "2026-10-07",
            "reference_doc": "HD-1",
        },
    )
    assert again.status_code == 422 and "batch_id" in again.json["errors"]["json"]


def test_the_trace_crosses_organisations_within_what_each_may_see(
    tea, chain, make_batch, make_org, make_user, api_as, db_session
):
    # the shop makes a gift box (published) and a draft from its lot; a third organisation buys a gift box
    box = make_batch(
        chain.shop, status=BatchStatus.PUBLISHED, lot_code="BOX-1", quantity=Decimal(10), inputs=[(tea["shop_lot"], 10)]
    )
    make_batch(chain.shop, lot_code="DRAFT-9", quantity=Decimal(5), inputs=[(tea["shop_lot"], 5)])
    third = make_org(name="Siêu thị")
    make_batch(third, status=BatchStatus.PUBLISHED, lot_code="MKT-1", quantity=Decimal(2), inputs=[(box, 2)])

    def lots(api, batch, direction):
        rows = api.get(f"/api/v1/batches/{batch.id}/trace?direction={direction}").json["rows"]
        return {r["lot_code"] for r in rows}

    # the cooperative sees one step forward: the shop's received lot and its published box, not its draft,
    # nor what the supermarket made
    forward = lots(chain.coop_api, tea["dried"], "forward")
    assert {"CTK-DRY", "BOX-1"} <= forward and "DRAFT-9" not in forward and "MKT-1" not in forward
    # the shop sees the cooperative's published lots upstream, down to the households' deliveries
    back = lots(chain.shop_api, box, "back")
    assert {"BOX-1", "CTK-DRY", tea["households"][0].lot_code} <= back
    # inspectors see everything
    everything = lots(api_as(make_user(Role.INSPECTOR)), tea["dried"], "both")
    assert {"DRAFT-9", "MKT-1", "BOX-1"} <= everything


def test_each_downstream_organisation_gets_a_notice_of_the_recall(tea, chain, make_user, api_as, db_session):
    from sqlalchemy import select

    from traceability.notices.models import Notice

    inspector = api_as(make_user(Role.INSPECTOR))
    inspector.post(f"/api/v1/batches/{tea['households'][0].id}/recall", json={"reason": "Dư lượng"})
    told = db_session.scalars(select(Notice).where(Notice.user_id == chain.shop_user.id).order_by(Notice.id)).all()
    assert [n.kind for n in told] == ["shipment_sent", "input_recalled"]  # the shipment's arrival, then the recall
    assert told[1].params["input"] == tea["households"][0].lot_code
