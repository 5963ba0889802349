"""Notices to producers: each kept in the workspace and mailed, through a real SMTP server on loopback."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from traceability.accounts import services as accounts
from traceability.accounts.models import OrgStatus, Role, User
from traceability.batches.models import BatchStatus
from traceability.codes.services import lot_code_for
from traceability.jobs.queue import huey
from traceability.notices.models import Notice
from traceability.notices.services import notify, notify_expiring_certificates, text_for
from traceability.registry.models import Certification

from ..mailsink import body, subject


def _kinds(db_session, user) -> list[str]:
    return list(db_session.scalars(select(Notice.kind).where(Notice.user_id == user.id).order_by(Notice.id)))


def test_a_suspension_and_a_recall_reach_the_producer_by_mail_and_in_the_workspace(
    db_session, make_batch, make_user, api_as, mailbox
):
    batch = make_batch(status=BatchStatus.PUBLISHED, lot_code="TC-0412")
    producer = make_user(Role.PRODUCER, batch.organization, email="chu.ho@example.org")
    producer.locale = "en"
    api = api_as(make_user(Role.INSPECTOR))
    db_session.commit()
    response = api.post(
        "/api/v1/inspections",
        json={"batch_id": batch.id, "result": "violation", "findings": "Carbendazim found", "action": "suspend"},
    )
    assert response.status_code == 201, response.json
    api.post(f"/api/v1/batches/{batch.id}/recall", json={"reason": "Residue above the limit"})

    subjects = [subject(m) for m in mailbox.deliver() if "chu.ho@example.org" in m["To"]]
    assert subjects == [
        "An inspection was recorded: TC-0412",
        "Lot TC-0412 is suspended",
        "Lot TC-0412 is recalled",
    ]
    recall = mailbox.to("chu.ho@example.org")[-1]
    assert "Residue above the limit" in body(recall)
    assert f"https://registry.example/app/batches/{batch.id}" in body(recall)
    assert _kinds(db_session, producer) == ["inspection_recorded", "batch_suspended", "batch_recalled"]


def test_a_recalled_input_is_told_to_the_organisation_whose_batch_was_made_from_it(
    db_session, make_batch, make_user, make_org, api_as, mailbox
):
    leaves = make_batch(status=BatchStatus.PUBLISHED, lot_code="LEAF-1")
    processor = make_org(name="Công ty chế biến")
    dried = make_batch(processor, status=BatchStatus.PUBLISHED, lot_code="DRY-7", inputs=[(leaves, 50)])
    buyer = make_user(Role.PRODUCER, processor, email="nha.may@example.org")
    api = api_as(make_user(Role.INSPECTOR))
    db_session.commit()
    response = api.post(f"/api/v1/batches/{leaves.id}/recall", json={"reason": "Thuốc cấm"})
    assert response.status_code == 200, response.json

    mail = mailbox.deliver() and mailbox.wait_for("nha.may@example.org", timeout=1)
    assert subject(mail) == "Một đầu vào của lô DRY-7 bị thu hồi"  # Vietnamese, the default language
    assert "LEAF-1" in body(mail) and "Thuốc cấm" in body(mail)
    assert _kinds(db_session, buyer) == ["input_recalled"]
    assert dried.id  # the notice links to the buyer's own batch
    assert db_session.scalar(select(Notice.link).where(Notice.user_id == buyer.id)).endswith(f"/{dried.id}")


def test_a_consumer_report_reaches_the_producer(client, db_session, make_batch, make_user, mailbox):
    batch = make_batch(status=BatchStatus.PUBLISHED, lot_code="TC-9")
    make_user(Role.PRODUCER, batch.organization, email="htx@example.org")
    code = lot_code_for(db_session, batch)
    db_session.commit()
    response = client.post(f"/c/{code.value}/report", json={"kind": "quality", "message": "Chè bị mốc"})
    assert response.status_code == 201
    mail = mailbox.deliver() and mailbox.wait_for("htx@example.org", timeout=1)
    assert subject(mail) == "Có phản ánh của người tiêu dùng về lô TC-9"
    assert "Chè bị mốc" in body(mail) and response.json["receipt"] in body(mail)


def test_the_verification_outcome_reaches_the_organisation(db_session, make_org, make_user, mailbox):
    org = make_org(status=OrgStatus.PENDING, name="HTX Trà Xanh")
    user = make_user(Role.PRODUCER, org, email="moi@example.org")
    user.locale = "en"
    admin = make_user(Role.ADMIN)
    accounts.set_organization_status(db_session, org, admin, OrgStatus.REJECTED, reason="Tax code not found")
    db_session.commit()
    mail = mailbox.deliver() and mailbox.wait_for("moi@example.org", timeout=1)
    assert subject(mail) == "HTX Trà Xanh: Rejected"
    assert "Tax code not found" in body(mail)


def test_a_certificate_expiring_in_30_days_is_told_once(db_session, make_org, make_user, mailbox):
    org = make_org()
    make_user(Role.PRODUCER, org, email="gap@example.org")
    today = dt.date(2026, 12, 1)
    db_session.add(
        Certification(
            organization=org,
            scheme="VietGAP",
            number="VG-77",
            issuer="QUACERT",
            valid_from=dt.date(2025, 1, 1),
            valid_to=dt.date(2026, 12, 31),
        )
    )
    db_session.flush()
    assert notify_expiring_certificates(db_session, today) == 1
    assert notify_expiring_certificates(db_session, today + dt.timedelta(days=1)) == 0  # told already
    db_session.commit()
    mails = [m for m in mailbox.deliver() if "gap@example.org" in m["To"]]
    assert [subject(m) for m in mails] == ["Chứng nhận VietGAP VG-77 hết hạn ngày 31/12/2026"]


def test_nothing_is_mailed_for_work_that_was_rolled_back(db_session, make_org, make_user, mailbox):
    org = make_org()
    make_user(Role.PRODUCER, org, email="rollback@example.org")
    db_session.commit()
    notify(db_session, org, "batch_suspended", lot="X", reason="y")
    db_session.rollback()
    assert huey.pending_count() == 0
    db_session.commit()
    assert mailbox.deliver() == []


def test_the_workspace_lists_notices_newest_first_with_the_unread_count(
    db_session, make_org, make_user, login_as, api_as, mailbox
):
    org = make_org()
    user = make_user(Role.PRODUCER, org)
    notify(db_session, org, "batch_suspended", lot="A-1", reason="first")
    notify(db_session, org, "batch_recalled", lot="A-1", reason="second")
    other = make_user(Role.PRODUCER)
    notify(db_session, other, "batch_suspended", lot="B-2", reason="not yours")
    db_session.commit()

    api = api_as(user)
    listed = api.get("/api/v1/notifications").json
    assert listed["unread"] == 2
    assert [n["kind"] for n in listed["items"]] == ["batch_recalled", "batch_suspended"]
    assert listed["items"][0]["subject"] == "Lô A-1 bị thu hồi"

    client = login_as(user)
    assert '<span class="badge" title="chưa đọc">2</span>' in client.get("/app/").get_data(as_text=True)
    first = listed["items"][1]["id"]
    assert api.post(f"/api/v1/notifications/{first}/read").json["read_at"] is not None
    assert api.get("/api/v1/notifications").json["unread"] == 1
    page = client.get("/app/notices").get_data(as_text=True)
    assert "Lô A-1 bị thu hồi" in page and "not yours" not in page
    theirs = db_session.scalar(select(Notice.id).where(Notice.user_id == other.id))
    assert api.post(f"/api/v1/notifications/{theirs}/read").status_code == 404


def test_a_user_reads_notices_in_the_language_chosen_on_the_account_page(app, db_session, make_user, login_as):
    user = make_user(Role.PRODUCER)
    notify(db_session, user, "batch_suspended", lot="A-1", reason="x")
    db_session.commit()
    client = login_as(user)
    assert client.post("/account/language", data={"locale": "en"}).status_code == 302
    user = db_session.get(User, user.id)
    assert user.locale == "en"
    with app.test_request_context("/?lang=vi"):  # mail is written in the chosen language, whatever the page's
        assert text_for(user, "batch_suspended", {"lot": "A-1", "reason": "x"})[0] == "Lot A-1 is suspended"
    # the notices page speaks the page's language, like every other word on it
    assert "Lô A-1 bị tạm dừng" in client.get("/app/notices?lang=vi").get_data(as_text=True)
    assert "Lot A-1 is suspended" in client.get("/app/notices?lang=en").get_data(as_text=True)
    assert client.post("/account/language", data={"locale": "fr"}).status_code == 422
