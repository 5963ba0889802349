"""Inspectors' records show shipments: a lot's shipments in and out, an organisation's shipments, and the
organisations a recall reaches downstream."""

from __future__ import annotations

from traceability.accounts.models import Role


def test_the_lot_record_shows_its_shipments_in_and_out(tea, chain, make_user, login_as):
    client = login_as(make_user(Role.INSPECTOR))
    dried = client.get(f"/inspect/batches/{tea['dried'].id}").get_data(as_text=True)
    section = dried.split('id="shipments"', 1)[1].split("</section>", 1)[0]
    assert "HD-0042" in section and chain.shop.name in section and "30" in section and "Đã nhận" in section
    shop_lot = client.get(f"/inspect/batches/{tea['shop_lot'].id}").get_data(as_text=True)
    section = shop_lot.split('id="shipments"', 1)[1].split("</section>", 1)[0]
    assert "HD-0042" in section and chain.coop.name in section
    household = client.get(f"/inspect/batches/{tea['households'][0].id}").get_data(as_text=True)
    section = household.split('id="shipments"', 1)[1].split("</section>", 1)[0]
    assert "Hộ Nguyễn Văn An" in section and "VN-TNTC-0012" in section


def test_the_organisation_record_lists_its_shipments(tea, chain, make_user, login_as, ship):
    ship(to_tax_code="4600998877", invite=True)  # to a buyer not registered yet
    client = login_as(make_user(Role.INSPECTOR))
    page = client.get(f"/inspect/organizations/{chain.coop.id}").get_data(as_text=True)
    rows = page.split('id="org-shipments"', 1)[1]
    assert "HD-0042" in rows and "PX-0001" in rows and "4600998877" in rows
    assert client.get("/inspect/organizations/999999").status_code == 404
    assert login_as(chain.coop_user).get(f"/inspect/organizations/{chain.coop.id}").status_code == 403


def test_the_recall_reach_names_the_organisations_downstream(tea, chain, make_user, api_as, login_as):
    inspector = make_user(Role.INSPECTOR)
    household = tea["households"][0]
    assert (
        api_as(inspector).post(f"/api/v1/batches/{household.id}/recall", json={"reason": "Dư lượng"}).status_code == 200
    )
    page = login_as(inspector).get(f"/inspect/batches/{household.id}").get_data(as_text=True)
    reached = page.split('id="reached"', 1)[1].split("</ul>", 1)[0]
    assert chain.shop.name in reached and chain.shop.tax_code in reached
    assert chain.coop.name not in reached  # the lot's own organisation is not "downstream"
