"""A GTIN alone (the EAN barcode on every pack), or with a lot or serial number the registry does not know: the
product's own page, with its own link set, instead of 404 (GS1 resolvers walk up the tree)."""

from __future__ import annotations

from sqlalchemy import func, select

from traceability.batches.models import BatchStatus
from traceability.codes.models import Scan

from .test_cache import PHONE, built  # noqa: F401  (fixture)

GTIN = "08936012345001"
EN = {"Accept-Language": "en"}
LINKSET = "application/linkset+json"


def _scan_count(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(Scan))


def test_a_gtin_alone_answers_the_product_page_in_vietnamese(client, published, make_product, make_org, db_session):
    org = make_org(name="HTX Chè Tân Cương", phone="0208 3855 123")
    product = make_product(org, gtin=GTIN, name="Chè móc câu", brand="Tân Cương Xanh", description="Chè búp")
    published(product=product, org=org)
    scans = _scan_count(db_session)
    response = client.get(f"/01/{GTIN}", headers=PHONE)
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    for shown in ("Chè móc câu", "HTX Chè Tân Cương", "Tân Cương Xanh", GTIN, "0208 3855 123"):
        assert shown in page
    assert "Quét hoặc nhập mã in cạnh số lô để kiểm tra lô hàng." in page
    assert 'action="/c/"' in page  # the code can be typed right there
    assert "<script" not in page
    assert _scan_count(db_session) == scans  # no code was read: nothing to count
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Link"] == (
        f'<https://registry.example/01/{GTIN}?linkType=linkset>; rel="linkset"; type="{LINKSET}"'
    )


def test_in_english(client, published, make_product):
    published(product=make_product(gtin=GTIN, name="Green tea"))
    page = client.get(f"/01/{GTIN}", headers=EN).get_data(as_text=True)
    assert "Scan or type the code printed beside the lot to check a batch." in page


def test_its_own_link_set_and_json(client, published, make_product):
    published(product=make_product(gtin=GTIN, name="Chè móc câu"))
    links = client.get(f"/01/{GTIN}?linkType=linkset").get_json()["linkset"]
    assert [entry["anchor"] for entry in links] == [f"https://registry.example/01/{GTIN}"]
    assert links[0]["itemDescription"] == "Chè móc câu"
    assert links[0]["https://gs1.org/voc/pip"][0]["href"] == f"https://registry.example/01/{GTIN}"
    facts = client.get(f"/01/{GTIN}", headers={"Accept": "application/json"}).get_json()
    assert facts["product"]["name"] == "Chè móc câu" and facts["product"]["gtin"] == GTIN
    assert facts["producer"]["name"] and facts["not_registered"] is None
    # a link of a batch is not a product's: there is no traceability link for a GTIN alone
    assert client.get(f"/01/{GTIN}?linkType=gs1:traceability").status_code == 404


def test_an_unknown_gtin_or_one_never_published_is_404(client, published, make_product, make_batch, make_org):
    assert client.get("/01/08936012345018", headers=PHONE).status_code == 404  # valid check digit, no product
    org = make_org()
    make_batch(org, product=make_product(org, gtin=GTIN), status=BatchStatus.DRAFT)
    published()  # some other product is published
    for uri in (f"/01/{GTIN}", f"/01/{GTIN}/10/KL8G"):
        response = client.get(uri, headers=PHONE)
        assert response.status_code == 404
        assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_an_unknown_lot_or_unit_code_walks_up_and_says_so(client, published, make_product, serial_code):
    batch, _code = published(product=make_product(gtin=GTIN, name="Chè móc câu"))
    unit = serial_code(batch)
    page = client.get(f"/01/{GTIN}/10/KL8G", headers=PHONE).get_data(as_text=True)
    assert "Chè móc câu" in page and "Lô KL8G của sản phẩm này không được đăng ký tại đây" in page
    page = client.get(f"/01/{GTIN}/21/NOT-OURS", headers={**PHONE, **EN}).get_data(as_text=True)
    assert "The unit code NOT-OURS is not registered here for this product" in page
    json = client.get(f"/01/{GTIN}/10/KL8G/21/{unit.value}", headers={"Accept": "application/json"}).get_json()
    assert json["not_registered"] == {"lot": "KL8G", "serial": unit.value}  # a real unit code of another lot
    # the link set of an unknown lot is the product's
    anchor = client.get(f"/01/{GTIN}/10/KL8G?linkType=linkset").get_json()["linkset"][0]["anchor"]
    assert anchor == f"https://registry.example/01/{GTIN}"


def test_a_withdrawn_unit_code_still_answers_410(client, published, make_product, serial_code, db_session):
    from traceability.db import utcnow

    batch, _code = published(product=make_product(gtin=GTIN))
    unit = serial_code(batch)
    unit.revoked_at, unit.revoked_reason = utcnow(), "Tem in hỏng"
    db_session.commit()
    assert client.get(f"/01/{GTIN}/21/{unit.value}", headers=PHONE).status_code == 410


def test_the_page_cache_keeps_each_query_form_apart(client, published, make_product, built):  # noqa: F811
    """A lot code's page kept in memory is never replayed for a request of another form: a link set, a redirect
    to one link, or a link type that does not exist."""
    _batch, code = published(product=make_product(gtin=None))
    page = f"/c/{code.value}"
    assert client.get(page, headers=PHONE).status_code == 200
    assert client.get(page, headers=PHONE).status_code == 200
    assert len(built) == 1  # the repeat came from memory
    linkset = client.get(page + "?linkType=linkset", headers=PHONE)
    assert linkset.status_code == 200 and linkset.mimetype == LINKSET
    redirect = client.get(page + "?linkType=gs1:certificationInfo", headers=PHONE)
    assert redirect.status_code == 307
    assert redirect.headers["Location"] == f"https://registry.example{page}#certifications"
    assert client.get(page + "?linkType=gs1:nosuchlt", headers=PHONE).status_code == 404
    assert client.get(page + "?linkType=gs1:certificationInfo", headers=PHONE).status_code == 307  # not kept
    assert client.get(page + "?linkType=linkset", headers=PHONE).mimetype == LINKSET  # kept as itself
