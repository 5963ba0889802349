"""Product images and certificate documents through the API (multipart/form-data), and the files they replace."""

from __future__ import annotations

import datetime as dt
import io
import os
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from traceability import db
from traceability.accounts.models import Role
from traceability.registry.models import Certification, Product

from ..conftest import failing_commit

EN = {"Accept-Language": "en"}
PDF = b"%PDF-1.4\n%certificate\n"


def png(size=(2000, 1000), colour=(30, 120, 60)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def put_file(api, path: str, field: str, content: bytes, name: str = "upload.png", claimed: str = "image/png"):
    return api.put(
        path, data={field: (io.BytesIO(content), name, claimed)}, content_type="multipart/form-data", headers=EN
    )


def stored_file(app, relative: str | None) -> Path:
    assert relative
    return Path(app.config["UPLOAD_DIR"]) / relative


def stored_path(model, column, row_id: int) -> str | None:
    """What the database holds now (a fresh query, not the test's copy of the row)."""
    db.session.remove()
    return db.session.scalar(select(column).where(model.id == row_id))


@pytest.fixture
def product(make_product, producer):
    return make_product(producer.organization, name="Chè móc câu")


@pytest.fixture
def cert(db_session, producer):
    cert = Certification(
        organization_id=producer.organization_id,
        scheme="VietGAP",
        number="VG-2026-7",
        issuer="QUACERT",
        valid_from=dt.date(2026, 1, 1),
    )
    db_session.add(cert)
    db_session.flush()
    return cert


# ---- product image


def test_a_product_image_is_uploaded_resized_and_read_back(api_as, producer, product, make_user, db_session):
    api, inspector = api_as(producer), api_as(make_user(Role.INSPECTOR))
    db_session.commit()
    response = put_file(api, f"/api/v1/products/{product.id}/image", "image", png(), "leaf.png")
    assert response.status_code == 200, response.json
    assert response.json["has_image"] is True and response.json["id"] == product.id
    image = api.get(f"/api/v1/products/{product.id}/image")
    assert image.status_code == 200 and image.mimetype in ("image/jpeg", "image/png")
    assert image.headers["X-Content-Type-Options"] == "nosniff"
    assert Image.open(io.BytesIO(image.data)).size == (1200, 600)
    assert inspector.get(f"/api/v1/products/{product.id}/image").data == image.data
    assert api.get(f"/api/v1/products/{product.id}").json["has_image"] is True


def test_a_product_without_an_image_answers_404(api_as, producer, product, db_session):
    api = api_as(producer)
    db_session.commit()
    response = api.get(f"/api/v1/products/{product.id}/image")
    assert response.status_code == 404 and response.is_json


@pytest.mark.parametrize(
    ("content", "name", "claimed"),
    [
        (b"<html><script>alert(1)</script></html>", "leaf.png", "image/png"),
        (PDF, "leaf.jpg", "image/jpeg"),  # a real PDF, but not an image
        (b"\x89PNG\r\n\x1a\n broken png", "leaf.png", "image/png"),
    ],
)
def test_a_file_that_is_not_an_image_by_its_content_is_refused(
    api_as, producer, product, db_session, app, content, name, claimed
):
    api = api_as(producer)
    db_session.commit()
    assert put_file(api, f"/api/v1/products/{product.id}/image", "image", png()).status_code == 200
    old = stored_path(Product, Product.image_path, product.id)
    response = put_file(api, f"/api/v1/products/{product.id}/image", "image", content, name, claimed)
    assert response.status_code == 422
    assert response.json["errors"] == {"files": {"image": ["Upload a JPEG, PNG or WebP image."]}}
    assert stored_path(Product, Product.image_path, product.id) == old
    assert stored_file(app, old).is_file()


def test_a_too_large_image_is_refused_with_the_field_named(api_as, producer, product, db_session, app, monkeypatch):
    api = api_as(producer)
    db_session.commit()
    monkeypatch.setitem(app.config, "UPLOAD_MAX_BYTES", 1024 * 1024)
    out = io.BytesIO()
    Image.frombytes("RGB", (800, 800), os.urandom(800 * 800 * 3)).save(out, "PNG")  # noise does not compress
    big = out.getvalue()
    assert len(big) > 1024 * 1024
    response = put_file(api, f"/api/v1/products/{product.id}/image", "image", big)
    assert response.status_code == 422
    assert response.json["errors"]["files"]["image"] == ["The file is larger than 1 MB."]
    assert stored_path(Product, Product.image_path, product.id) is None


def test_a_request_over_the_server_limit_names_the_field(api_as, producer, product, db_session, app, monkeypatch):
    api = api_as(producer)
    db_session.commit()
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024 * 1024)
    response = put_file(api, f"/api/v1/products/{product.id}/image", "image", png() + b"\0" * 1024 * 1024)
    assert response.status_code == 413
    assert response.json["errors"] == {"files": {"image": ["The upload is larger than 1 MB in all."]}}


