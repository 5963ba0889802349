"""One unit of work per request (traceability/unit_of_work.py): committed once after the view, or rolled back.

The mechanism is shown on a small app of its own (the registry's error handlers and unit of work, and routes
made for the purpose), then on the registry's own publish and form pages.
"""

from __future__ import annotations

import pytest
from flask import Flask, Response, has_request_context, redirect, stream_with_context
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from traceability import db, unit_of_work
from traceability.audit.models import AuditEntry
from traceability.audit.services import verify_chain
from traceability.batches.models import Batch, BatchStatus, PublishAttempt
from traceability.config import PROJECT_ROOT
from traceability.errors import Invalid, register_error_handlers
from traceability.i18n import init_i18n
from traceability.reference.models import BannedSubstance, SubstanceStatus
from traceability.registry.models import Site

from .conftest import CommittingClient

EN = {"Accept-Language": "en"}


def substance(name: str) -> BannedSubstance:
    return BannedSubstance(name=name, status=SubstanceStatus.BANNED)


def stored(*names: str) -> set[str]:
    """Which of these substances are in the database (read afresh, after the request has ended)."""
    db.session.expire_all()
    return set(db.session.scalars(select(BannedSubstance.name).where(BannedSubstance.name.in_(names))))


@pytest.fixture(scope="module")
def small_app(app):
    small = Flask(__name__, template_folder=str(PROJECT_ROOT / "templates"))
    small.config.update(app.config)
    init_i18n(small)
    unit_of_work.init_app(small)
    register_error_handlers(small)
    small.teardown_appcontext(lambda _exc: db.session.remove())

    @small.post("/api/flush-then-fail")
    def flush_then_fail():
        db.session.add(substance("Flushed then failed"))
        db.session.flush()
        raise RuntimeError("the view broke after writing")

    @small.post("/api/refuse")
    def refuse():
        db.session.add(substance("Written before the refusal"))
        unit_of_work.keep(db.session, substance("Kept on refusal"))
        db.session.flush()
        raise Invalid({"name": ["refused"]})

    @small.post("/api/refuse-with-a-page")
    def refuse_with_a_page():
        db.session.add(substance("Written before the page"))
        db.session.flush()
        return {"errors": {"name": ["refused"]}}, 422

    @small.post("/form")
    def form():
        db.session.add(substance("Saved by the form"))
        db.session.flush()
        return redirect("/done")

    @small.post("/api/duplicate")
    def duplicate():
        unit_of_work.keep(db.session, substance("Kept though the commit failed"))
        db.session.add(substance("Written beside the duplicate"))
        db.session.add(substance("Already on the list"))  # the unique name fails at the commit's flush
        return {"saved": True}, 201

    @small.get("/read")
    def read():
        return {"count": db.session.scalar(select(func.count()).select_from(BannedSubstance))}

    @small.get("/write-on-get")
    def write_on_get():
        db.session.add(substance("Written by a GET"))
        db.session.flush()
        return {"ok": True}

    @small.get("/stream")
    def stream():
        db.session.add(substance("Written before streaming"))
        db.session.flush()

        def rows():
            yield "committed before the first byte: "
            yield str(stored("Written before streaming") == {"Written before streaming"})

        return Response(stream_with_context(rows()), mimetype="text/plain")

    small.test_client_class = CommittingClient
    return small


@pytest.fixture
def small(small_app):
    return small_app.test_client()


@pytest.fixture
def commits():
    """How many transactions requests committed while the test runs (the test client's own are not counted)."""
    seen: list[Session] = []

    def count(session: Session) -> None:
        if has_request_context():
            seen.append(session)

    event.listen(Session, "after_commit", count)
    yield seen
    event.remove(Session, "after_commit", count)


def test_a_view_that_raises_after_flushing_leaves_nothing_written(small):
    response = small.post("/api/flush-then-fail")
    assert response.status_code == 500 and response.is_json
    assert "Traceback" not in response.get_data(as_text=True)
    assert stored("Flushed then failed") == set()


