"""Sites, products and certifications through the workspace pages and the API."""

import io
import re
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from traceability.registry.models import Certification, Product, Site

from ..conftest import login

EN = {"Accept-Language": "en"}


def png(size=(2000, 1000)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (30, 120, 60)).save(out, "PNG")
    return out.getvalue()


def certificate(content: bytes, claimed: str, **values) -> dict:
    """The certification form with a document that claims to be of type `claimed`."""
    form = {"scheme": "VietGAP", "number": "VG-2026-1", "issuer": "QUACERT", "valid_from": "2026-01-01"}
    form.update(values)
    form["document"] = (io.BytesIO(content), "cert.pdf", claimed)
    return form


def test_create_a_site_with_gps(web, producer, db_session):
    response = web.post(
        "/app/sites/new",
        data={
            "kind": "growing_area",
            "name": "Đồi chè Khuôn Gà",
            "area_code": "VN-TNTC-0021",
            "province": "Thái Nguyên",
            "commune": "Tân Cương",
            "latitude": "21.571234",
            "longitude": "105.751234",
            "area_ha": "2.5",
        },
    )
    assert response.status_code == 302
    site = db_session.scalar(select(Site).where(Site.organization_id == producer.organization_id))
    assert site.name == "Đồi chè Khuôn Gà" and str(site.latitude) == "21.571234"
    assert "Đồi chè Khuôn Gà" in web.get("/app/sites").get_data(as_text=True)