def test_a_missing_file_is_named(api_as, producer, product, db_session):
    api = api_as(producer)
    db_session.commit()
    response = api.put(f"/api/v1/products/{product.id}/image", data={}, content_type="multipart/form-data")
    assert response.status_code == 422 and "image" in response.json["errors"]["files"]


def test_another_organisations_product_answers_404(api_as, make_user, product, db_session, app):
    stranger = api_as(make_user())
    db_session.commit()
    for content in (png(), b"not even an image"):
        response = put_file(stranger, f"/api/v1/products/{product.id}/image", "image", content)
        assert response.status_code == 404 and response.is_json
    assert stranger.get(f"/api/v1/products/{product.id}/image").status_code == 404
    assert stored_path(Product, Product.image_path, product.id) is None


def test_only_producers_upload_and_anonymous_callers_get_401(client, api_as, make_user, product, db_session):
    inspector = api_as(make_user(Role.INSPECTOR))
    db_session.commit()
    assert put_file(inspector, f"/api/v1/products/{product.id}/image", "image", png()).status_code == 403
    anonymous = client.put(
        f"/api/v1/products/{product.id}/image",
        data={"image": (io.BytesIO(png()), "leaf.png")},
        content_type="multipart/form-data",
    )
    assert anonymous.status_code == 401 and anonymous.is_json
    assert client.get(f"/api/v1/products/{product.id}/image").status_code == 401


def test_replacing_the_image_removes_the_old_file(api_as, producer, product, db_session, app):
    api = api_as(producer)
    db_session.commit()
    put_file(api, f"/api/v1/products/{product.id}/image", "image", png(colour=(200, 0, 0)))
    old = stored_file(app, stored_path(Product, Product.image_path, product.id))
    assert old.is_file()
    response = put_file(api, f"/api/v1/products/{product.id}/image", "image", png(colour=(0, 0, 200)))
    assert response.status_code == 200
    new = stored_file(app, stored_path(Product, Product.image_path, product.id))
    assert new != old and new.is_file()
    assert not old.exists()
    shown = Image.open(io.BytesIO(api.get(f"/api/v1/products/{product.id}/image").data)).convert("RGB")
    assert shown.getpixel((10, 10))[2] > 150  # the blue one


def test_a_failed_save_keeps_the_old_image_and_drops_the_new_file(api_as, producer, product, db_session, app):
    api = api_as(producer)
    db_session.commit()
    put_file(api, f"/api/v1/products/{product.id}/image", "image", png(colour=(200, 0, 0)))
    old_path = stored_path(Product, Product.image_path, product.id)
    before = {p for p in Path(app.config["UPLOAD_DIR"]).rglob("*") if p.is_file()}
    with failing_commit("PUT", "/api/v1/products/"):
        response = put_file(api, f"/api/v1/products/{product.id}/image", "image", png(colour=(0, 0, 200)))
    assert response.status_code == 500 and response.is_json and "Traceback" not in response.get_data(as_text=True)
    assert stored_path(Product, Product.image_path, product.id) == old_path
    assert stored_file(app, old_path).is_file()
    assert {p for p in Path(app.config["UPLOAD_DIR"]).rglob("*") if p.is_file()} == before


def test_deleting_a_product_removes_its_image_after_the_commit(api_as, producer, product, db_session, app):
    # no route deletes products today; the rule holds for any code that does
    api = api_as(producer)
    db_session.commit()
    put_file(api, f"/api/v1/products/{product.id}/image", "image", png())
    image = stored_file(app, stored_path(Product, Product.image_path, product.id))
    with app.app_context():  # as in a request or a command: UPLOAD_DIR is the app's
        db.session.delete(db.session.get(Product, product.id))
        db.session.flush()
        assert image.is_file()  # not before the commit
        db.session.commit()
        assert not image.exists()


