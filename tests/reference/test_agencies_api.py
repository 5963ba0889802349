"""The agencies through the API (inspectors read, the admin keeps them) and deleting an agency, on the API and the
admin page: refused while inspectors work for it, and for good once actions it recorded name it (it is made
inactive instead), so past actions keep naming it and the audit chain still matches the rows."""

from __future__ import annotations

from sqlalchemy import func, select

from traceability.accounts.models import User
from traceability.audit.models import AuditEntry
from traceability.audit.verify import verify
from traceability.inspection.models import Inspection, InspectionResult
from traceability.reference.models import Agency, AgencyKind

VI = {"Accept-Language": "vi"}
EN = {"Accept-Language": "en"}
TAN_CUONG = "05503"  # Xã Tân Cương


def _new(api, **values):
    body = {"name": "UBND xã Tân Cương", "kind": AgencyKind.COMMUNE.value, **values}
    return api.post("/api/v1/agencies", json=body, headers=EN)


def _member(make_user, agency_id: int) -> User:
    user = make_user("inspector")
    user.agency_id = agency_id  # as the admin sets it on the accounts page
    return user


def _agency_count(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(Agency))


def test_the_admin_adds_an_agency_by_codes_and_inspectors_read_who_covers_what(api_as, make_user, db_session):
    admin, inspector = api_as(make_user("admin")), api_as(make_user("inspector"))
    producer = api_as(make_user())
    db_session.commit()
    created = _new(admin, commune_codes=[TAN_CUONG], category_codes=["tea", "vegetable"])
    assert created.status_code == 201, created.json
    agency = created.json
    assert agency["kind"] == "commune_committee" and agency["is_active"] is True
    assert agency["communes"] == [{"code": TAN_CUONG, "name": "Xã Tân Cương"}]
    assert sorted(c["code"] for c in agency["categories"]) == ["tea", "vegetable"]
    assert agency["inspector_count"] == 0

    # an inspector of the agency is counted; a provincial department with nothing chosen covers everything
    member = _member(make_user, agency["id"])
    db_session.commit()
    assert _new(admin, name="Sở Nông nghiệp và Môi trường", kind="agriculture_environment").status_code == 201
    listed = inspector.get("/api/v1/agencies")
    assert listed.status_code == 200
    by_name = {a["name"]: a for a in listed.json}
    assert by_name["UBND xã Tân Cương"]["inspector_count"] == 1
    assert by_name["Sở Nông nghiệp và Môi trường"]["communes"] == []
    assert by_name["Sở Nông nghiệp và Môi trường"]["categories"] == []
    one = inspector.get(f"/api/v1/agencies/{agency['id']}")
    assert one.status_code == 200 and one.json["inspector_count"] == 1
    assert db_session.get(User, member.id).agency_id == agency["id"]

    # producers do not read the list; inspectors do not keep it
    assert producer.get("/api/v1/agencies").status_code == 403
    assert _new(inspector, name="Chi cục").status_code == 403
    assert inspector.patch(f"/api/v1/agencies/{agency['id']}", json={"name": "X"}).status_code == 403
    assert inspector.delete(f"/api/v1/agencies/{agency['id']}").status_code == 403
    assert admin.get("/api/v1/agencies/999999").status_code == 404


def test_unknown_codes_a_missing_or_taken_name_are_refused_naming_the_field(api_as, make_user, db_session):
    admin = api_as(make_user("admin"))
    db_session.commit()
    assert _new(admin).status_code == 201
    before = _agency_count(db_session)

    unknown_commune = _new(admin, name="Chi cục", commune_codes=[TAN_CUONG, "99999"])
    assert unknown_commune.status_code == 422
    assert unknown_commune.json["errors"]["json"]["commune_codes"] == ["Not on the list of communes: 99999."]
    unknown_category = _new(admin, name="Chi cục", category_codes=["tea", "durian"])
    assert unknown_category.status_code == 422
    assert unknown_category.json["errors"]["json"]["category_codes"] == [
        "Not on the list of product categories: durian."
    ]
    nameless = admin.post("/api/v1/agencies", json={"kind": "market_surveillance"})
    assert nameless.status_code == 422 and "name" in nameless.json["errors"]["json"]
    taken = _new(admin, name="UBND XÃ TÂN CƯƠNG")  # the same name in other letters
    assert taken.status_code == 422
    assert taken.json["errors"]["json"]["name"] == ["An agency of this name already exists."]
    vi = admin.post("/api/v1/agencies", json={"name": "Chi cục", "kind": "police"}, headers=VI)
    assert vi.status_code == 422 and "kind" in vi.json["errors"]["json"]
    vi = admin.post("/api/v1/agencies", json={"name": "Chi cục", "kind": "market_surveillance",
                                              "commune_codes": ["99999"]}, headers=VI)  # fmt: skip
    assert vi.json["errors"]["json"]["commune_codes"] == ["Không có trong danh sách xã, phường: 99999."]
    assert _agency_count(db_session) == before


