"""The queue: consumer reports (new → in review → resolved or dismissed, with a reply) and the alerts."""

from __future__ import annotations

import datetime as dt

from traceability.accounts.models import OrgStatus
from traceability.batches.models import BatchStatus, PublishAttempt
from traceability.codes.models import Code, CodeKind, Scan
from traceability.db import utcnow
from traceability.inspection import alerts
from traceability.inspection.figures import local_today
from traceability.public.models import ConsumerReport, ReportKind, ReportStatus
from traceability.registry.models import Certification


def test_a_report_goes_through_review_to_resolved_with_a_reply(db_session, make_batch, make_report, inspector, api_as):
    report = make_report(make_batch(status=BatchStatus.PUBLISHED))
    api = api_as(inspector)
    db_session.commit()

    listed = api.get("/api/v1/reports").json
    assert [r["receipt"] for r in listed] == [report.receipt]
    response = api.patch(f"/api/v1/reports/{report.id}", json={"status": "in_review"})
    assert response.status_code == 200 and response.json["status"] == "in_review"
    assert response.json["handled_by_id"] == inspector.id

    refused = api.patch(f"/api/v1/reports/{report.id}", json={"status": "resolved"})
    assert refused.status_code == 422
    assert "reply" in refused.json["errors"]["json"]
    assert db_session.get(ConsumerReport, report.id).status == ReportStatus.IN_REVIEW

    reply = "Đã lấy mẫu kiểm nghiệm; lô hàng đã bị thu hồi."
    response = api.patch(f"/api/v1/reports/{report.id}", json={"status": "resolved", "reply": reply})
    assert response.status_code == 200
    saved = db_session.get(ConsumerReport, report.id)
    assert (saved.status, saved.reply) == (ReportStatus.RESOLVED, reply)  # the receipt page shows this reply
    assert api.get("/api/v1/reports").json == []  # closed reports leave the queue
    assert [r["id"] for r in api.get("/api/v1/reports?status=resolved").json] == [report.id]


def test_a_report_cannot_go_back_to_new_nor_jump_between_closed_states(db_session, make_report, inspector, api_as):
    report = make_report(status=ReportStatus.DISMISSED, reply="Không đủ thông tin.")
    api = api_as(inspector)
    db_session.commit()
    assert api.patch(f"/api/v1/reports/{report.id}", json={"status": "new"}).status_code == 422
    assert api.patch(f"/api/v1/reports/{report.id}", json={"status": "resolved"}).status_code == 422
    reopened = api.patch(f"/api/v1/reports/{report.id}", json={"status": "in_review"})
    assert reopened.status_code == 200


def test_an_empty_update_is_refused(db_session, make_report, inspector, api_as):
    report = make_report()
    api = api_as(inspector)
    db_session.commit()
    response = api.patch(f"/api/v1/reports/{report.id}", json={})
    assert response.status_code == 422 and "status" in response.json["errors"]["json"]


def test_reports_filter_by_kind(db_session, make_report, inspector, api_as):
    fake = make_report(kind=ReportKind.SUSPECTED_FAKE)
    make_report(kind=ReportKind.LABELLING)
    api = api_as(inspector)
    db_session.commit()
    assert [r["id"] for r in api.get("/api/v1/reports?kind=suspected_fake").json] == [fake.id]
    assert api.get("/api/v1/reports?kind=nonsense").status_code == 422


def test_the_report_page_saves_a_dismissal_with_its_reply(db_session, make_report, inspector, login_as):
    report = make_report()
    db_session.commit()
    client = login_as(inspector)
    missing = client.post(f"/inspect/reports/{report.id}/update", data={"status": "dismissed", "reply": ""})
    assert missing.status_code == 422
    assert 'id="e-reply"' in missing.get_data(as_text=True)
    response = client.post(
        f"/inspect/reports/{report.id}/update", data={"status": "dismissed", "reply": "Sản phẩm không thuộc hệ thống."}
    )
    assert response.status_code == 302
    assert db_session.get(ConsumerReport, report.id).status == ReportStatus.DISMISSED


