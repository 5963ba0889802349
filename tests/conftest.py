"""Test harness: the schema migrated once per run; every test inside a SAVEPOINT that is rolled back.

SQLite by default; PostgreSQL when TEST_DATABASE_URL is set (CI). A database that cannot be reached
fails the run: it never skips.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
from flask import has_request_context, request
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, text
from sqlalchemy.orm import Session

_RUN_DIR = tempfile.mkdtemp(prefix="traceability-tests-")
os.environ.setdefault("INSTANCE_PATH", _RUN_DIR)
os.environ.setdefault("SECRET_KEY", "tests-only-secret")

from traceability import create_app, db, migrate  # noqa: E402
from traceability.accounts import services as accounts  # noqa: E402
from traceability.accounts.models import Organization, OrgKind, OrgStatus, Role, User  # noqa: E402
from traceability.audit.services import reset_actor  # noqa: E402
from traceability.batches.models import Batch, BatchInput, BatchStatus  # noqa: E402
from traceability.codes.services import issue_lot_code  # noqa: E402
from traceability.db import utcnow  # noqa: E402
from traceability.extensions import limiter  # noqa: E402
from traceability.registry.models import Product, Site, SiteKind  # noqa: E402

PASSWORD = "correct horse battery"


def database_url(suffix: str = "") -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url + suffix
    return f"sqlite:///{_RUN_DIR}/test{suffix}.db"


def scratch_database_url(suffix: str) -> str:
    """A second, empty database beside the test database (created on PostgreSQL when missing)."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        path = f"{_RUN_DIR}/test{suffix}.db"
        if os.path.exists(path):
            os.unlink(path)
        return f"sqlite:///{path}"
    base = db.normalise_url(base)
    name = base.rsplit("/", 1)[1] + suffix
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.rsplit("/", 1)[0] + "/" + name


def reset_postgres(engine: Any) -> None:
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))


@pytest.fixture(scope="session")
def engine() -> Iterator[Any]:
    eng = db.make_engine(database_url())
    if eng.dialect.name == "postgresql":
        reset_postgres(eng)
    migrate.upgrade(eng)
    yield eng
    eng.dispose()


