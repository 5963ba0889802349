from sqlalchemy import select

from traceability.reference.models import BannedSubstance, SubstanceStatus


def _get(db_session, name):
    return db_session.scalar(select(BannedSubstance).where(BannedSubstance.name == name))


def test_admin_adds_and_edits_a_substance(client, make_user, login_as, db_session):
    login_as(make_user("admin"))
    response = client.post(
        "/admin/substances/new",
        data={
            "name": "Emamectin X",
            "synonyms": "Emamectin-X; Ê-ma-mec-tin X",
            "status": "removed",
            "effective_from": "2026-12-01",
            "legal_source": "Quyết định thử",
            "is_checked": "true",
        },
    )
    assert response.status_code == 302
    substance = _get(db_session, "Emamectin X")
    assert substance.status == SubstanceStatus.REMOVED and substance.names()[1:] == ["Emamectin-X", "Ê-ma-mec-tin X"]
    assert "Emamectin X" in client.get("/admin/substances/?q=e-ma-mec").get_data(as_text=True)  # accents forgiven
    assert "Emamectin X" not in client.get("/admin/substances/?q=paraquat").get_data(as_text=True)
    client.post(f"/admin/substances/{substance.id}", data={"name": "Emamectin X", "status": "banned"})
    assert _get(db_session, "Emamectin X").status == SubstanceStatus.BANNED


def test_bad_input_names_the_field_and_changes_nothing(client, make_user, login_as, db_session):
    login_as(make_user("admin"))
    client.post("/admin/substances/new", data={"name": "Testazin", "status": "banned"})
    count = len(db_session.scalars(select(BannedSubstance)).all())
    for data, field in [
        ({"name": "testazin", "status": "banned"}, "name"),  # already listed, whatever the case
        ({"name": "Y", "status": "banned"}, "name"),
        ({"name": "Yzin", "status": "allowed"}, "status"),
        ({"name": "Yzin", "status": "banned", "effective_from": "31/02/2026"}, "effective_from"),
    ]:
        response = client.post("/admin/substances/new", data=data)
        assert response.status_code == 422
        assert f'id="e-{field}"' in response.get_data(as_text=True)
    assert len(db_session.scalars(select(BannedSubstance)).all()) == count


def test_inspectors_read_the_list_but_cannot_change_it(client, make_user, login_as):
    login_as(make_user("inspector"))
    assert client.get("/admin/substances/").status_code == 200
    assert client.post("/admin/substances/new", data={"name": "Yzin", "status": "banned"}).status_code == 403