def test_a_refusal_keeps_only_the_records_kept_on_purpose(small, db_session):
    entries_before = db_session.scalar(select(func.count()).select_from(AuditEntry))
    response = small.post("/api/refuse")
    assert response.status_code == 422 and response.json["errors"]["json"] == {"name": ["refused"]}
    assert stored("Written before the refusal", "Kept on refusal") == {"Kept on refusal"}
    # the kept record is in the audit log, once, and the chain still holds
    entries = db_session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()[entries_before:]
    assert [(e.action, e.entity_type, e.after["name"]) for e in entries] == [
        ("create", "banned_substances", "Kept on refusal")
    ]
    assert verify_chain(db_session).ok


def test_a_view_answering_4xx_itself_is_rolled_back(small):
    assert small.post("/api/refuse-with-a-page").status_code == 422
    assert stored("Written before the page") == set()


def test_a_form_post_that_redirects_is_committed(small):
    response = small.post("/form")
    assert response.status_code == 302
    assert stored("Saved by the form") == {"Saved by the form"}


def test_a_commit_that_fails_gives_a_clean_error_not_a_success(small, db_session):
    db_session.add(substance("Already on the list"))
    db_session.flush()
    response = small.post("/api/duplicate")
    assert response.status_code == 500 and response.is_json  # not the 201 the view returned
    assert "Traceback" not in response.get_data(as_text=True)
    assert "IntegrityError" not in response.get_data(as_text=True)
    names = ("Written beside the duplicate", "Kept though the commit failed", "Already on the list")
    assert stored(*names) == {"Kept though the commit failed", "Already on the list"}


def test_a_get_that_only_reads_commits_nothing(small, commits):
    assert small.get("/read").status_code == 200
    assert small.head("/read").status_code == 200
    assert commits == []


def test_a_get_that_writes_is_committed(small, commits):
    assert small.get("/write-on-get").status_code == 200
    assert stored("Written by a GET") == {"Written by a GET"}
    assert len(commits) == 1


def test_a_streamed_answer_is_committed_before_it_streams(small):
    response = small.get("/stream")
    assert response.get_data(as_text=True) == "committed before the first byte: True"


# ---- the registry's own pages


@pytest.fixture
def refusable(make_batch, producer, db_session):
    """A draft that cannot be published: it has no harvest or production date."""
    batch = make_batch(org=producer.organization, harvested_on=None)
    db_session.commit()
    return batch


@pytest.fixture
def producer(make_user):
    return make_user()


def test_a_refused_publish_keeps_its_attempt_and_nothing_else(login_as, producer, refusable, db_session):
    web = login_as(producer)
    entries_before = db_session.scalar(select(func.count()).select_from(AuditEntry))
    refused = web.post(f"/app/batches/{refusable.id}/publish", headers=EN)
    assert refused.status_code == 422
    db_session.expire_all()
    attempts = db_session.scalars(select(PublishAttempt).where(PublishAttempt.batch_id == refusable.id)).all()
    assert [a.is_accepted for a in attempts] == [False]
    assert db_session.get(Batch, refusable.id).status == BatchStatus.DRAFT
    new_entries = db_session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()[entries_before:]
    assert [(e.action, e.entity_type) for e in new_entries] == [("create", "publish_attempts")]
    assert new_entries[0].entity_id == str(attempts[0].id)


def test_a_site_saved_by_the_form_is_committed(login_as, producer, db_session):
    web = login_as(producer)
    data = {"kind": "growing_area", "name": "Đồi chè Phúc Xuân", "province": "Thái Nguyên", "commune": "Phúc Xuân"}
    assert web.post("/app/sites/new", data=data).status_code == 302
    # a request that had not committed would have been rolled back when it ended
    db_session.expire_all()
    assert db_session.scalar(select(Site.name).where(Site.organization_id == producer.organization_id)) == data["name"]