def test_alerts_find_copied_codes_refused_publishes_expiring_certificates_and_pending_orgs(
    app, db_session, make_batch, make_org, inspector, login_as
):
    batch = make_batch(status=BatchStatus.PUBLISHED, lot_code="COPY-1")
    serial = Code(value="ABCDEFGHJKMN0", batch_id=batch.id, kind=CodeKind.SERIAL)
    lone = Code(value="ABCDEFGHJKMN1", batch_id=batch.id, kind=CodeKind.SERIAL)
    db_session.add_all([serial, lone])
    db_session.flush()
    for i in range(6):  # more than COPY_CLIENT_THRESHOLD (5) phones
        db_session.add(Scan(code_id=serial.id, client_hash=f"client-{i}"))
    for _ in range(10):  # a few scans from one phone: the owner checking twice is not a copy
        db_session.add(Scan(code_id=lone.id, client_hash="same-phone"))
    refused = make_batch(status=BatchStatus.DRAFT, lot_code="BANNED-1")
    problem = {"field": "chemicals", "rule": "banned_substance", "message": "Carbofuran bị cấm sử dụng."}
    db_session.add(PublishAttempt(batch_id=refused.id, is_accepted=False, problems=[problem]))
    org = batch.organization
    today = local_today()
    db_session.add_all(
        [
            Certification(
                organization=org,
                scheme="VietGAP",
                number="SOON",
                issuer="QUACERT",
                valid_from=today - dt.timedelta(days=700),
                valid_to=today + dt.timedelta(days=10),
            ),
            Certification(
                organization=org,
                scheme="VietGAP",
                number="LATER",
                issuer="QUACERT",
                valid_from=today,
                valid_to=today + dt.timedelta(days=200),
            ),
        ]
    )
    pending = make_org(status=OrgStatus.PENDING, name="HTX Mới Đăng Ký")
    db_session.commit()

    found = alerts.alerts(db_session, utcnow(), today, app.config)
    assert [s.code.value for s in found.copy_suspects] == ["ABCDEFGHJKMN0"]
    assert found.copy_suspects[0].clients == 6
    assert [a.batch.lot_code for a in found.refused_publishes] == ["BANNED-1"]
    assert [c.number for c in found.expiring_certifications] == ["SOON"]
    assert pending in found.pending_organizations

    page = login_as(inspector).get("/inspect/queue").get_data(as_text=True)
    for text in ("ABCDEFGHJKMN0", "Carbofuran bị cấm sử dụng.", "SOON", "HTX Mới Đăng Ký"):
        assert text in page


def test_a_refused_publish_says_who_what_and_why_and_leaves_the_queue_once_published(
    app, db_session, make_batch, inspector, login_as
):
    batch = make_batch(status=BatchStatus.DRAFT, lot_code="LATE-1")
    told = [
        {"field": "harvested_on", "rule": "required", "message": "Give the harvest date or the production date."},
        {"field": "chemicals", "rule": "banned_substance", "message": "Carbofuran is banned."},
        {"field": "chemicals", "rule": "banned_substance", "message": "Methamidophos is banned."},
    ]
    db_session.add(PublishAttempt(batch_id=batch.id, is_accepted=False, problems=told, attempted_at=utcnow()))
    db_session.commit()
    client = login_as(inspector)
    page = client.get("/inspect/queue?lang=en").get_data(as_text=True)
    line = page.split('class="refused-publish"', 1)[1].split("</details>", 1)[0]
    assert f"{batch.organization.name} could not publish lot LATE-1" in line
    assert "no harvest or production date" in line and "a banned substance recorded among the chemicals" in line
    assert line.count("a banned substance recorded") == 1  # two substances, one reason
    assert "Methamidophos is banned." in line  # what the producer was told stays within reach
    vietnamese = client.get("/inspect/queue?lang=vi").get_data(as_text=True)
    assert "không thể công bố lô LATE-1" in vietnamese and "chưa có ngày thu hoạch hoặc ngày sản xuất" in vietnamese

    # a second refusal replaces the first line; an accepted publish removes it
    db_session.add(PublishAttempt(batch_id=batch.id, is_accepted=False, problems=told[:1], attempted_at=utcnow()))
    db_session.commit()
    found = alerts.alerts(db_session, utcnow(), local_today(), app.config).refused_publishes
    assert [(a.batch.lot_code, len(a.problems)) for a in found] == [("LATE-1", 1)]
    batch.status = BatchStatus.PUBLISHED
    db_session.add(PublishAttempt(batch_id=batch.id, is_accepted=True, problems=[], attempted_at=utcnow()))
    db_session.commit()
    assert alerts.alerts(db_session, utcnow(), local_today(), app.config).refused_publishes == []
    assert "LATE-1" not in client.get("/inspect/queue").get_data(as_text=True)


def test_the_dashboard_counts_the_reports_still_to_handle(db_session, make_batch, make_report, inspector, login_as):
    batch = make_batch(status=BatchStatus.PUBLISHED)
    make_report(batch)
    make_report(batch, status=ReportStatus.IN_REVIEW)
    make_report(batch, status=ReportStatus.RESOLVED, reply="Đã xử lý.")
    page = login_as(inspector).get("/inspect/").get_data(as_text=True)
    assert '<div class="stat" id="open-reports">2</div>' in page
