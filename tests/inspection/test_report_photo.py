"""Inspectors see the photo a consumer sent with a report; nobody else does."""

import io
from pathlib import Path

from PIL import Image

from traceability.accounts.models import Role
from traceability.batches.models import BatchStatus
from traceability.public.models import ConsumerReport, ReportKind


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, "JPEG")
    return buffer.getvalue()


def test_inspector_sees_the_report_photo(app, db_session, make_batch, make_user, login_as):
    batch = make_batch(status=BatchStatus.PUBLISHED)
    photo = "reports/inspector-sees-this.jpg"  # as storage keeps a consumer's photo
    (Path(app.config["UPLOAD_DIR"]) / "reports").mkdir(parents=True, exist_ok=True)
    (Path(app.config["UPLOAD_DIR"]) / photo).write_bytes(_jpeg())
    report = ConsumerReport(
        receipt="PHOTO00001", batch=batch, kind=ReportKind.SUSPECTED_FAKE, message="Tem lạ", photo_path=photo
    )
    db_session.add(report)
    db_session.flush()
    client = login_as(make_user(Role.INSPECTOR))
    assert f"/inspect/reports/{report.id}/photo" in client.get(f"/inspect/reports/{report.id}").get_data(as_text=True)
    response = client.get(f"/inspect/reports/{report.id}/photo")
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert Image.open(io.BytesIO(response.data)).size == (40, 30)
    producer = login_as(make_user(Role.PRODUCER, batch.organization))
    assert producer.get(f"/inspect/reports/{report.id}/photo").status_code == 403
