"""Every upload path goes through traceability.storage: image bombs, fake types, traversal names, a broken upload
folder, rolled-back requests and replaced files, each through the API and the workspace pages.

(The consumer's photo has its own tests in tests/public/test_reports.py: its report is kept when storage fails.)
"""

from __future__ import annotations

import datetime as dt
import io
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image, ImageFile
from sqlalchemy import select

from traceability import db, storage
from traceability.accounts.models import Role
from traceability.batches.models import BatchStatus, LabResult, LabTest
from traceability.inspection.models import Inspection, InspectionResult
from traceability.registry.models import Certification

from .conftest import ApiClient, failing_commit

EN = {"Accept-Language": "en"}


def jpeg(size=(800, 600), **save) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (40, 120, 60)).save(out, "JPEG", **save)
    return out.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def bomb_png(side: int = 9400) -> bytes:
    """A 1-bit black PNG of side × side pixels, written row by row: a few kilobytes that decode to 88 million
    pixels (hundreds of MB once Pillow converts them). Built without ever holding the image in memory."""
    row = b"\0" * (1 + (side + 7) // 8)  # filter byte + packed bits
    packer = zlib.compressobj(9)
    body = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)  # 1-bit greyscale
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", body) + png_chunk(b"IEND", b"")


HTML = b"<!doctype html><html><script>alert(document.cookie)</script></html>"


def upload_files(app) -> set[Path]:
    return {p for p in Path(app.config["UPLOAD_DIR"]).rglob("*") if p.is_file()}


@dataclass
class Target:
    """One upload path: how to send a file there, the field it names, and what the database refers to now."""

    name: str
    field: str
    api: bool
    send: Callable[[bytes, str], object]
    saved: Callable[[], object]  # rows or paths, compared before and after


TARGETS = [
    "product image (API)",
    "product image (page)",
    "certificate (API)",
    "certificate (page)",
    "lab report (API)",
    "lab report (page)",
    "inspection photos (API)",
    "inspection photos (page)",
]


def _fresh(statement):
    db.session.remove()  # what the database holds, not the test's copies
    return db.session.execute(statement).all()


@pytest.fixture(params=TARGETS)
def target(request, db_session, make_user, make_product, make_batch, api_as, login_as) -> Target:
    producer, inspector = make_user(), make_user(Role.INSPECTOR)
    org = producer.organization
    product = make_product(org)
    cert = Certification(
        organization=org, scheme="VietGAP", number="VG-1", issuer="QUACERT", valid_from=dt.date(2026, 1, 1)
    )
    db_session.add(cert)
    draft = make_batch(org)
    lab = LabTest(batch=draft, laboratory="Viện KN", sampled_on=dt.date(2026, 10, 1), analyte="Chì")
    lab.result = LabResult.PASS
    db_session.add(lab)
    published = make_batch(status=BatchStatus.PUBLISHED)
    inspection = Inspection(inspector=inspector, batch=published, result=InspectionResult.COMPLIANT)
    db_session.add(inspection)
    tokens = {producer: api_as(producer), inspector: api_as(inspector)}  # made before the commit below
    db_session.commit()
    name = request.param

    def multipart(client, method, path, field, content, filename, **form):
        headers = {**EN, **client.headers} if isinstance(client, ApiClient) else EN
        return getattr(client, "client", client).open(
            path,
            method=method,
            data={**form, field: (io.BytesIO(content), filename)},
            content_type="multipart/form-data",
            headers=headers,
        )

    if name == "product image (API)":
        api = tokens[producer]
        return Target(
            name,
            "image",
            True,
            lambda c, f: multipart(api, "PUT", f"/api/v1/products/{product.id}/image", "image", c, f),
            lambda: _fresh(select(type(product).image_path).where(type(product).id == product.id)),
        )
    if name == "product image (page)":
        web = login_as(producer)
        form = {"name": product.name, "category": "tea", "unit": "kg"}
        return Target(
            name,
            "image",
            False,
            lambda c, f: multipart(web, "POST", f"/app/products/{product.id}", "image", c, f, **form),
            lambda: _fresh(select(type(product).image_path).where(type(product).id == product.id)),
        )
    if name == "certificate (API)":
        api = tokens[producer]
        return Target(
            name,
            "document",
            True,
            lambda c, f: multipart(api, "PUT", f"/api/v1/certifications/{cert.id}/document", "document", c, f),
            lambda: _fresh(select(Certification.document_path).where(Certification.id == cert.id)),
        )
    if name == "certificate (page)":
        web = login_as(producer)
        form = {"scheme": "VietGAP", "number": "VG-2", "issuer": "QUACERT", "valid_from": "2026-02-01"}
        return Target(
            name,
            "document",
            False,
            lambda c, f: multipart(web, "POST", "/app/certifications", "document", c, f, **form),
            lambda: _fresh(select(Certification.number, Certification.document_path)),
        )
    if name == "lab report (API)":
        api = tokens[producer]
        return Target(
            name,
            "document",
            True,
            lambda c, f: multipart(api, "PUT", f"/api/v1/lab-tests/{lab.id}/document", "document", c, f),
            lambda: _fresh(select(LabTest.document_path).where(LabTest.id == lab.id)),
        )
    if name == "lab report (page)":
        web = login_as(producer)
        form = {"laboratory": "Viện KN", "sampled_on": "2026-10-02", "analyte": "Chì", "result": "pass"}
        path = f"/app/batches/{draft.id}/records/lab_test"
        return Target(
            name,
            "document",
            False,
            lambda c, f: multipart(web, "POST", path, "document", c, f, **form),
            lambda: _fresh(select(LabTest.id, LabTest.document_path).where(LabTest.batch_id == draft.id)),
        )
    if name == "inspection photos (API)":
        api = tokens[inspector]
        return Target(
            name,
            "photos",
            True,
            lambda c, f: multipart(api, "POST", f"/api/v1/inspections/{inspection.id}/photos", "photos", c, f),
            lambda: _fresh(select(Inspection.photos).where(Inspection.id == inspection.id)),
        )
    web = login_as(inspector)
    path = f"/inspect/batches/{published.id}/inspections"
    return Target(
        name,
        "photos",
        False,
        lambda c, f: multipart(web, "POST", path, "photos", c, f, result="compliant", action="none"),
        lambda: _fresh(select(Inspection.id, Inspection.photos).where(Inspection.batch_id == published.id)),
    )


