"""The workspace page of a batch's codes: issue, revoke, download — for the owning producer only."""

from __future__ import annotations

from sqlalchemy import func, select

from traceability.accounts.models import Role
from traceability.batches.models import BatchStatus
from traceability.codes.identifiers import grouped
from traceability.codes.models import Code, CodeKind
from traceability.codes.services import lot_code_for

from .conftest import decode_image, decode_png, pdf_text, rasterise_pdf


def _serials(db_session, batch) -> list[str]:
    query = select(Code.value).where(Code.batch_id == batch.id, Code.kind == CodeKind.SERIAL).order_by(Code.id)
    return list(db_session.scalars(query))


def test_page_shows_the_lot_code_grouped_with_its_qr(login_as, owner, db_session):
    client = login_as(owner.user)
    lot = lot_code_for(db_session, owner.batch)
    page = client.get(f"/app/batches/{owner.batch.id}/codes")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert grouped(lot.value) in html
    assert "https://registry.example/01/08936012345001/10/TC-2026%2F11" in html
    preview = client.get(f"/app/codes/{lot.value}/qr.png?size=256")
    assert decode_png(preview.data) == ["https://registry.example/01/08936012345001/10/TC-2026%2F11"]
    download = client.get(f"/app/codes/{grouped(lot.value)}/qr.svg?size=1024&download=1")
    assert download.mimetype == "image/svg+xml" and "attachment" in download.headers["Content-Disposition"]


def test_issuing_from_the_form_then_listing(login_as, owner, db_session):
    client = login_as(owner.user)
    response = client.post(f"/app/batches/{owner.batch.id}/codes", data={"count": "12"})
    assert response.status_code == 302
    codes = _serials(db_session, owner.batch)
    assert len(codes) == 12
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "12" in html and grouped(codes[-1]) in html  # newest first


def test_a_bad_count_re_renders_the_form_with_the_message(login_as, owner, db_session):
    client = login_as(owner.user)
    response = client.post(
        f"/app/batches/{owner.batch.id}/codes", data={"count": "100001"}, headers={"Accept-Language": "vi"}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="e-count"' in html
    assert _serials(db_session, owner.batch) == []


def test_revoking_a_run_from_the_form(login_as, owner, db_session):
    client = login_as(owner.user)
    client.post(f"/app/batches/{owner.batch.id}/codes", data={"count": "6"})
    codes = _serials(db_session, owner.batch)
    response = client.post(
        f"/app/batches/{owner.batch.id}/codes/revoke",
        data={"from_code": grouped(codes[1]).lower(), "to_code": codes[3], "reason": "cuộn nhãn bị mất"},
    )
    assert response.status_code == 302
    revoked = db_session.scalars(select(Code.value).where(Code.revoked_at.is_not(None))).all()
    assert sorted(revoked) == sorted(codes[1:4])
    several = client.post(
        f"/app/batches/{owner.batch.id}/codes/revoke",
        data={"codes": f"{codes[0]}, {grouped(codes[5])}", "reason": "hỏng"},
    )
    assert several.status_code == 302
    assert db_session.scalar(select(func.count()).where(Code.revoked_at.is_not(None))) == 5


def test_revoking_without_a_reason_names_the_field(login_as, owner, db_session):
    client = login_as(owner.user)
    client.post(f"/app/batches/{owner.batch.id}/codes", data={"count": "1"})
    code = _serials(db_session, owner.batch)[0]
    response = client.post(f"/app/batches/{owner.batch.id}/codes/revoke", data={"codes": code})
    assert response.status_code == 422
    assert 'id="e-reason"' in response.get_data(as_text=True)
    assert db_session.scalar(select(func.count()).where(Code.revoked_at.is_not(None))) == 0


def test_label_sheet_download_from_the_workspace(login_as, owner, db_session):
    client = login_as(owner.user)
    client.post(f"/app/batches/{owner.batch.id}/codes", data={"count": "3"})
    codes = _serials(db_session, owner.batch)
    response = client.get(f"/app/batches/{owner.batch.id}/labels.pdf?codes=serial&per_page=24&lang=vi")
    assert response.status_code == 200
    (page,) = rasterise_pdf(response.get_data())
    base = "https://registry.example/01/08936012345001/10/TC-2026%2F11/21/"
    assert decode_image(page) == [base + c for c in codes]


def test_another_producer_gets_404(login_as, owner, make_user, db_session):
    stranger = make_user(Role.PRODUCER)
    db_session.commit()
    client = login_as(stranger)
    lot = lot_code_for(db_session, owner.batch)
    assert client.get(f"/app/batches/{owner.batch.id}/codes").status_code == 404
    assert client.post(f"/app/batches/{owner.batch.id}/codes", data={"count": "5"}).status_code == 404
    assert client.get(f"/app/codes/{lot.value}/qr.png").status_code == 404
    assert client.get(f"/app/batches/{owner.batch.id}/labels.pdf").status_code == 404
    assert _serials(db_session, owner.batch) == []


def test_a_draft_batch_offers_no_issuing(login_as, owner, make_batch, db_session):
    draft = make_batch(owner.org, status=BatchStatus.DRAFT)
    db_session.commit()
    client = login_as(owner.user)
    html = client.get(f"/app/batches/{draft.id}/codes").get_data(as_text=True)
    assert 'name="count"' not in html
    assert client.post(f"/app/batches/{draft.id}/codes", data={"count": "5"}).status_code == 409


def test_the_page_says_how_to_print_and_the_sheet_names_producer_and_address(login_as, owner, db_session):
    client = login_as(owner.user)
    html = client.get(f"/app/batches/{owner.batch.id}/codes?lang=en").get_data(as_text=True)
    assert "100 % scale" in html and "label stock" in html
    response = client.get(f"/app/batches/{owner.batch.id}/labels.pdf?codes=lot&per_page=10&lang=vi")
    text = " ".join(pdf_text(response.get_data()).split())
    assert text.count("registry.example") == 10  # PUBLIC_BASE_URL's host, whole, on every label
    assert text.count(owner.batch.organization.name) == 10
