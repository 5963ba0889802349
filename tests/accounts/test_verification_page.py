"""What the admin sees to decide on an organisation: the applicant, the documents it uploaded, earlier decisions."""

from __future__ import annotations

import io

from PIL import Image

from traceability.accounts.models import Organization, OrgStatus, Role

from ..conftest import login


def _png() -> io.BytesIO:
    data = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(data, "PNG")
    data.seek(0)
    return data


def test_the_admin_sees_the_applicant_its_registration_and_earlier_decisions(app, db_session, make_org, make_user):
    org = make_org(status=OrgStatus.PENDING, name="HTX Chè Mới Lập", phone="0912 345 678")
    producer = make_user(Role.PRODUCER, org, full_name="Hoàng Thị Lan")
    admin = make_user(Role.ADMIN)
    other = make_user(Role.PRODUCER)
    db_session.commit()
    applicant, checker, stranger = app.test_client(), app.test_client(), app.test_client()
    login(applicant, producer)
    login(checker, admin)
    login(stranger, other)

    before = checker.get(f"/admin/organizations/{org.id}?lang=vi").get_data(as_text=True)
    assert "Tổ chức chưa tải lên giấy chứng nhận đăng ký kinh doanh." in before
    assert "Chưa có: đây là quyết định đầu tiên." in before

    # not a document: refused, naming the field, nothing stored
    refused = applicant.post(
        "/app/organization/registration", data={"registration": (io.BytesIO(b"hello"), "gpkd.txt")}
    )
    assert refused.status_code == 422 and 'id="e-registration"' in refused.get_data(as_text=True)
    assert db_session.get(Organization, org.id).registration_path is None

    sent = applicant.post("/app/organization/registration", data={"registration": (_png(), "gpkd.png")})
    assert sent.status_code == 302
    db_session.expire_all()
    assert db_session.get(Organization, org.id).registration_path

    checker.post(f"/admin/organizations/{org.id}", data={"reject": "true", "reason": "Thiếu trang 2 của giấy phép"})
    checker.post(f"/admin/organizations/{org.id}", data={})
    page = checker.get(f"/admin/organizations/{org.id}?lang=vi").get_data(as_text=True)
    applicant_card = page.split('id="applicant"', 1)[1].split("</section>", 1)[0]
    for fact in ("HTX Chè Mới Lập", org.tax_code, "Hợp tác xã", org.commune, "0912 345 678", "Hoàng Thị Lan"):
        assert fact in applicant_card, fact
    documents = page.split('id="documents"', 1)[1].split("</section>", 1)[0]
    assert f"/organizations/{org.id}/registration" in documents
    decisions = page.split('id="decisions"', 1)[1].split("</section>", 1)[0]
    assert decisions.index("Đã xác minh") < decisions.index("Bị từ chối")  # newest first
    assert "Thiếu trang 2 của giấy phép" in decisions and admin.email in decisions

    assert checker.get(f"/organizations/{org.id}/registration").mimetype == "image/png"
    assert applicant.get(f"/organizations/{org.id}/registration").status_code == 200
    assert stranger.get(f"/organizations/{org.id}/registration").status_code == 404