def _refused(target: Target, response, words: str) -> None:
    """A 4xx naming the field, with the message the user reads."""
    assert response.status_code == 422, response.get_data(as_text=True)[:500]
    if target.api:
        messages = response.json["errors"]["files"][target.field]
        assert any(words in m for m in messages), messages
    else:
        page = response.get_data(as_text=True)
        assert words in page
        assert f'id="e-{target.field}"' in page or "error" in page


def test_an_image_bomb_is_refused_from_its_header_on_every_path(target, app, monkeypatch):
    bomb = bomb_png()
    assert len(bomb) < 300_000  # a small upload…
    before, saved = upload_files(app), target.saved()

    def decoded(*_args, **_kwargs):
        raise AssertionError("the bomb was decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", decoded)  # …refused without decoding its 88 million pixels
    response = target.send(bomb, "photo.png")
    _refused(target, response, "million pixels are accepted")
    assert upload_files(app) == before and target.saved() == saved


def test_an_html_file_named_jpg_is_refused_on_every_path(target, app):
    before, saved = upload_files(app), target.saved()
    response = target.send(HTML, "photo.jpg")
    _refused(target, response, "Upload a ")
    assert upload_files(app) == before and target.saved() == saved


def test_a_traversal_file_name_is_not_used_on_any_path(target, app, tmp_path):
    escape = "../" * 12 + str(tmp_path / "escaped.jpg").lstrip("/")
    response = target.send(jpeg(), escape)
    assert response.status_code in (200, 302), response.get_data(as_text=True)[:500]
    assert not (tmp_path / "escaped.jpg").exists()
    root = Path(app.config["UPLOAD_DIR"]).resolve()
    for path in upload_files(app):
        assert root in path.resolve().parents and "escaped" not in path.name


def test_a_broken_upload_folder_answers_503_and_writes_nothing_on_every_path(target, app, settings, tmp_path):
    saved = target.saved()
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    settings["UPLOAD_DIR"] = str(blocker / "uploads")  # mkdir and open fail with OSError, even as root
    response = target.send(jpeg(), "photo.jpg")
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    assert "cannot be stored right now" in response.get_data(as_text=True)
    if target.api:
        assert response.json["code"] == 503
    assert target.saved() == saved  # no row without its file, no half-made change


def test_a_request_whose_commit_fails_leaves_no_file_on_every_path(target, app):
    before, saved = upload_files(app), target.saved()
    method = "PUT" if target.api and "inspection" not in target.name else "POST"
    with failing_commit(method, "/"):
        response = target.send(jpeg(), "photo.jpg")
    assert response.status_code == 500 and "Traceback" not in response.get_data(as_text=True)
    assert upload_files(app) == before and target.saved() == saved


# ---- the module itself


def exif_jpeg() -> bytes:
    """A 200 × 100 photo whose EXIF says "turn 90° to view" and holds a GPS position."""
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (21.0, 34.0, 26.0), "E", (105.0, 45.0, 30.0)
    return jpeg((200, 100), exif=exif.tobytes())


@pytest.mark.parametrize("use", storage.USES)
def test_images_come_back_upright_without_metadata(app, use):
    with app.test_request_context():
        checked = storage.check(io.BytesIO(exif_jpeg()), use, "f")
    with Image.open(io.BytesIO(checked.data)) as image:
        assert image.size == (100, 200)  # turned as the phone meant it
        exif = image.getexif()
        assert len(exif) == 0 and not exif.get_ifd(0x8825)  # no GPS position, no camera
        assert "exif" not in image.info and "xmp" not in image.info


def test_the_pixel_cap_applies_below_pillows_own_limit(app):
    # 5500 × 5500 = 30 million: under Pillow's limit, over the product image's 25 million cap
    with app.test_request_context(headers=EN), pytest.raises(storage.Invalid) as refused:
        storage.check(io.BytesIO(bomb_png(5500)), storage.PRODUCT_IMAGE, "image")
    assert "5500 × 5500" in refused.value.errors["image"][0]