def test_site_form_names_bad_fields_and_writes_nothing(web, producer, db_session):
    response = web.post(
        "/app/sites/new", data={"kind": "growing_area", "name": "X", "latitude": "95", "commune": ""}, headers=EN
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    for field in ("name", "latitude", "commune_code"):  # the commune: chosen from the list, or typed
        assert f'id="e-{field}"' in page, field
    assert "Between -90 and 90." in page
    assert db_session.scalar(select(Site).where(Site.organization_id == producer.organization_id)) is None


@pytest.mark.parametrize(
    ("gtin", "stored"),
    [("8936012345001", "08936012345001"), ("12345670", "00000012345670"), ("08936012345001", "08936012345001")],
)
def test_gtin_is_checked_and_stored_as_14_digits(api_as, producer, gtin, stored):
    response = api_as(producer).post(
        "/api/v1/products", json={"name": "Chè", "category": "tea", "unit": "kg", "gtin": gtin}
    )
    assert response.status_code == 201, response.json
    assert response.json["gtin"] == stored


def test_a_wrong_check_digit_is_named_as_such(api_as, producer, db_session):
    api = api_as(producer)
    db_session.commit()
    response = api.post(
        "/api/v1/products", json={"name": "Chè", "category": "tea", "unit": "kg", "gtin": "8936012345002"}, headers=EN
    )
    assert response.status_code == 422
    assert "check digit" in response.json["errors"]["json"]["gtin"][0]
    too_short = api.post(
        "/api/v1/products", json={"name": "Chè", "category": "tea", "unit": "kg", "gtin": "123"}, headers=EN
    )
    assert "8, 12, 13 or 14 digits" in too_short.json["errors"]["json"]["gtin"][0]


def test_a_gtin_belongs_to_one_product(api_as, producer, make_product, db_session):
    make_product(gtin="08936012345001")
    db_session.commit()
    response = api_as(producer).post(
        "/api/v1/products", json={"name": "Chè", "category": "tea", "unit": "kg", "gtin": "8936012345001"}
    )
    assert response.status_code == 422 and "gtin" in response.json["errors"]["json"]


def test_product_image_is_resized_and_served_only_to_those_allowed(web, producer, app, db_session, make_user, login_as):
    response = web.post(
        "/app/products/new",
        data={
            "name": "Chè móc câu",
            "category": "tea",
            "unit": "kg",
            "image": (io.BytesIO(png()), "leaf.png", "image/png"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    product = db_session.scalar(select(Product).where(Product.organization_id == producer.organization_id))
    image = web.get(f"/app/products/{product.id}/image")
    assert image.status_code == 200 and image.headers["X-Content-Type-Options"] == "nosniff"
    assert max(Image.open(io.BytesIO(image.data)).size) == 1200
    web.post("/logout")
    stranger = make_user()
    db_session.commit()
    assert login_as(stranger).get(f"/app/products/{product.id}/image").status_code == 404


@pytest.mark.parametrize(
    ("content", "claimed"),
    [
        (b"<html><script>alert(1)</script></html>", "application/pdf"),
        (b"MZ\x90\x00 not a pdf", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n broken png", "image/png"),
    ],
)
def test_forged_documents_are_refused(web, producer, db_session, content, claimed):
    response = web.post(
        "/app/certifications",
        data=certificate(content, claimed),
        content_type="multipart/form-data",
        headers=EN,
    )
    assert response.status_code == 422
    assert "Upload a PDF, JPEG, PNG or WebP file." in response.get_data(as_text=True)
    assert (
        db_session.scalar(select(Certification).where(Certification.organization_id == producer.organization_id))
        is None
    )


def test_too_large_documents_are_refused(web, app, db_session):
    app.config["UPLOAD_MAX_BYTES"] = 1024
    try:
        response = web.post(
            "/app/certifications",
            data=certificate(b"%PDF-1.4\n" + b"0" * 2000, "application/pdf"),
            content_type="multipart/form-data",
            headers=EN,
        )
    finally:
        app.config.pop("UPLOAD_MAX_BYTES")
    assert response.status_code == 422 and "larger than" in response.get_data(as_text=True)


def test_certificate_document_is_kept_and_shown_to_inspectors(web, producer, db_session, make_user, login_as):
    response = web.post(
        "/app/certifications",
        data=certificate(b"%PDF-1.4\n%test\n", "application/octet-stream", valid_to="2027-12-31"),
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    cert = db_session.scalar(select(Certification).where(Certification.organization_id == producer.organization_id))
    assert cert.document_type == "application/pdf"
    assert web.get(f"/app/certifications/{cert.id}/document").data.startswith(b"%PDF-")
    web.post("/logout")
    inspector = make_user("inspector")
    db_session.commit()
    assert login_as(inspector).get(f"/app/certifications/{cert.id}/document").status_code == 200


def test_another_organisations_rows_answer_404_in_pages(web, make_site, make_product, make_batch, db_session):
    batch = make_batch()
    db_session.commit()
    assert web.get(f"/app/sites/{batch.site_id}").status_code == 404
    assert web.get(f"/app/products/{batch.product_id}").status_code == 404
    assert web.get(f"/app/batches/{batch.id}").status_code == 404
    assert web.post(f"/app/batches/{batch.id}/publish").status_code == 404


def test_a_refused_certificate_stores_nothing_but_keeps_its_file_for_the_corrected_form(web, app, producer, db_session):
    upload_dir = Path(app.config["UPLOAD_DIR"])

    def stored() -> set[Path]:
        return {p for p in upload_dir.rglob("*") if p.is_file() and "pending" not in p.parts}

    def pending() -> set[Path]:
        return {p for p in (upload_dir / "pending").rglob("*") if p.is_file()}

    first = web.post(
        "/app/certifications",
        data=certificate(b"%PDF-1.4\n%a\n", "application/pdf"),
        content_type="multipart/form-data",
    )
    assert first.status_code == 302
    before = stored()
    again = web.post(
        "/app/certifications",
        data=certificate(b"%PDF-1.4\n%b\n", "application/pdf"),
        content_type="multipart/form-data",
    )
    assert again.status_code == 422  # the same scheme and number again
    assert stored() == before  # no row, no stored file
    assert len(pending()) == 1
    page = again.get_data(as_text=True)
    assert "cert.pdf" in page and 'id="kept-document"' in page
    token = re.search(r'name="document_kept" value="([^"]+)"', page).group(1)

    # corrected without choosing the file again: the kept file becomes the certificate's document
    fixed = {k: v for k, v in certificate(b"", "application/pdf", number="VG-2026-2").items() if k != "document"}
    saved = web.post("/app/certifications", data={**fixed, "document_kept": token})
    assert saved.status_code == 302
    cert = db_session.scalar(select(Certification).where(Certification.number == "VG-2026-2"))
    assert (upload_dir / cert.document_path).read_bytes() == b"%PDF-1.4\n%b\n"
    assert pending() == set()  # taken over by the row


def test_a_kept_file_token_of_another_organisation_is_ignored(web, app, make_user, db_session):
    stranger = make_user()
    db_session.commit()
    other = app.test_client()
    login(other, stranger)
    refused = other.post(
        "/app/certifications",
        data=certificate(b"%PDF-1.4\n%c\n", "application/pdf", valid_from="not a date"),
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422
    token = re.search(r'name="document_kept" value="([^"]+)"', refused.get_data(as_text=True)).group(1)
    fixed = {k: v for k, v in certificate(b"", "application/pdf", number="VG-X").items() if k != "document"}
    assert web.post("/app/certifications", data={**fixed, "document_kept": token}).status_code == 302
    cert = db_session.scalar(select(Certification).where(Certification.number == "VG-X"))
    assert cert.document_path is None


def test_a_product_image_is_kept_when_another_field_is_wrong(web, app, producer, db_session):
    refused = web.post(
        "/app/products/new",
        data={"name": "", "category": "tea", "unit": "kg", "image": (io.BytesIO(png((40, 30))), "anh-che.png")},
        content_type="multipart/form-data",
        headers=EN,
    )
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "File kept: anh-che.png" in page
    token = re.search(r'name="image_kept" value="([^"]+)"', page).group(1)
    saved = web.post(
        "/app/products/new",
        data={"name": "Chè búp", "category": "tea", "unit": "kg", "image": (io.BytesIO(b""), ""), "image_kept": token},
        content_type="multipart/form-data",
    )
    assert saved.status_code == 302
    product = db_session.scalar(select(Product).where(Product.name == "Chè búp"))
    assert product.image_path and (Path(app.config["UPLOAD_DIR"]) / product.image_path).is_file()
