"""A buyer not yet registered is invited by e-mail (in the language the sender chose, Vietnamese by default) or
by a link to pass on; the shipment waits, and arrives in the workspace of the organisation that signs up."""

from __future__ import annotations

from sqlalchemy import select

from traceability.accounts.models import Organization, User
from traceability.notices.models import Notice
from traceability.shipments.models import Shipment

from ..conftest import login
from ..mailsink import body, subject

NEW_TAX_CODE = "4600998877"


def _signup(client, token: str, tax_code: str = NEW_TAX_CODE, email: str = "quay.thit@example.org"):
    form = {
        "organization-name": "Quầy hàng chợ Thái",
        "organization-kind": "household",
        "organization-tax_code": tax_code,
        "organization-province": "Thái Nguyên",
        "organization-commune": "Phan Đình Phùng",
        "organization-address": "Chợ Thái, ki-ốt 12",
        "user-full_name": "Trần Thị Mai",
        "user-email": email,
        "user-password": "mot-mat-khau-dai",
    }
    return client.post(f"/signup?invite={token}", data=form)


def test_the_invitation_is_mailed_in_vietnamese_by_default_with_its_link(chain, ship, db_session, mailbox):
    answer = ship(to_tax_code=NEW_TAX_CODE, invite_email="quay.thit@example.org")
    assert answer.status_code == 201, answer.json
    token = db_session.get(Shipment, answer.json["id"]).invite_token
    (mail,) = mailbox.deliver()
    assert mail["To"] == "quay.thit@example.org"
    assert subject(mail) == "HTX Chè Tân Cương gửi bạn 30 kg Chè xanh thử"
    assert f"https://registry.example/invite/{token}" in body(mail)
    assert NEW_TAX_CODE in body(mail) and "đăng ký" in body(mail)


def test_the_sender_may_choose_english_for_the_invitation(chain, ship, mailbox):
    answer = ship(to_tax_code=NEW_TAX_CODE, invite_email="stall@example.org", invite_language="en")
    assert answer.status_code == 201, answer.json
    (mail,) = mailbox.deliver()
    assert subject(mail) == "HTX Chè Tân Cương is shipping you 30 kg of Chè xanh thử"


def test_an_unknown_invitation_language_is_refused_naming_the_field(chain, ship, db_session):
    answer = ship(to_tax_code=NEW_TAX_CODE, invite_email="stall@example.org", invite_language="fr")
    assert answer.status_code == 422
    assert "invite_language" in answer.json["errors"]["json"]
    assert db_session.scalar(select(Shipment)) is None


def test_a_link_to_pass_on_sends_no_mail(chain, ship, mailbox):
    answer = ship(to_tax_code=NEW_TAX_CODE, invite=True)
    assert answer.status_code == 201 and answer.json["invite_url"].startswith("https://registry.example/invite/")
    assert mailbox.deliver() == []


def test_signing_up_through_the_link_brings_the_shipment_into_the_new_workspace(chain, ship, client, db_session):
    answer = ship(to_tax_code=NEW_TAX_CODE, invite_email="quay.thit@example.org")
    token = db_session.get(Shipment, answer.json["id"]).invite_token
    invitation = client.get(f"/invite/{token}").get_data(as_text=True)
    assert f"/signup?invite={token}" in invitation
    form = client.get(f"/signup?invite={token}").get_data(as_text=True)
    assert f'value="{NEW_TAX_CODE}"' in form and 'value="quay.thit@example.org"' in form  # filled in
    assert _signup(client, token).status_code == 302
    org = db_session.scalar(select(Organization).where(Organization.tax_code == NEW_TAX_CODE))
    user = db_session.scalar(select(User).where(User.organization_id == org.id))
    told = db_session.scalars(select(Notice).where(Notice.user_id == user.id)).all()
    assert [n.kind for n in told] == ["shipment_sent"] and told[0].link == f"/app/shipments/{answer.json['id']}"
    login(client, user, "mot-mat-khau-dai")
    page = client.get("/app/shipments").get_data(as_text=True)
    assert "PX-0001" in page and "HTX Chè Tân Cương" in page
    assert client.get(f"/app/shipments/{answer.json['id']}/accept").status_code == 200


def test_a_cancelled_invitation_no_longer_opens(chain, ship, client, db_session):
    answer = ship(to_tax_code=NEW_TAX_CODE, invite=True)
    path = answer.json["invite_url"].removeprefix("https://registry.example")
    assert client.get(path).status_code == 200
    assert chain.coop_api.post(f"/api/v1/shipments/{answer.json['id']}/cancel").status_code == 200
    assert client.get(path).status_code == 404