def test_a_change_gives_only_what_changes_and_the_coverage_is_in_the_audit_chain(api_as, make_user, db_session):
    admin = api_as(make_user("admin"))
    db_session.commit()
    agency = _new(admin, commune_codes=[TAN_CUONG], category_codes=["tea"]).json
    renamed = admin.patch(f"/api/v1/agencies/{agency['id']}", json={"name": "UBND xã Tân Cương (mới)"})
    assert renamed.status_code == 200
    assert renamed.json["name"] == "UBND xã Tân Cương (mới)"
    assert [c["code"] for c in renamed.json["communes"]] == [TAN_CUONG]  # not given: kept
    widened = admin.patch(f"/api/v1/agencies/{agency['id']}", json={"commune_codes": []})
    assert widened.status_code == 200 and widened.json["communes"] == []
    refused = admin.patch(f"/api/v1/agencies/{agency['id']}", json={"category_codes": ["nope"]})
    assert refused.status_code == 422 and "category_codes" in refused.json["errors"]["json"]
    db_session.expire_all()
    assert [c.code for c in db_session.get(Agency, agency["id"]).categories] == ["tea"]

    entries = db_session.scalars(
        select(AuditEntry).where(AuditEntry.entity_type == "agencies").order_by(AuditEntry.seq)
    ).all()
    actions = [(e.action, e.before, e.after) for e in entries]
    assert actions[0][0] == "create" and actions[0][2]["name"] == "UBND xã Tân Cương"
    assert ("coverage", None, {"communes": [TAN_CUONG], "categories": ["tea"]}) in actions
    assert ("update", {"name": "UBND xã Tân Cương"}, {"name": "UBND xã Tân Cương (mới)"}) in [
        (a, {"name": b["name"]}, {"name": c["name"]}) for a, b, c in actions if a == "update" and "name" in c
    ]
    assert (
        "coverage",
        {"communes": [TAN_CUONG], "categories": ["tea"]},
        {"communes": [], "categories": ["tea"]},
    ) in actions
    assert all(e.actor_label != "system" for e in entries)


def test_an_agency_is_deleted_only_once_its_inspectors_have_moved(api_as, make_user, db_session):
    admin = api_as(make_user("admin"))
    db_session.commit()
    agency = _new(admin, commune_codes=[TAN_CUONG]).json
    first = _member(make_user, agency["id"])
    second = _member(make_user, agency["id"])
    db_session.commit()

    refused = admin.delete(f"/api/v1/agencies/{agency['id']}", headers=EN)
    assert refused.status_code == 409
    assert refused.json["message"] == (
        "2 inspectors still work for UBND xã Tân Cương: move them to another agency (or make them provincial) "
        "on the accounts page first."
    )
    in_vietnamese = admin.delete(f"/api/v1/agencies/{agency['id']}", headers=VI).json["message"]
    assert in_vietnamese.startswith("2 cán bộ kiểm tra vẫn thuộc UBND xã Tân Cương")
    assert db_session.get(Agency, agency["id"]) is not None

    for user in (first, second):
        db_session.get(User, user.id).agency_id = None  # the admin made them provincial
    db_session.commit()
    deleted = admin.delete(f"/api/v1/agencies/{agency['id']}")
    assert deleted.status_code == 204, deleted.json
    db_session.expire_all()
    assert db_session.get(Agency, agency["id"]) is None
    assert admin.get(f"/api/v1/agencies/{agency['id']}").status_code == 404
    last = db_session.scalars(
        select(AuditEntry).where(AuditEntry.entity_type == "agencies").order_by(AuditEntry.seq.desc()).limit(2)
    ).all()
    assert {(e.action, e.entity_id) for e in last} == {("delete", str(agency["id"])), ("coverage", str(agency["id"]))}
    assert verify(db_session).ok


