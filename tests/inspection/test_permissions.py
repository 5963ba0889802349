"""Producers cannot reach the inspector workspace; inspectors read everything but edit no producer's data."""

from __future__ import annotations

import pytest

from traceability.accounts.models import Role
from traceability.batches.models import Batch, BatchStatus
from traceability.errors import Forbidden
from traceability.tenancy import can_edit, get_editable

INSPECT_PAGES = ["/inspect/", "/inspect/find?q=x", "/inspect/queue", "/inspect/report", "/inspect/report.xlsx"]


@pytest.mark.parametrize("path", INSPECT_PAGES)
def test_producers_cannot_reach_the_inspector_pages(db_session, make_user, login_as, path):
    producer = make_user(Role.PRODUCER)
    db_session.commit()
    assert login_as(producer).get(path).status_code == 403


def test_producers_cannot_inspect_or_change_their_own_batch(db_session, make_batch, make_user, login_as, api_as):
    batch = make_batch(status=BatchStatus.PUBLISHED)
    owner = make_user(Role.PRODUCER, batch.organization)
    api = api_as(owner)
    db_session.commit()
    client = login_as(owner)
    assert client.get(f"/inspect/batches/{batch.id}").status_code == 403
    assert (
        client.post(f"/inspect/batches/{batch.id}/status", data={"action": "resume", "reason": "x"}).status_code == 403
    )
    for action in ("suspend", "resume", "recall"):
        assert api.post(f"/api/v1/batches/{batch.id}/{action}", json={"reason": "tự gỡ"}).status_code == 403
    assert api.post("/api/v1/inspections", json={"batch_id": batch.id, "result": "compliant"}).status_code == 403
    assert api.get("/api/v1/reports").status_code == 403
    assert db_session.get(Batch, batch.id).status == BatchStatus.PUBLISHED


def test_inspectors_cannot_edit_a_producers_data(db_session, make_batch, inspector):
    batch = make_batch(status=BatchStatus.DRAFT)
    assert not can_edit(inspector, batch)
    with pytest.raises(Forbidden):
        get_editable(db_session, Batch, batch.id, inspector)


def test_admins_see_the_workspace_but_do_not_act(db_session, make_batch, make_user, login_as, api_as):
    batch = make_batch(status=BatchStatus.PUBLISHED)
    admin = make_user(Role.ADMIN)
    api = api_as(admin)
    db_session.commit()
    client = login_as(admin)
    page = client.get(f"/inspect/batches/{batch.id}")
    assert page.status_code == 200
    assert 'id="inspect-form"' not in page.get_data(as_text=True)
    assert (
        client.post(f"/inspect/batches/{batch.id}/status", data={"action": "suspend", "reason": "x"}).status_code == 403
    )
    assert api.post(f"/api/v1/batches/{batch.id}/suspend", json={"reason": "lý do"}).status_code == 403


def test_the_status_form_changes_and_explains(db_session, make_batch, inspector, login_as):
    batch = make_batch(status=BatchStatus.PUBLISHED)
    db_session.commit()
    client = login_as(inspector)
    missing = client.post(f"/inspect/batches/{batch.id}/status", data={"action": "suspend", "reason": ""})
    assert missing.status_code == 422
    assert "has-error" in missing.get_data(as_text=True)
    wrong = client.post(f"/inspect/batches/{batch.id}/status", data={"action": "resume", "reason": "Mẫu đạt"})
    assert wrong.status_code == 422
    assert db_session.get(Batch, batch.id).status == BatchStatus.PUBLISHED
    done = client.post(f"/inspect/batches/{batch.id}/status", data={"action": "suspend", "reason": "Chờ kiểm nghiệm"})
    assert done.status_code == 302
    assert db_session.get(Batch, batch.id).status == BatchStatus.SUSPENDED


def test_the_openapi_document_describes_the_inspection_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    for path in (
        "/api/v1/inspections",
        "/api/v1/batches/{batch_id}/suspend",
        "/api/v1/batches/{batch_id}/resume",
        "/api/v1/batches/{batch_id}/recall",
        "/api/v1/reports",
        "/api/v1/reports/{report_id}",
    ):
        assert path in paths
