"""Resolving what a consumer scanned or typed: every answer has its own status code, never 200 for an error."""

from __future__ import annotations

from traceability.batches.models import BatchStatus
from traceability.codes.identifiers import grouped, new_code
from traceability.codes.urls import code_url
from traceability.db import utcnow

GTIN = "08936012345001"
API_KEYS = {
    "product",
    "producer",
    "origin",
    "batch",
    "inputs",
    "events",
    "chemicals",
    "lab_tests",
    "certifications",
    "inspections",
    "status",
    "warnings",
    "verification",
}


def test_page_of_a_published_lot_code(client, published, with_records):
    batch, code = published(gtin=GTIN)
    with_records(batch)
    response = client.get(f"/c/{code.value}")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert batch.product.name in html
    assert batch.organization.name in html and batch.organization.address in html
    assert "VN-TNTC-0099" in html  # planting-area code of the origin
    assert 'href="geo:21.570000,105.750000"' in html  # the phone's map app, no tiles
    assert grouped(code.value) in html
    assert "Reasgant 3.6EC" in html


def test_code_in_any_case_and_grouping_redirects_to_its_canonical_page(client, published):
    _batch, code = published()
    response = client.get(f"/c/{grouped(code.value).lower()}")
    assert response.status_code == 301
    assert response.headers["Location"].endswith(f"/c/{code.value}")


def test_the_start_page_form_redirects_to_the_code(client, published):
    _batch, code = published()
    response = client.get("/c/", query_string={"code": f" {grouped(code.value).lower()} "})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/c/{code.value}")


def _mistype(value: str) -> str:
    last = value[-1]
    return value[:-1] + ("0" if last != "0" else "1")


def test_a_wrong_check_character_says_mistyped_and_offers_to_retype(client, published):
    _batch, code = published()
    for response in (
        client.get(f"/c/{_mistype(code.value)}"),
        client.get("/c/", query_string={"code": _mistype(code.value)}),
    ):
        assert response.status_code == 400
        html = response.get_data(as_text=True)
        assert "Mã nhập sai" in html  # Vietnamese by default: "mistyped code"
        assert 'name="code"' in html


def test_an_unknown_code_is_404_possibly_fake_with_how_to_report(client):
    response = client.get(f"/c/{new_code()}")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "có thể là hàng giả" in html
    assert "/report" in html


def test_a_draft_batch_code_is_not_registered(client, make_batch, db_session):
    from traceability.codes.services import issue_lot_code

    batch = make_batch(status=BatchStatus.DRAFT)
    code = issue_lot_code(db_session, batch)
    db_session.commit()
    assert client.get(f"/c/{code.value}").status_code == 404


def test_a_revoked_code_is_410(client, published, db_session):
    _batch, code = published()
    code.revoked_at = utcnow()
    code.revoked_reason = "Nhãn in lỗi"
    db_session.commit()
    response = client.get(f"/c/{code.value}")
    assert response.status_code == 410
    assert "Nhãn in lỗi" in response.get_data(as_text=True)
    response = client.get(f"/c/{code.value}", headers={"Accept": "application/json"})
    assert response.status_code == 410
    assert response.get_json()["reason"] == "revoked"