class CommittingClient(FlaskClient):
    """Commits what the test wrote before each request (into the test's outer transaction, rolled back at the
    end), so a request that fails and rolls back its own work cannot take the test's data with it."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        db.session.commit()
        return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def app(engine: Any):
    application = create_app(
        {
            "TESTING": True,
            "ENGINE": engine,
            "KEEP_SESSION_BINDING": True,
            "WTF_CSRF_ENABLED": False,
            "LOGIN_RATE_LIMIT": "1000 per minute",  # tests that check a limit set it low themselves
            "PUBLIC_BASE_URL": "https://registry.example",
            "UPLOAD_DIR": os.path.join(_RUN_DIR, "uploads"),
            "SCAN_WRITE_SECONDS": 0,  # each scan written at once, inside the test's transaction
            "AUDIT_ANCHOR_MINUTES": 0,  # heads of rolled-back test data must not be anchored; tests anchor themselves
            # the data version read on every scan: tests change data without committing (their transaction is
            # rolled back); tests/public/test_shared_cache.py runs two servers with a lease
            "DATA_VERSION_LEASE": 0,
        }
    )
    application.test_client_class = CommittingClient
    return application


@pytest.fixture(autouse=True)
def db_session(request: pytest.FixtureRequest) -> Iterator[Any]:
    """Everything a test writes, commits included, is rolled back afterwards."""
    if "no_db" in request.keywords:
        yield None
        return
    engine = request.getfixturevalue("engine")
    app = request.getfixturevalue("app")
    # anchors of the audit chain name heads of this test's data, which is rolled back: a file of its own
    app.config["AUDIT_ANCHOR_FILE"] = str(request.getfixturevalue("tmp_path") / "audit_anchors.jsonl")
    conn = engine.connect()
    outer = conn.begin()
    db.bind(conn, join_transaction_mode="create_savepoint")
    yield db.session
    reset_actor()
    db.session.remove()
    outer.rollback()
    conn.close()
    db.bind(engine)


@pytest.fixture
def settings(app):
    """Change app settings for one test; they are restored afterwards."""
    saved = dict(app.config)
    yield app.config
    app.config.clear()
    app.config.update(saved)


@pytest.fixture
def production_env(monkeypatch):
    """The environment of a complete production install; a test removes one setting to see it refused."""
    monkeypatch.setenv("TRACEABILITY_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://truyxuat.example.gov.vn")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("AUDIT_KEY", "k" * 40)
    return monkeypatch


@pytest.fixture(scope="session")
def smtp_sink():
    """One SMTP server on loopback for the run (tests/mailsink.py)."""
    from .mailsink import MailSink

    sink = MailSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def mailbox(smtp_sink, settings, app):
    """The app sends mail to the loopback SMTP server; the queue starts empty. `mailbox.deliver()` runs what was
    queued (as `traceability worker` would) and returns the messages that arrived."""
    from traceability.jobs.queue import huey

    huey.flush()
    smtp_sink.clear()
    settings["MAIL_SERVER"] = "127.0.0.1"
    settings["MAIL_PORT"] = smtp_sink.port
    settings["MAIL_TIMEOUT"] = 5

    def deliver():
        with app.app_context():
            run_queued()
        return list(smtp_sink.messages)

    smtp_sink.deliver = deliver
    yield smtp_sink
    huey.flush()


def run_queued() -> int:
    """Run every task waiting in the queue, in this thread (tasks queued by tasks too). Returns how many ran."""
    from traceability.jobs.queue import huey

    ran = 0
    while (task := huey.dequeue()) is not None:
        huey.execute(task)
        ran += 1
    return ran


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_org(db_session):
    counter = iter(range(1, 10_000))

    def _make(status: OrgStatus = OrgStatus.VERIFIED, **values: Any) -> Organization:
        n = next(counter)
        data = {
            "name": f"Hợp tác xã thử nghiệm {n}",
            "kind": OrgKind.COOPERATIVE,
            "tax_code": f"46{os.getpid() % 10000:04d}{n:04d}",
            "province": "Thái Nguyên",
            "commune": "Tân Cương",
            "address": f"Xóm {n}",
        }
        data.update(values)
        org = accounts.create_organization(db_session, data)
        if status != OrgStatus.PENDING:
            accounts.set_organization_status(db_session, org, None, status, reason="test")
        return org

    return _make


@pytest.fixture
def make_user(db_session, make_org):
    counter = iter(range(1, 10_000))

    def _make(role: Role | str = Role.PRODUCER, org: Organization | None = None, **values: Any) -> User:
        role = Role(role)
        if role == Role.PRODUCER and org is None:
            org = make_org()
        n = next(counter)
        return accounts.create_user(
            db_session,
            email=values.pop("email", f"{role.value}{n}@example.org"),
            password=values.pop("password", PASSWORD),
            full_name=values.pop("full_name", f"Người dùng {n}"),
            role=role,
            organization=org,
            **values,
        )

    return _make


@pytest.fixture
def make_site(db_session, make_org):
    def _make(org: Organization | None = None, **values: Any) -> Site:
        data = {
            "kind": SiteKind.GROWING_AREA,
            "name": "Đồi chè thử",
            "province": "Thái Nguyên",
            "commune": "Tân Cương",
            "area_code": "VN-TNTC-0099",
            "latitude": Decimal("21.57"),
            "longitude": Decimal("105.75"),
        }
        data.update(values)
        site = Site(organization=org or make_org(), **data)
        db_session.add(site)
        db_session.flush()
        return site

    return _make


@pytest.fixture
def make_product(db_session, make_org):
    def _make(org: Organization | None = None, **values: Any) -> Product:
        data = {"name": "Chè xanh thử", "category_code": "tea", "unit": "kg", "shelf_life_days": 365}
        data.update(values)
        product = Product(organization=org or make_org(), **data)
        db_session.add(product)
        db_session.flush()
        return product

    return _make


@pytest.fixture
def make_batch(db_session, make_org, make_site, make_product):
    """A batch with its product and site; `status=PUBLISHED` also issues its lot code, as publishing does."""
    counter = iter(range(1, 100_000))

    def _make(
        org: Organization | None = None,
        status: BatchStatus = BatchStatus.DRAFT,
        inputs: list[tuple[Batch, Decimal | int]] = (),
        **values: Any,
    ) -> Batch:
        given = values.get("product") or values.get("site")
        org = org or (given.organization if given is not None else make_org())
        product = values.pop("product", None) or make_product(org)
        site = values.pop("site", None) or make_site(org)
        data = {
            "lot_code": f"LOT-{next(counter):05d}",
            "quantity": Decimal("100"),
            "unit": product.unit,
            "harvested_on": dt.date(2026, 10, 1),
        }
        data.update(values)
        batch = Batch(organization=org, product=product, site=site, status=status, **data)
        if status != BatchStatus.DRAFT:
            batch.published_at = utcnow()
        db_session.add(batch)
        db_session.flush()
        for input_batch, quantity in inputs:
            db_session.add(BatchInput(batch_id=batch.id, input_batch_id=input_batch.id, quantity=Decimal(quantity)))
        if status != BatchStatus.DRAFT:
            issue_lot_code(db_session, batch)
        db_session.flush()
        return batch

    return _make


@pytest.fixture(autouse=True)
def fresh_limits(request: pytest.FixtureRequest) -> Iterator[None]:
    """Rate-limit and scan-recording counters live in memory for the whole run: every test that uses the app
    starts and ends with none (the consumer-report limit, 5 an hour per address, is soon reached otherwise)."""
    if "app" not in request.fixturenames:
        yield
        return
    app = request.getfixturevalue("app")
    limiter.reset()
    app.extensions["scans"].reset_limits()
    yield
    limiter.reset()
    app.extensions["scans"].reset_limits()


def page_without_form_tokens(response: Any) -> str:
    """A page's text without its CSRF tokens, which carry the second they were signed."""
    return re.sub(r'name="csrf_token" value="[^"]+"', "", response.get_data(as_text=True))


def login(client: Any, user: User, password: str = PASSWORD) -> Any:
    response = client.post("/login", data={"email": user.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


@pytest.fixture
def login_as(client):
    def _login(user: User) -> Any:
        login(client, user)
        return client

    return _login


class ApiClient:
    """A test client that sends a bearer token with every call."""

    def __init__(self, client: Any, token: str):
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"}

    def __getattr__(self, method: str):
        def call(path: str, **kwargs: Any) -> Any:
            headers = {**self.headers, **kwargs.pop("headers", {})}
            return getattr(self.client, method)(path, headers=headers, **kwargs)

        return call


@pytest.fixture
def api_as(app, db_session):
    def _api(user: User) -> ApiClient:
        token = accounts.create_token(db_session, user, "test")
        return ApiClient(app.test_client(), token)

    return _api


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "no_db: the test needs no database")


@contextmanager
def failing_commit(method: str, path_prefix: str) -> Iterator[None]:
    """The database refuses to commit during the request `method path_prefix…`, as after a lost connection."""

    def refuse(_session: Any) -> None:
        if has_request_context() and request.method == method and request.path.startswith(path_prefix):
            raise RuntimeError("database went away")

    event.listen(Session, "before_commit", refuse)
    try:
        yield
    finally:
        event.remove(Session, "before_commit", refuse)