def test_an_agency_with_recorded_actions_stays_and_is_made_inactive_instead(
    api_as, make_user, make_batch, client, login_as, db_session
):
    admin_user = make_user("admin")
    admin = api_as(admin_user)
    db_session.commit()
    agency_id = _new(admin).json["id"]
    inspector = _member(make_user, agency_id)
    batch = make_batch()
    db_session.add(
        Inspection(
            inspector=inspector,
            agency_id=agency_id,
            batch=batch,
            organization=batch.organization,
            result=InspectionResult.COMPLIANT,
        )
    )
    db_session.commit()

    # not made inactive while the inspector still works for it
    held = admin.patch(f"/api/v1/agencies/{agency_id}", json={"is_active": False}, headers=EN)
    assert held.status_code == 422
    assert held.json["errors"]["json"]["is_active"][0].startswith("1 inspector still works for UBND xã Tân Cương")
    db_session.get(User, inspector.id).agency_id = None
    db_session.commit()

    refused = admin.delete(f"/api/v1/agencies/{agency_id}", headers=EN)
    assert refused.status_code == 409
    assert refused.json["message"] == (
        "UBND xã Tân Cương cannot be deleted: 1 recorded action names it (an inspection, a decision on a batch or a "
        "consumer report). Make it inactive instead."
    )
    inactive = admin.patch(f"/api/v1/agencies/{agency_id}", json={"is_active": False})
    assert inactive.status_code == 200 and inactive.json["is_active"] is False
    db_session.expire_all()
    # the inspection still names the agency; no inspector can be set to work for it any more
    assert db_session.scalar(select(Inspection.agency_id)) == agency_id
    login_as(admin_user)
    page = client.get("/admin/users", headers=VI).get_data(as_text=True)
    assert "UBND xã Tân Cương" not in page
    moved = client.post(
        f"/admin/users/{inspector.id}/agency", data={"agency_id": str(agency_id)}, headers=VI, follow_redirects=True
    )
    assert "UBND xã Tân Cương đã ngừng hoạt động: hãy chọn cơ quan khác." in moved.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(User, inspector.id).agency_id is None
    listing = client.get("/admin/agencies", headers=VI).get_data(as_text=True)
    assert "Ngừng hoạt động" in listing
    assert verify(db_session).ok


def test_the_admin_page_asks_before_deleting_and_says_why_it_cannot(client, make_user, login_as, db_session):
    login_as(make_user("admin"))
    kept, mistake = (Agency(name=n, kind=AgencyKind.MARKET_SURVEILLANCE) for n in ("Đội QLTT số 1", "Đội QLTT sô 1"))
    db_session.add_all([kept, mistake])
    db_session.commit()
    _member(make_user, kept.id)
    db_session.commit()

    edit = client.get(f"/admin/agencies/{mistake.id}", headers=VI).get_data(as_text=True)
    assert f"/admin/agencies/{mistake.id}/delete" in edit
    confirm = client.get(f"/admin/agencies/{mistake.id}/delete", headers=VI)
    assert confirm.status_code == 200 and "Xóa cơ quan Đội QLTT sô 1?" in confirm.get_data(as_text=True)
    assert db_session.get(Agency, mistake.id) is not None  # asking deletes nothing
    deleted = client.post(f"/admin/agencies/{mistake.id}/delete", headers=VI, follow_redirects=True)
    assert "Đã xóa cơ quan Đội QLTT sô 1." in deleted.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(Agency, mistake.id) is None

    # the one an inspector works for: straight back to its page with the reason, on asking and on posting
    for method in ("get", "post"):
        answer = getattr(client, method)(f"/admin/agencies/{kept.id}/delete", headers=VI, follow_redirects=True)
        text = answer.get_data(as_text=True)
        assert "1 cán bộ kiểm tra vẫn thuộc Đội QLTT số 1" in text and 'name="name"' in text
    # nor is it made inactive from its page: the box unticked is refused with the same reason
    unticked = client.post(f"/admin/agencies/{kept.id}", data={"name": kept.name, "kind": "market_surveillance"},
                           headers=VI)  # fmt: skip
    assert unticked.status_code == 422 and "1 cán bộ kiểm tra vẫn thuộc" in unticked.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(Agency, kept.id).is_active


def test_the_agency_routes_are_in_the_api_document(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert set(paths["/api/v1/agencies"]) >= {"get", "post"}
    assert set(paths["/api/v1/agencies/{agency_id}"]) >= {"get", "patch", "delete"}
    schema = paths["/api/v1/agencies"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert schema["$ref"].endswith("/AgencyApiIn")
