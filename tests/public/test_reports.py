"""Reporting a problem: form or JSON, optional photo checked by content, rate-limited, answered with a receipt."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image
from sqlalchemy import func, select

from traceability.codes.identifiers import grouped, new_code
from traceability.public.models import ConsumerReport, ReportStatus


def _count(db_session):
    return db_session.scalar(select(func.count()).select_from(ConsumerReport))


def _jpeg(size=(800, 600), **save) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (40, 120, 60)).save(out, "JPEG", **save)
    return out.getvalue()


def test_the_form_page_is_there(client, published):
    _batch, code = published()
    response = client.get(f"/c/{code.value}/report")
    assert response.status_code == 200
    assert 'name="kind"' in response.get_data(as_text=True)
    assert f'href="/c/{code.value}/report"' in client.get(f"/c/{code.value}").get_data(as_text=True)


def test_json_report_gets_a_receipt(client, published, db_session):
    batch, code = published()
    response = client.post(
        f"/c/{code.value}/report", json={"kind": "quality", "message": "Chè bị mốc", "contact": "0912 000 111"}
    )
    assert response.status_code == 201
    receipt = response.get_json()["receipt"]
    assert response.get_json()["url"].endswith(f"/r/{receipt.replace('-', '')}")
    report = db_session.scalar(select(ConsumerReport))
    assert (report.batch_id, report.code_id, report.kind.value, report.status) == (
        batch.id,
        code.id,
        "quality",
        ReportStatus.NEW,
    )
    assert grouped(report.receipt) == receipt and report.contact == "0912 000 111"


def test_form_report_with_a_photo_stores_a_clean_jpeg(client, published, db_session, app):
    _batch, code = published()
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # a camera tag that must not survive
    photo = _jpeg(size=(3000, 1500), exif=exif.tobytes())
    response = client.post(
        f"/c/{code.value}/report",
        data={"kind": "labelling", "message": "Nhãn bị dán đè", "photo": (io.BytesIO(photo), "anh.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/r/")
    report = db_session.scalar(select(ConsumerReport))
    stored = Path(app.config["UPLOAD_DIR"]) / report.photo_path
    with Image.open(stored) as image:
        assert image.format == "JPEG" and max(image.size) == 2000
        assert 0x010F not in image.getexif()
    page = client.get(response.headers["Location"])
    assert page.status_code == 200 and grouped(report.receipt) in page.get_data(as_text=True)


def test_a_photo_is_checked_by_its_content(client, published, db_session):
    _batch, code = published()
    response = client.post(
        f"/c/{code.value}/report",
        data={"kind": "quality", "message": "Chè bị mốc", "photo": (io.BytesIO(b"MZ\x90\x00 not an image"), "anh.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "Hãy tải lên ảnh chụp (JPEG, PNG hoặc WebP)" in response.get_data(as_text=True)
    assert _count(db_session) == 0


def test_a_photo_over_the_size_limit_is_refused(client, published, db_session, settings):
    settings["REPORT_PHOTO_MAX_BYTES"] = 10_000
    _batch, code = published()
    photo = _jpeg(size=(1500, 1500), quality=100)
    assert len(photo) > 10_000
    response = client.post(
        f"/c/{code.value}/report",
        data={"kind": "quality", "message": "Chè bị mốc", "photo": (io.BytesIO(photo), "anh.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "Tệp lớn hơn 1 MB" in response.get_data(as_text=True)
    assert _count(db_session) == 0


def test_bad_input_names_the_field_and_writes_nothing(client, published, db_session):
    _batch, code = published()
    response = client.post(f"/c/{code.value}/report", json={"kind": "angry", "message": "x"})
    assert response.status_code == 422
    errors = response.get_json()["errors"]["json"]
    assert set(errors) == {"kind", "message"}
    form = client.post(f"/c/{code.value}/report", data={"message": "Chè bị mốc"})
    assert form.status_code == 422
    assert 'id="e-kind"' in form.get_data(as_text=True)
    assert _count(db_session) == 0


def test_the_html_form_needs_its_csrf_token_but_json_does_not(client, published, settings, db_session):
    settings["WTF_CSRF_ENABLED"] = True
    _batch, code = published()
    form = client.post(f"/c/{code.value}/report", data={"kind": "quality", "message": "Chè bị mốc"})
    assert form.status_code == 400
    assert client.post(f"/c/{code.value}/report", json={"kind": "quality", "message": "Chè bị mốc"}).status_code == 201
    assert _count(db_session) == 1


def test_reports_are_rate_limited_per_client(client, published, settings):
    settings["REPORT_RATE_LIMIT"] = "2 per hour"
    _batch, code = published()
    statuses = [
        client.post(f"/c/{code.value}/report", json={"kind": "other", "message": f"Lần thứ {n}"}).status_code
        for n in range(3)
    ]
    assert statuses == [201, 201, 429]
    other_client = client.post(
        f"/c/{code.value}/report",
        json={"kind": "other", "message": "Người khác"},
        environ_base={"REMOTE_ADDR": "198.51.100.77"},
    )
    assert other_client.status_code == 201


def test_an_unregistered_code_can_be_reported_as_a_fake(client, db_session):
    typed = new_code()
    form = client.get(f"/c/{typed}/report")
    assert form.status_code == 200
    response = client.post(f"/c/{typed}/report", json={"kind": "suspected_fake", "message": "Mua ở chợ Đồng Quang"})
    assert response.status_code == 201
    report = db_session.scalar(select(ConsumerReport))
    assert report.code_id is None and grouped(typed) in report.message


def test_a_mistyped_code_cannot_be_reported(client, published):
    _batch, code = published()
    wrong = code.value[:-1] + ("0" if code.value[-1] != "0" else "1")
    assert client.post(f"/c/{wrong}/report", json={"kind": "other", "message": "Thử"}).status_code == 400


def test_the_receipt_shows_status_and_the_inspectors_reply(client, published, db_session):
    _batch, code = published()
    receipt = client.post(f"/c/{code.value}/report", json={"kind": "quality", "message": "Chè bị mốc"}).get_json()[
        "receipt"
    ]
    page = client.get(f"/r/{receipt.lower()}")
    assert page.status_code == 200 and "Chưa có trả lời" in page.get_data(as_text=True)

    report = db_session.scalar(select(ConsumerReport))
    report.status, report.reply = ReportStatus.RESOLVED, "Đã kiểm tra cơ sở, lô hàng đạt yêu cầu."
    db_session.commit()
    html = client.get(f"/r/{receipt}").get_data(as_text=True)
    assert "Đã kiểm tra cơ sở, lô hàng đạt yêu cầu." in html and "Đã xử lý" in html
    answer = client.get(f"/r/{receipt}", headers={"Accept": "application/json"}).get_json()
    assert answer["status"] == "resolved" and answer["reply"].startswith("Đã kiểm tra")


def test_unknown_and_mistyped_receipts(client):
    assert client.get(f"/r/{new_code()}").status_code == 404
    value = new_code()
    wrong = value[:-1] + ("0" if value[-1] != "0" else "1")
    assert client.get(f"/r/{wrong}").status_code == 400


def test_an_image_bomb_as_a_photo_is_refused_and_nothing_is_kept(client, published, db_session, app):
    from ..test_storage import bomb_png, upload_files

    _batch, code = published()
    before = upload_files(app)
    response = client.post(
        f"/c/{code.value}/report",
        data={"kind": "quality", "message": "Chè bị mốc", "photo": (io.BytesIO(bomb_png()), "anh.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="e-photo"' in page and "triệu điểm ảnh" in page  # in Vietnamese, next to the photo field
    assert _count(db_session) == 0 and upload_files(app) == before


def test_a_photo_loses_its_gps_position(client, published, db_session, app):
    from ..test_storage import exif_jpeg

    _batch, code = published()
    response = client.post(
        f"/c/{code.value}/report",
        data={"kind": "quality", "message": "Chè bị mốc", "photo": (io.BytesIO(exif_jpeg()), "anh.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    report = db_session.scalar(select(ConsumerReport))
    with Image.open(Path(app.config["UPLOAD_DIR"]) / report.photo_path) as image:
        assert image.size == (100, 200)  # upright
        assert len(image.getexif()) == 0 and not image.getexif().get_ifd(0x8825)


def test_a_report_is_kept_when_its_photo_cannot_be_stored(client, published, db_session, settings, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    settings["UPLOAD_DIR"] = str(blocker / "uploads")  # the upload folder cannot be written
    _batch, code = published()
    response = client.post(
        f"/c/{code.value}/report",
        data={"kind": "suspected_fake", "message": "Tem lạ", "photo": (io.BytesIO(_jpeg()), "anh.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    report = db_session.scalar(select(ConsumerReport))
    assert report.message == "Tem lạ" and report.photo_path is None
    receipt = client.get(response.headers["Location"]).get_data(as_text=True)
    assert grouped(report.receipt) in receipt  # the receipt is still shown…
    assert "Không lưu được ảnh của bạn" in receipt  # …with word that the photo was not kept


def test_a_report_whose_commit_fails_leaves_no_photo_behind(client, published, db_session, app):
    from ..conftest import failing_commit
    from ..test_storage import upload_files

    _batch, code = published()
    before = upload_files(app)
    with failing_commit("POST", f"/c/{code.value}/report"):
        response = client.post(
            f"/c/{code.value}/report",
            data={"kind": "quality", "message": "Chè bị mốc", "photo": (io.BytesIO(_jpeg()), "anh.jpg")},
            content_type="multipart/form-data",
        )
    assert response.status_code == 500 and "Traceback" not in response.get_data(as_text=True)
    assert _count(db_session) == 0 and upload_files(app) == before
