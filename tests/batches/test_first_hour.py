"""A new producer's first hour: the steps on the workspace home, what the batch form asks for first, the fields
needed to publish, the GTIN said before the form is sent, amendments in the fact's own input, confirmations before
deleting, and one record per spraying."""

import datetime as dt
import re

import pytest
from sqlalchemy import select

from traceability.accounts.models import OrgStatus, Role
from traceability.batches.models import Batch, BatchStatus, ChemicalApplication, ChemicalPurpose, Event, EventType
from traceability.codes.models import Scan
from traceability.codes.services import lot_code_for

from ..conftest import login

EN = {"Accept-Language": "en"}


def _steps(html: str) -> dict[str, tuple[str, bool]]:
    """{step: (its link, done)} as the home page shows them, in order."""
    found = re.findall(r'<li class="(done|todo)-step[^"]*" data-step="(\w+)">\s*<a href="([^"]+)"', html)
    return {key: (url, state == "done") for state, key, url in found}


@pytest.fixture
def newcomer(app, make_org, make_user, db_session):
    org = make_org(status=OrgStatus.PENDING)
    user = make_user(Role.PRODUCER, org)
    db_session.commit()
    client = app.test_client()
    login(client, user)
    return client, org


def test_the_home_page_walks_a_new_organisation_through_its_first_steps(
    newcomer, make_site, make_product, make_batch, db_session
):
    client, org = newcomer
    steps = _steps(client.get("/app/", headers=EN).get_data(as_text=True))
    assert list(steps) == ["site", "product", "batch", "publish", "print"]
    assert not any(done for _url, done in steps.values())
    assert steps["site"][0] == "/app/sites/new" and steps["product"][0] == "/app/products/new"

    site = make_site(org)
    product = make_product(org)
    draft = make_batch(org, product=product, site=site)
    db_session.commit()
    steps = _steps(client.get("/app/", headers=EN).get_data(as_text=True))
    assert [done for _url, done in steps.values()] == [True, True, True, False, False]
    assert steps["publish"][0] == f"/app/batches/{draft.id}"  # the draft waiting to be published

    published = make_batch(org, product=product, site=site, status=BatchStatus.PUBLISHED)
    db_session.commit()
    steps = _steps(client.get("/app/", headers=EN).get_data(as_text=True))
    assert steps["publish"][1] and not steps["print"][1]
    assert steps["print"][0] == f"/app/batches/{published.id}/codes"

    code = lot_code_for(db_session, published)
    db_session.add(Scan(code_id=code.id, client_hash="x" * 64))
    db_session.commit()
    html = client.get("/app/", headers=EN).get_data(as_text=True)
    assert all(done for _url, done in _steps(html).values())
    assert '<details class="card" id="first-steps" >' in html  # all done: folded away


def test_the_batch_form_says_what_to_create_first_and_marks_what_publishing_needs(newcomer, make_product, db_session):
    client, org = newcomer
    html = client.get("/app/batches/new", headers=EN).get_data(as_text=True)
    assert 'id="prerequisites"' in html
    assert 'href="/app/sites/new"' in html and 'href="/app/products/new"' in html

    make_product(org)
    db_session.commit()
    html = client.get("/app/batches/new", headers=EN).get_data(as_text=True)
    assert "Register a site first" in html and "Register a product first" not in html
    # the origin site and the dates publishing needs carry the mark the legend explains
    for name in ("site_id", "harvested_on", "produced_on"):
        label = re.search(rf'<label for="f-{name}">(.*?)</label>', html, re.S).group(1)
        assert 'class="pub"' in label, name
    assert 'class="pub"' not in re.search(r'<label for="f-note">(.*?)</label>', html, re.S).group(1)
    assert "Needed to publish: the origin site, and the harvest date or the production date." in html


def test_a_gtin_is_checked_as_it_is_typed(newcomer, web, db_session):
    client, _org = newcomer
    form = client.get("/app/products/new").get_data(as_text=True)
    check_url = re.search(r'data-check-url="([^"]+)"', form).group(1).replace("&amp;", "&")
    assert "field-check.js" in form
    pending = client.get(check_url + "?gtin=08936012345001", headers=EN).get_json()
    assert pending["errors"] == ["A GTIN can be registered once the organisation is verified."]
    assert client.get(check_url + "?gtin=08936012345002", headers=EN).get_json()["errors"]  # wrong check digit
    assert client.get(check_url + "?gtin=", headers=EN).get_json() == {"errors": []}
    # a verified organisation may register it: nothing to say
    assert web.get("/app/products/check-gtin?gtin=08936012345001").get_json() == {"errors": []}


def test_a_gtin_check_of_another_organisations_product_answers_404(newcomer, make_product, db_session):
    client, _org = newcomer
    theirs = make_product()
    db_session.commit()
    assert client.get(f"/app/products/check-gtin?product_id={theirs.id}&gtin=1").status_code == 404


@pytest.fixture
def published(web, producer, make_site, make_batch, db_session):
    org = producer.organization
    batch = make_batch(org, status=BatchStatus.PUBLISHED, site=make_site(org, name="Đồi Hồng Thái"))
    make_site(org, name="Đồi Nam Trần")
    db_session.commit()
    return batch