def test_webp_is_accepted_and_a_pdf_only_where_documents_go(app):
    out = io.BytesIO()
    Image.new("RGB", (300, 200), "green").save(out, "WEBP")
    with app.test_request_context(headers=EN):
        assert storage.check(io.BytesIO(out.getvalue()), storage.PRODUCT_IMAGE, "image").content_type == storage.JPEG
        assert storage.check(io.BytesIO(b"%PDF-1.7\n"), storage.DOCUMENT, "document").content_type == storage.PDF
        with pytest.raises(storage.Invalid):
            storage.check(io.BytesIO(b"%PDF-1.7\n"), storage.CONSUMER_PHOTO, "photo")


def test_a_transparent_png_photo_is_laid_on_white(app):
    out = io.BytesIO()
    Image.new("RGBA", (40, 30), (0, 0, 0, 0)).save(out, "PNG")
    with app.test_request_context():
        checked = storage.check(io.BytesIO(out.getvalue()), storage.CONSUMER_PHOTO, "photo")
        kept = storage.check(io.BytesIO(out.getvalue()), storage.PRODUCT_IMAGE, "image")
    assert checked.content_type == storage.JPEG and kept.content_type == storage.PNG  # a logo keeps its transparency
    with Image.open(io.BytesIO(checked.data)) as image:
        assert min(image.getpixel((20, 15))) > 240


def test_paths_cannot_leave_the_upload_folder(app):
    with app.test_request_context():
        assert storage.inside("../secret") is None
        assert storage.inside("reports/../../secret") is None
        assert storage.inside("/etc/passwd") is None
        assert storage.inside("reports/a.jpg") == Path(app.config["UPLOAD_DIR"]).resolve() / "reports" / "a.jpg"
        for escape in ("../test.db", "../secret_key", "reports/../../secret_key"):
            with pytest.raises(storage.NotFound):
                storage.send(escape, "x")


def test_a_stored_file_that_cannot_be_read_answers_503(app, monkeypatch):
    from .registry.test_upload_api import png

    with app.test_request_context():
        relative = storage.write(storage.Checked(png(), storage.PNG), "unreadable")

        def broken(*_args, **_kwargs):
            raise OSError(5, "Input/output error")

        monkeypatch.setattr(storage, "send_file", broken)
        with pytest.raises(storage.StorageUnavailable):
            storage.send(relative, "x")


def test_a_served_file_cannot_be_asked_for_outside_the_folder(app, api_as, make_user, db_session, make_batch):
    inspector = make_user(Role.INSPECTOR)
    api = api_as(inspector)
    inspection = Inspection(inspector=inspector, batch=make_batch(), result=InspectionResult.COMPLIANT)
    db_session.add(inspection)
    db_session.commit()
    for name in ("..%2F..%2Ftest.db", "%2E%2E%2Fsecret_key"):
        response = api.get(f"/api/v1/inspections/{inspection.id}/photos/{name}")
        assert response.status_code == 404


def test_a_photo_taken_off_an_inspection_is_removed_after_the_commit_only(
    api_as, make_user, make_batch, db_session, app
):
    inspector = make_user(Role.INSPECTOR)
    inspection = Inspection(inspector=inspector, batch=make_batch(), result=InspectionResult.COMPLIANT)
    db_session.add(inspection)
    api = api_as(inspector)
    db_session.commit()
    response = api.post(
        f"/api/v1/inspections/{inspection.id}/photos",
        data={"photos": [(io.BytesIO(jpeg()), "a.jpg"), (io.BytesIO(jpeg()), "b.jpg")]},
        content_type="multipart/form-data",
    )
    first, second = response.json["photos"]
    folder = Path(app.config["UPLOAD_DIR"]) / "inspections"
    with app.app_context():
        row = db.session.get(Inspection, inspection.id)
        row.photos = [second]
        db.session.flush()
        assert (folder / first).is_file()  # not before the commit
        db.session.rollback()
        assert (folder / first).is_file()  # a rollback keeps it: the row still lists it
        row = db.session.get(Inspection, inspection.id)
        row.photos = [second]
        db.session.commit()
    assert not (folder / first).exists() and (folder / second).is_file()


def test_a_file_written_but_never_referred_to_is_removed_at_the_commit(app, db_session):
    with app.test_request_context():
        relative = storage.write(storage.Checked(jpeg(), storage.JPEG), "orphans")
        path = Path(app.config["UPLOAD_DIR"]) / relative
        assert path.is_file()
        db.session.commit()
        assert not path.exists()


def test_a_half_written_file_is_not_left_behind(app, monkeypatch):
    def full_disk(*_args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(storage.os, "fsync", full_disk)
    folder = Path(app.config["UPLOAD_DIR"]) / "full"
    with app.test_request_context(), pytest.raises(storage.StorageUnavailable):
        storage.write(storage.Checked(jpeg(), storage.JPEG), "full")
    assert not [p for p in folder.rglob("*") if p.is_file()]
