"""The codes API: issue unit codes, QR images, revocation and label sheets, for the owning producer only."""

from __future__ import annotations

from sqlalchemy import func, select

from traceability.accounts.models import Role
from traceability.audit.models import AuditEntry
from traceability.batches.models import BatchStatus
from traceability.codes.identifiers import normalise
from traceability.codes.models import Code, CodeKind
from traceability.codes.services import lot_code_for
from traceability.codes.urls import parse_code_url

from .conftest import decode_image, decode_png, pdf_text, rasterise_pdf, rasterise_svg


def _serials(db_session, batch) -> int:
    return db_session.scalar(select(func.count()).where(Code.batch_id == batch.id, Code.kind == CodeKind.SERIAL))


def test_producer_issues_unit_codes_with_their_urls(api_for, owner, db_session):
    response = api_for(owner.user).post(f"/api/v1/batches/{owner.batch.id}/codes", json={"count": 25})
    assert response.status_code == 201, response.json
    issued = response.json
    assert len(issued) == 25 and len({c["code"] for c in issued}) == 25
    for item in issued:
        assert normalise(item["grouped"]) == item["code"]  # each carries a valid check character
        assert parse_code_url(item["url"]) == ("08936012345001", "TC-2026/11", item["code"])
    assert _serials(db_session, owner.batch) == 25
    entry = db_session.scalars(select(AuditEntry).where(AuditEntry.action == "issue_codes")).one()
    assert entry.after["count"] == 25 and entry.entity_id == str(owner.batch.id)


def test_count_is_checked_and_nothing_is_written_on_bad_input(api_for, owner, db_session):
    api = api_for(owner.user)
    for body in ({"count": 0}, {"count": 100_001}, {"count": "many"}, {}):
        response = api.post(f"/api/v1/batches/{owner.batch.id}/codes", json=body)
        assert response.status_code == 422
        assert "count" in response.json["errors"]["json"]
    assert _serials(db_session, owner.batch) == 0


def test_codes_only_for_a_published_batch(api_for, owner, make_batch, db_session):
    for status in (BatchStatus.DRAFT, BatchStatus.SUSPENDED, BatchStatus.RECALLED):
        batch = make_batch(owner.org, status=status)
        db_session.commit()
        response = api_for(owner.user).post(f"/api/v1/batches/{batch.id}/codes", json={"count": 3})
        assert response.status_code == 409
        assert _serials(db_session, batch) == 0


def test_another_organisation_gets_404_everywhere(api_for, owner, make_user, db_session):
    stranger = api_for(make_user(Role.PRODUCER))
    lot = lot_code_for(db_session, owner.batch)
    assert stranger.post(f"/api/v1/batches/{owner.batch.id}/codes", json={"count": 1}).status_code == 404
    assert stranger.get(f"/api/v1/codes/{lot.value}/qr.png").status_code == 404
    assert stranger.get(f"/api/v1/codes/{lot.value}/qr.svg").status_code == 404
    assert stranger.get(f"/api/v1/batches/{owner.batch.id}/labels.pdf").status_code == 404
    response = stranger.post(
        "/api/v1/codes/revoke",
        json={"batch_id": owner.batch.id, "from_code": lot.value, "to_code": lot.value, "reason": "stolen"},
    )
    assert response.status_code == 404
    assert _serials(db_session, owner.batch) == 0


def test_qr_images_carry_the_public_url(api_for, owner, db_session):
    api = api_for(owner.user)
    lot = lot_code_for(db_session, owner.batch)
    expected = "https://registry.example/01/08936012345001/10/TC-2026%2F11"
    png = api.get(f"/api/v1/codes/{lot.value.lower()}/qr.png?size=256")
    assert png.status_code == 200 and png.mimetype == "image/png"
    assert decode_png(png.data) == [expected]
    svg = api.get(f"/api/v1/codes/{lot.value}/qr.svg?size=300")
    assert svg.mimetype == "image/svg+xml"
    assert decode_image(rasterise_svg(svg.data)) == [expected]
    too_big = api.get(f"/api/v1/codes/{lot.value}/qr.png?size=99999")
    assert too_big.status_code == 422 and "size" in too_big.json["errors"]["query"]


