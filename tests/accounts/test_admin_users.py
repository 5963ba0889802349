from sqlalchemy import select

from traceability.accounts.models import Role, User

from ..conftest import PASSWORD


def test_admin_creates_an_inspector_who_can_sign_in(client, make_user, login_as, db_session, app):
    login_as(make_user(Role.ADMIN))
    response = client.post(
        "/admin/users",
        data={
            "full_name": "Phạm Thị Lan",
            "email": "lan@example.org",
            "role": "inspector",
            "password": "mat-khau-dai-1",
        },
    )
    assert response.status_code == 302
    assert db_session.scalar(select(User).where(User.email == "lan@example.org")).role == Role.INSPECTOR
    other = app.test_client()
    assert other.post("/login", data={"email": "lan@example.org", "password": "mat-khau-dai-1"}).status_code == 302


def test_bad_input_names_the_field_and_creates_nothing(client, make_user, login_as, db_session):
    admin = make_user(Role.ADMIN)
    login_as(admin)
    count = len(db_session.scalars(select(User)).all())
    for data, field in [
        ({"full_name": "A B", "email": admin.email, "role": "inspector", "password": "mat-khau-dai-1"}, "email"),
        ({"full_name": "A B", "email": "x@example.org", "role": "producer", "password": "mat-khau-dai-1"}, "role"),
        ({"full_name": "A B", "email": "x@example.org", "role": "inspector", "password": "short"}, "password"),
    ]:
        response = client.post("/admin/users", data=data)
        assert response.status_code == 422
        assert f'id="e-{field}"' in response.get_data(as_text=True)
    assert len(db_session.scalars(select(User)).all()) == count


def test_a_disabled_account_cannot_sign_in_and_an_admin_cannot_disable_itself(
    client, make_user, login_as, db_session, app
):
    admin = make_user(Role.ADMIN)
    producer = make_user(Role.PRODUCER)
    login_as(admin)
    client.post(f"/admin/users/{producer.id}/active", data={"active": "false"})
    assert db_session.get(User, producer.id).is_active is False
    assert app.test_client().post("/login", data={"email": producer.email, "password": PASSWORD}).status_code == 422
    client.post(f"/admin/users/{admin.id}/active", data={"active": "false"})
    assert db_session.get(User, admin.id).is_active is True
    client.post(f"/admin/users/{producer.id}/active", data={"active": "true"})
    assert db_session.get(User, producer.id).is_active is True