def test_the_amendment_form_offers_the_facts_own_input(web, published, db_session):
    first = web.get(f"/app/batches/{published.id}", headers=EN).get_data(as_text=True)
    amendment = re.search(r'<details class="card" id="form-amendment".*?</details>', first, re.S).group(0)
    assert 'name="amend"' in amendment and 'name="value"' not in amendment  # the fact is chosen first

    sites = web.get(f"/app/batches/{published.id}?amend=site_id", headers=EN).get_data(as_text=True)
    value = re.search(r'<select id="f-value" name="value".*?</select>', sites, re.S).group(0)
    assert "Đồi Hồng Thái" in value and "Đồi Nam Trần" in value
    assert re.search(rf'<option value="{published.site_id}" selected>Đồi Hồng Thái', value)
    assert "by its number" not in sites

    dates = web.get(f"/app/batches/{published.id}?amend=harvested_on", headers=EN).get_data(as_text=True)
    assert re.search(r'<input id="f-value" name="value" type="date" value="2026-10-01"', dates)
    quantity = web.get(f"/app/batches/{published.id}?amend=quantity", headers=EN).get_data(as_text=True)
    assert re.search(r'<input id="f-value" name="value" type="text" value="100" [^>]*inputmode="decimal"', quantity)

    other = db_session.scalar(select(Batch.site_id).where(Batch.id == published.id))
    nam_tran = web.get(f"/app/batches/{published.id}?amend=site_id").get_data(as_text=True)
    new_site = int(re.search(r'<option value="(\d+)" >Đồi Nam Trần', nam_tran).group(1))
    assert new_site != other
    saved = web.post(
        f"/app/batches/{published.id}/records/amendment",
        data={"field": "site_id", "value": str(new_site), "reason": "Nhầm đồi khi nhập"},
    )
    assert saved.status_code == 302
    db_session.expire_all()
    assert db_session.get(Batch, published.id).site_id == new_site

    refused = web.post(
        f"/app/batches/{published.id}/records/amendment",
        data={"field": "quantity", "value": "", "reason": "Cân lại"},
        headers=EN,
    )
    assert refused.status_code == 422  # shown again with the quantity's own input and the message
    assert re.search(r'<input id="f-value" name="value" type="text"', refused.get_data(as_text=True))


def test_deleting_asks_first(web, producer, make_batch, db_session):
    batch = make_batch(producer.organization)
    chem = ChemicalApplication(
        batch=batch,
        applied_on=dt.date(2026, 9, 1),
        trade_name="Actara 25WG",
        active_ingredient="Thiamethoxam",
        purpose=ChemicalPurpose.INSECTICIDE,
    )
    db_session.add(chem)
    db_session.commit()
    page = web.get(f"/app/batches/{batch.id}", headers=EN).get_data(as_text=True)
    assert f'href="/app/batches/{batch.id}/delete"' in page
    assert f'href="/app/batches/{batch.id}/records/chemical/delete?record_id={chem.id}"' in page

    confirm = web.get(f"/app/batches/{batch.id}/records/chemical/delete?record_id={chem.id}", headers=EN)
    assert confirm.status_code == 200 and "Actara 25WG" in confirm.get_data(as_text=True)
    assert db_session.get(ChemicalApplication, chem.id) is not None  # asking deletes nothing
    confirm = web.get(f"/app/batches/{batch.id}/delete", headers=EN).get_data(as_text=True)
    assert "cannot be undone" in confirm and batch.lot_code in confirm
    assert web.get(f"/app/batches/{batch.id}/records/chemical/delete?record_id=999999").status_code == 404

    assert web.post(f"/app/batches/{batch.id}/delete").status_code == 302
    db_session.expire_all()
    assert db_session.get(Batch, batch.id) is None


def test_a_spraying_is_recorded_once_as_its_chemical_application(web, producer, make_batch, db_session):
    batch = make_batch(producer.organization)
    db_session.commit()
    form = web.get(f"/app/batches/{batch.id}", headers=EN).get_data(as_text=True)
    event_types = re.search(r'<select id="f-type" name="type".*?</select>', form, re.S).group(0)
    assert 'value="spraying"' not in event_types and 'value="fertilizing"' in event_types
    refused = web.post(
        f"/app/batches/{batch.id}/records/event",
        data={"type": "spraying", "occurred_at": "2026-09-01T07:00"},
        headers=EN,
    )
    assert refused.status_code == 422
    assert "Record a spraying as a chemical application" in refused.get_data(as_text=True)
    assert db_session.scalar(select(Event.id).where(Event.batch_id == batch.id)) is None


def test_a_spraying_event_kept_from_before_shows_once_with_its_application(make_batch, db_session):
    batch = make_batch()
    local = dt.timezone(dt.timedelta(hours=7))
    db_session.add_all(
        [
            Event(batch=batch, type=EventType.SPRAYING, occurred_at=dt.datetime(2026, 9, 1, 6, tzinfo=local)),
            Event(batch=batch, type=EventType.SPRAYING, occurred_at=dt.datetime(2026, 9, 5, 6, tzinfo=local)),
            Event(batch=batch, type=EventType.FERTILIZING, occurred_at=dt.datetime(2026, 9, 1, 7, tzinfo=local)),
            ChemicalApplication(
                batch=batch,
                applied_on=dt.date(2026, 9, 1),
                trade_name="Actara 25WG",
                active_ingredient="Thiamethoxam",
                purpose=ChemicalPurpose.INSECTICIDE,
            ),
        ]
    )
    db_session.commit()
    db_session.refresh(batch)
    shown = [(e.type.value, e.occurred_at.astimezone(local).day) for e in batch.diary_events]
    # the 1 September spraying is its application's; the one with no application stays
    assert shown == [("fertilizing", 1), ("spraying", 5)]