def test_revoke_one_by_one_and_as_a_range(api_for, owner, db_session):
    api = api_for(owner.user)
    codes = [c["code"] for c in api.post(f"/api/v1/batches/{owner.batch.id}/codes", json={"count": 10}).json]
    response = api.post("/api/v1/codes/revoke", json={"codes": [codes[0].lower()], "reason": "damaged label"})
    assert response.status_code == 200 and response.json == {"revoked": 1}
    # a stolen roll: the 4th to the 7th code, given in either order
    response = api.post(
        "/api/v1/codes/revoke",
        json={"batch_id": owner.batch.id, "from_code": codes[6], "to_code": codes[3], "reason": "roll stolen"},
    )
    assert response.json == {"revoked": 4}
    revoked = set(
        db_session.scalars(select(Code.value).where(Code.batch_id == owner.batch.id, Code.revoked_at.is_not(None)))
    )
    assert revoked == {codes[0], *codes[3:7]}
    assert db_session.scalar(select(Code.revoked_reason).where(Code.value == codes[4])) == "roll stolen"


def test_revocation_errors_name_the_field_and_change_nothing(api_for, owner, db_session):
    api = api_for(owner.user)
    codes = [c["code"] for c in api.post(f"/api/v1/batches/{owner.batch.id}/codes", json={"count": 2}).json]
    lot = lot_code_for(db_session, owner.batch)
    mistyped = codes[1][:-1] + ("0" if codes[1][-1] != "0" else "1")
    cases = [
        ({"codes": [codes[0], mistyped], "reason": "x" * 5}, "codes"),  # one bad code: none revoked
        ({"codes": [lot.value], "reason": "stolen"}, "codes"),  # the lot code is not revocable
        ({"codes": [codes[0]]}, "reason"),
        ({"batch_id": owner.batch.id, "from_code": codes[0], "reason": "stolen"}, "to_code"),
        ({"batch_id": owner.batch.id, "from_code": codes[0], "to_code": lot.value, "reason": "stolen"}, "to_code"),
        ({"reason": "stolen"}, "codes"),
    ]
    for body, field in cases:
        response = api.post("/api/v1/codes/revoke", json=body)
        assert response.status_code == 422, body
        assert field in response.json["errors"]["json"], (body, response.json)
    assert db_session.scalar(select(func.count()).where(Code.revoked_at.is_not(None))) == 0


def test_label_sheet_of_a_run_of_serials(api_for, owner):
    api = api_for(owner.user)
    issued = api.post(f"/api/v1/batches/{owner.batch.id}/codes", json={"count": 14}).json
    api.post("/api/v1/codes/revoke", json={"codes": [issued[3]["code"]], "reason": "damaged"})
    response = api.get(
        f"/api/v1/batches/{owner.batch.id}/labels.pdf?codes=serial&per_page=10"
        f"&from_code={issued[2]['grouped']}&to_code={issued[12]['code']}"
    )
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["X-Label-Count"] == "10" and response.headers["X-Label-Pages"] == "1"
    assert "attachment" in response.headers["Content-Disposition"]
    pdf = response.get_data()
    expected = [item["url"] for i, item in enumerate(issued) if 2 <= i <= 12 and i != 3]  # the revoked one is left out
    assert decode_image(rasterise_pdf(pdf)[0]) == expected
    text = pdf_text(pdf)
    # the product name, wrapped on the label (at whichever word the column's width gives)
    assert "Chè Tân Cương đặc biệt" in " ".join(text.split()) and "Chè Tân Cương đặc biệt" not in text


def test_label_sheet_of_the_lot_code(api_for, owner, db_session):
    response = api_for(owner.user).get(f"/api/v1/batches/{owner.batch.id}/labels.pdf?codes=lot&per_page=40")
    assert response.status_code == 200
    (page,) = rasterise_pdf(response.get_data())
    assert decode_image(page) == ["https://registry.example/01/08936012345001/10/TC-2026%2F11"] * 40


def test_label_sheet_refusals(api_for, owner, make_batch, db_session):
    api = api_for(owner.user)
    bad_grid = api.get(f"/api/v1/batches/{owner.batch.id}/labels.pdf?per_page=12")
    assert bad_grid.status_code == 422 and "per_page" in bad_grid.json["errors"]["query"]
    no_serials = api.get(f"/api/v1/batches/{owner.batch.id}/labels.pdf?codes=serial")
    assert no_serials.status_code == 422 and "codes" in no_serials.json["errors"]["json"]
    draft = make_batch(owner.org)
    db_session.commit()
    assert api.get(f"/api/v1/batches/{draft.id}/labels.pdf").status_code == 409