def test_a_rolled_back_delete_keeps_the_image(api_as, producer, product, db_session, app):
    api = api_as(producer)
    db_session.commit()
    put_file(api, f"/api/v1/products/{product.id}/image", "image", png())
    image = stored_file(app, stored_path(Product, Product.image_path, product.id))
    with app.app_context():
        db.session.delete(db.session.get(Product, product.id))
        db.session.flush()
        db.session.rollback()
        db.session.commit()
    assert image.is_file()
    assert stored_path(Product, Product.image_path, product.id) is not None


# ---- product image through the page


def _edit_page(web, product, colour):
    return web.post(
        f"/app/products/{product.id}",
        data={
            "name": product.name,
            "category": "tea",
            "unit": "kg",
            "image": (io.BytesIO(png(colour=colour)), "x.png"),
        },
        content_type="multipart/form-data",
    )


def test_replacing_the_image_in_the_page_removes_the_old_file(web, product, app):
    assert _edit_page(web, product, (200, 0, 0)).status_code == 302
    old = stored_file(app, stored_path(Product, Product.image_path, product.id))
    assert _edit_page(web, product, (0, 0, 200)).status_code == 302
    new = stored_file(app, stored_path(Product, Product.image_path, product.id))
    assert new.is_file() and not old.exists()


def test_a_page_save_that_fails_keeps_the_old_image(web, product, app):
    assert _edit_page(web, product, (200, 0, 0)).status_code == 302
    old_path = stored_path(Product, Product.image_path, product.id)
    before = {p for p in Path(app.config["UPLOAD_DIR"]).rglob("*") if p.is_file()}
    with failing_commit("POST", "/app/products/"):
        assert _edit_page(web, product, (0, 0, 200)).status_code == 500
    assert stored_path(Product, Product.image_path, product.id) == old_path
    assert stored_file(app, old_path).is_file()
    assert {p for p in Path(app.config["UPLOAD_DIR"]).rglob("*") if p.is_file()} == before


# ---- certificate document


def test_a_certificate_document_is_uploaded_replaced_and_read_back(api_as, producer, cert, make_user, db_session, app):
    api, inspector = api_as(producer), api_as(make_user(Role.INSPECTOR))
    db_session.commit()
    path = f"/api/v1/certifications/{cert.id}/document"
    first = put_file(api, path, "document", PDF, "cert.pdf", "application/octet-stream")
    assert first.status_code == 200 and first.json["has_document"] is True
    old = stored_file(app, stored_path(Certification, Certification.document_path, cert.id))
    read = inspector.get(path)
    assert read.status_code == 200 and read.mimetype == "application/pdf" and read.data == PDF
    second = put_file(api, path, "document", png(), "scan.png")
    assert second.status_code == 200
    assert api.get(path).mimetype == "image/png"
    assert not old.exists()
    assert stored_file(app, stored_path(Certification, Certification.document_path, cert.id)).is_file()


def test_a_forged_certificate_document_is_refused(api_as, producer, cert, db_session):
    api = api_as(producer)
    db_session.commit()
    response = put_file(
        api, f"/api/v1/certifications/{cert.id}/document", "document", b"MZ\x90\x00 program", "c.pdf", "application/pdf"
    )
    assert response.status_code == 422
    assert response.json["errors"] == {"files": {"document": ["Upload a PDF, JPEG, PNG or WebP file."]}}
    assert stored_path(Certification, Certification.document_path, cert.id) is None


def test_a_too_large_certificate_document_is_refused(api_as, producer, cert, db_session, app, monkeypatch):
    api = api_as(producer)
    db_session.commit()
    monkeypatch.setitem(app.config, "UPLOAD_MAX_BYTES", 1024 * 1024)
    response = put_file(api, f"/api/v1/certifications/{cert.id}/document", "document", PDF + b"0" * 1024 * 1024)
    assert response.status_code == 422
    assert response.json["errors"]["files"]["document"] == ["The file is larger than 1 MB."]


def test_another_organisations_certificate_answers_404_and_anonymous_401(client, api_as, make_user, cert, db_session):
    stranger = api_as(make_user())
    db_session.commit()
    path = f"/api/v1/certifications/{cert.id}/document"
    assert put_file(stranger, path, "document", PDF, "c.pdf", "application/pdf").status_code == 404
    assert stranger.get(path).status_code == 404
    anonymous = client.put(path, data={"document": (io.BytesIO(PDF), "c.pdf")}, content_type="multipart/form-data")
    assert anonymous.status_code == 401 and anonymous.is_json
    assert client.get(path).status_code == 401
    assert stored_path(Certification, Certification.document_path, cert.id) is None