def test_not_a_code_at_all_is_400(client):
    response = client.get("/c/ABC", headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.get_json()["reason"] == "malformed"


def test_digital_link_lot_serial_and_padded_gtin(client, published, serial_code):
    batch, _code = published(gtin=GTIN)
    unit = serial_code(batch)
    assert client.get(f"/01/{GTIN}/10/{batch.lot_code}").status_code == 200
    assert client.get(f"/01/8936012345001/10/{batch.lot_code}").status_code == 200  # GTIN-13 padded
    assert client.get(f"/01/{GTIN}/10/{batch.lot_code}/21/{unit.value}").status_code == 200
    assert client.get(f"/01/{GTIN}/21/{unit.value}").status_code == 200
    assert client.get(f"/01/{GTIN}/22/TRA200G/10/{batch.lot_code}").status_code == 200
    facts = client.get(f"/01/{GTIN}/21/{unit.value}", headers={"Accept": "application/json"}).get_json()
    assert facts["verification"]["code_kind"] == "serial"
    assert facts["batch"]["url"].endswith(f"/01/{GTIN}/10/{batch.lot_code}/21/{unit.value}")


def test_digital_link_errors(client, published, serial_code):
    batch, _code = published(gtin=GTIN)
    unit = serial_code(batch)
    assert client.get(f"/01/08936012345002/10/{batch.lot_code}").status_code == 400  # check digit
    assert client.get(f"/01/{GTIN}/21/{unit.value}/10/{batch.lot_code}").status_code == 400  # out of order
    assert client.get(f"/01/{GTIN}/99/X").status_code == 400  # not a qualifier of a GTIN
    assert client.get(f"/01/{GTIN}/10/{'A' * 21}").status_code == 400  # lot longer than AI 10 allows
    # a lot or serial we do not know walks up to the product, saying what is not registered (test_product_page.py)
    for unknown in ("10/NO-SUCH-LOT", f"10/OTHER-LOT/21/{unit.value}"):
        page = client.get(f"/01/{GTIN}/{unknown}", headers={"Accept": "application/json"}).get_json()
        assert page["not_registered"]["lot"] in ("NO-SUCH-LOT", "OTHER-LOT")
    assert client.get("/01/08936012345018/10/ANY").status_code == 404  # a valid GTIN we do not know
    body = client.get(f"/01/{GTIN}/21/X/10/Y", headers={"Accept": "application/json"}).get_json()
    assert body["code"] == 400 and body["reason"] == "malformed"


def test_json_has_exactly_the_documented_facts(client, published, with_records):
    batch, code = published(gtin=GTIN)
    with_records(batch)
    response = client.get(f"/c/{code.value}", headers={"Accept": "application/json"})
    assert response.status_code == 200 and response.mimetype == "application/json"
    facts = response.get_json()
    assert set(facts) >= API_KEYS
    assert facts["status"] == "published" and facts["warnings"] == []
    assert facts["verification"] == {
        "genuine": True,
        "code_kind": "lot",
        "scan_count": None,
        "first_scanned_at": None,
        "suspected_copy": False,
    }
    assert facts["product"]["gtin"] == GTIN
    assert facts["origin"]["area_code"] == "VN-TNTC-0099" and facts["origin"]["geo_uri"].startswith("geo:")
    assert facts["events"][0]["type"] == "harvesting"
    chemical = facts["chemicals"][0]
    assert (chemical["phi_days"], chemical["days_before_harvest"], chemical["phi_respected"]) == (7, 11, True)
    assert chemical["dose"] == 0.3 and isinstance(facts["batch"]["quantity"], int | float)  # numbers, not strings


def test_link_set_by_query_and_by_accept(client, published):
    batch, code = published(gtin=GTIN)
    anchor = f"https://registry.example/01/{GTIN}/10/{batch.lot_code}"
    for response in (
        client.get(f"/01/{GTIN}/10/{batch.lot_code}?linkType=all"),
        client.get(f"/c/{code.value}", headers={"Accept": "application/linkset+json"}),
    ):
        assert response.status_code == 200
        assert response.mimetype == "application/linkset+json"
        (context,) = response.get_json()["linkset"]
        assert context["anchor"] == anchor
        for link_type in ("defaultLink", "pip", "traceability", "certificationInfo", "recallStatus"):
            targets = context[f"https://gs1.org/voc/{link_type}"]
            assert targets and all(t["href"].startswith(anchor) for t in targets)
        assert {t["type"] for t in context["https://gs1.org/voc/traceability"]} == {"application/json", "text/html"}
    page = client.get(f"/c/{code.value}")
    assert 'rel="linkset"' in page.headers["Link"]


def test_resolver_description(client):
    response = client.get("/.well-known/gs1resolver")
    assert response.status_code == 200
    description = response.get_json()
    assert description["resolverRoot"] == "https://registry.example"
    assert description["supportedPrimaryKeys"] == ["01"]
    assert "gs1:pip" in description["linkTypes"]


def test_english_by_switch_or_browser_language(client, published):
    _batch, code = published()
    assert "Registered code" in client.get(f"/c/{code.value}?lang=en").get_data(as_text=True)
    other = client.application.test_client()
    html = other.get(f"/c/{code.value}", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert "Registered code" in html
    assert "Mã đã đăng ký" in other.get(f"/c/{code.value}", headers={"Accept-Language": "vi"}).get_data(as_text=True)


def test_page_weight_without_image_is_under_30_kb(client, published, with_records, db_session):
    batch, code = published(gtin=GTIN)
    for _ in range(5):
        with_records(batch)
    html = client.get(f"/c/{code.value}").data
    css = b"".join(client.get(f"/static/css/{name}").data for name in ("app.css", "public.css"))
    assert len(html) + len(css) < 30 * 1024
    assert b"<script" not in html  # works without JavaScript


def test_a_lot_number_with_an_escaped_slash(client, published):
    batch, _code = published(gtin=GTIN, lot_code="TCX/26-10")
    response = client.get(f"/01/{GTIN}/10/TCX%2F26-10", headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.get_json()["batch"]["lot_code"] == batch.lot_code
    assert response.get_json()["batch"]["url"].endswith(f"/01/{GTIN}/10/TCX%2F26-10")


def test_the_product_image_is_served_with_the_page(client, published, make_org, make_product, app):
    from pathlib import Path

    image = Path(app.config["UPLOAD_DIR"]) / "products" / "che.jpg"
    image.parent.mkdir(parents=True, exist_ok=True)
    image.write_bytes(b"\xff\xd8\xff\xe0 a jpeg")
    org = make_org()
    _batch, code = published(org=org, product=make_product(org, image_path="products/che.jpg"))
    html = client.get(f"/c/{code.value}").get_data(as_text=True)
    assert f'src="/c/{code.value}/image"' in html
    response = client.get(f"/c/{code.value}/image")
    assert response.status_code == 200 and response.data.startswith(b"\xff\xd8")
    _other, plain = published()
    assert client.get(f"/c/{plain.value}/image").status_code == 404


def test_the_url_a_label_carries_resolves_to_its_page(client, published, serial_code):
    # the label's URL (codes.urls) and the resolver read one another: "/" and "+" in a lot are percent-encoded
    batch, code = published(gtin=GTIN, lot_code="TN/2026+7")
    unit = serial_code(batch)
    with client.application.test_request_context():
        lot_url, unit_url = code_url(code), code_url(unit)
    assert lot_url.endswith(f"/01/{GTIN}/10/TN%2F2026%2B7")
    for url, kind in ((lot_url, "lot"), (unit_url, "serial")):
        response = client.get(url, headers={"Accept": "application/json"})
        assert response.status_code == 200
        assert response.get_json()["verification"]["code_kind"] == kind
        assert response.get_json()["batch"]["lot_code"] == "TN/2026+7"
        assert response.headers["Link"].startswith(f"<{url}?linkType=linkset>")


def test_a_malformed_link_names_the_reason(client):
    body = client.get("/01/08936012345002/10/L1", headers={"Accept": "application/json", "Accept-Language": "en"})
    assert body.status_code == 400
    assert "check digit" in body.get_json()["message"].lower()
