"""The `traceability` command of API.md."""

from sqlalchemy import func, select, text

from traceability.accounts.models import ApiToken, Organization, OrgStatus, User
from traceability.cli import main
from traceability.demo import DEMO_LOGINS
from traceability.reference.models import BannedSubstance


def run(app, *args, input=None):
    return app.test_cli_runner().invoke(main, list(args), input=input)


def test_users_create_with_a_new_organisation_then_verify_it(app, db_session):
    result = run(
        app,
        "users",
        "create",
        "--email",
        "Chi@Example.org",
        "--role",
        "producer",
        "--org-tax-code",
        "4600000001-001",
        "--password",
        "mat-khau-dai",
    )
    assert result.exit_code == 0, result.output
    user = db_session.scalar(select(User).where(User.email == "chi@example.org"))
    assert user.organization.tax_code == "4600000001-001"
    assert user.organization.status == OrgStatus.PENDING

    result = run(app, "orgs", "verify", "--tax-code", "4600000001-001")
    assert result.exit_code == 0, result.output
    db_session.expire_all()
    assert user.organization.status == OrgStatus.VERIFIED


def test_users_create_asks_for_the_password_when_not_given(app, db_session):
    result = run(
        app, "users", "create", "--email", "tt@example.org", "--role", "inspector", input="mat-khau-dai\nmat-khau-dai\n"
    )
    assert result.exit_code == 0, result.output
    assert db_session.scalar(select(User).where(User.email == "tt@example.org")).role == "inspector"


def test_users_create_refuses_bad_input_and_writes_nothing(app, db_session):
    before = db_session.scalar(select(func.count()).select_from(Organization))
    result = run(
        app,
        "users",
        "create",
        "--email",
        "x@example.org",
        "--role",
        "producer",
        "--org-tax-code",
        "12345",
        "--password",
        "mat-khau-dai",
    )
    assert result.exit_code != 0
    assert "--org-tax-code" in result.output
    assert db_session.scalar(select(func.count()).select_from(Organization)) == before
    result = run(app, "users", "create", "--email", "x@example.org", "--role", "producer", "--password", "mat-khau-dai")
    assert result.exit_code != 0 and "organization" in result.output
    assert db_session.scalar(select(User).where(User.email == "x@example.org")) is None


def test_tokens_create_prints_a_token_the_api_accepts(app, db_session, make_user):
    user = make_user()
    result = run(app, "tokens", "create", "--email", user.email)
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    assert db_session.scalar(select(ApiToken.token_hash).where(ApiToken.user_id == user.id)) != token
    response = app.test_client().get("/api/v1/organizations/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and response.json["id"] == user.organization_id


def test_demo_is_idempotent_and_its_audit_chain_verifies(app, db_session):
    first = run(app, "demo")
    assert first.exit_code == 0, first.output
    for _role, email, password in DEMO_LOGINS:
        assert email in first.output and password in first.output
    counts = db_session.scalar(select(func.count()).select_from(User))
    assert run(app, "demo").exit_code == 0
    assert db_session.scalar(select(func.count()).select_from(User)) == counts
    assert db_session.scalar(select(func.count()).select_from(BannedSubstance)) >= 40

    result = run(app, "audit", "verify")
    assert result.exit_code == 0 and "intact" in result.output

    db_session.execute(text("UPDATE audit_entries SET actor_label = 'nobody' WHERE seq = 7"))
    result = run(app, "audit", "verify")
    assert result.exit_code == 1
    assert "seq=7" in result.output


def test_substances_load_reports_what_changed(app, db_session):
    assert "added" in run(app, "substances", "load").output
    result = run(app, "substances", "load")
    assert result.exit_code == 0 and "0 added, 0 updated" in result.output


def test_the_same_commands_answer_under_flask_app_traceability(app):
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "intact" in result.output
