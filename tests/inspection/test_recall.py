"""Suspension, resumption and recall, and how a recall reaches every batch made from the recalled one."""

from __future__ import annotations

import pytest

from traceability.accounts.models import Role
from traceability.batches.genealogy import ancestors
from traceability.batches.models import Batch, BatchStatus
from traceability.errors import Conflict, Forbidden, Invalid
from traceability.inspection import services


def _status(db_session, batch: Batch) -> BatchStatus:
    return db_session.get(Batch, batch.id).status


def test_recall_of_a_leaf_reaches_every_level_of_a_three_level_tree(db_session, tree, inspector):
    affected = services.recall_batch(db_session, inspector, tree.leaf, "Dư lượng thuốc BVTV vượt ngưỡng")

    assert [(a.batch.lot_code, a.depth) for a in affected] == [("DRY-1", 1), ("BOX-1", 2)]
    assert tree.leaf.status == BatchStatus.RECALLED
    assert tree.leaf.status_reason == "Dư lượng thuốc BVTV vượt ngưỡng"
    assert tree.leaf.status_changed_at is not None
    # downstream batches keep their own status; the recall is derived from their ancestors
    assert tree.processed.status == BatchStatus.PUBLISHED
    assert tree.packed.status == BatchStatus.PUBLISHED
    up = ancestors(db_session, tree.packed.id)
    assert {db_session.get(Batch, i).lot_code: db_session.get(Batch, i).status for i in up} == {
        "DRY-1": BatchStatus.PUBLISHED,
        "LEAF-1": BatchStatus.RECALLED,
        "LEAF-2": BatchStatus.PUBLISHED,
    }


def test_affected_batches_come_with_their_organisation_and_contacts(db_session, tree, inspector):
    affected = services.recall_batch(db_session, inspector, tree.leaf, "Dư lượng vượt ngưỡng")
    one_step = affected[0]
    assert one_step.organization.name == "Công ty Chè Sông Cầu"
    assert "0912 000 111" in one_step.contacts
    assert "Lê Thị Chế <che@example.org> 0912 222 333" in one_step.contacts


def test_a_batch_with_two_inputs_of_which_one_is_recalled(db_session, tree, inspector):
    services.recall_batch(db_session, inspector, tree.other_leaf, "Mẫu không đạt")

    up = ancestors(db_session, tree.processed.id)
    recalled = [i for i in up if db_session.get(Batch, i).status == BatchStatus.RECALLED]
    assert recalled == [tree.other_leaf.id]
    assert _status(db_session, tree.leaf) == BatchStatus.PUBLISHED  # the sibling input is untouched


def test_recall_of_a_middle_batch_goes_forward_only(db_session, tree, inspector):
    affected = services.recall_batch(db_session, inspector, tree.processed, "Nhiễm tạp chất")
    assert [a.batch.lot_code for a in affected] == ["BOX-1"]
    assert _status(db_session, tree.leaf) == BatchStatus.PUBLISHED


def test_a_suspended_batch_can_be_resumed_or_recalled(db_session, make_batch, inspector):
    batch = make_batch(status=BatchStatus.PUBLISHED)
    services.suspend_batch(db_session, inspector, batch, "Chờ kết quả kiểm nghiệm")
    assert batch.status == BatchStatus.SUSPENDED
    services.resume_batch(db_session, inspector, batch, "Kết quả đạt")
    assert batch.status == BatchStatus.PUBLISHED
    assert batch.status_reason == "Kết quả đạt"
    services.suspend_batch(db_session, inspector, batch, "Khiếu nại mới")
    services.recall_batch(db_session, inspector, batch, "Kết quả không đạt")
    assert batch.status == BatchStatus.RECALLED


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (BatchStatus.DRAFT, "suspend"),
        (BatchStatus.SUSPENDED, "suspend"),
        (BatchStatus.RECALLED, "suspend"),
        (BatchStatus.PUBLISHED, "resume"),
        (BatchStatus.RECALLED, "resume"),
        (BatchStatus.DRAFT, "recall"),
        (BatchStatus.RECALLED, "recall"),
    ],
)
def test_a_status_change_from_the_wrong_status_is_refused(db_session, make_batch, inspector, status, action):
    batch = make_batch(status=status)
    with pytest.raises(Conflict):
        getattr(services, f"{action}_batch")(db_session, inspector, batch, "lý do")
    assert _status(db_session, batch) == status


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_every_status_change_needs_a_reason(db_session, make_batch, inspector, reason):
    batch = make_batch(status=BatchStatus.PUBLISHED)
    with pytest.raises(Invalid) as info:
        services.recall_batch(db_session, inspector, batch, reason)
    assert "reason" in info.value.errors
    assert _status(db_session, batch) == BatchStatus.PUBLISHED


@pytest.mark.parametrize("role", [Role.PRODUCER, Role.ADMIN])
def test_only_inspectors_change_a_batch_status(db_session, make_batch, make_user, role):
    batch = make_batch(status=BatchStatus.PUBLISHED)
    user = make_user(role, batch.organization if role == Role.PRODUCER else None)
    with pytest.raises(Forbidden):
        services.suspend_batch(db_session, user, batch, "lý do")
    assert _status(db_session, batch) == BatchStatus.PUBLISHED


def test_recall_through_the_api_lists_the_affected_batches(db_session, tree, inspector, api_as):
    api = api_as(inspector)
    db_session.commit()
    response = api.post(f"/api/v1/batches/{tree.leaf.id}/recall", json={"reason": "Dư lượng vượt ngưỡng"})
    assert response.status_code == 200, response.json
    body = response.json
    assert body["status"] == "recalled"
    assert body["status_reason"] == "Dư lượng vượt ngưỡng"
    assert [(a["lot_code"], a["depth"]) for a in body["affected"]] == [("DRY-1", 1), ("BOX-1", 2)]
    assert body["affected"][0]["organization"]["name"] == "Công ty Chè Sông Cầu"
    assert _status(db_session, tree.leaf) == BatchStatus.RECALLED


def test_suspend_and_resume_through_the_api(db_session, make_batch, inspector, api_as):
    batch = make_batch(status=BatchStatus.PUBLISHED)
    api = api_as(inspector)
    db_session.commit()
    response = api.post(f"/api/v1/batches/{batch.id}/suspend", json={"reason": "Chờ kiểm nghiệm"})
    assert response.status_code == 200
    assert response.json["status"] == "suspended"
    again = api.post(f"/api/v1/batches/{batch.id}/suspend", json={"reason": "Chờ kiểm nghiệm"})
    assert again.status_code == 409
    assert again.json["message"]  # says why, in words
    response = api.post(f"/api/v1/batches/{batch.id}/resume", json={"reason": "Mẫu đạt"})
    assert response.json["status"] == "published"


def test_the_api_names_a_missing_reason(db_session, make_batch, inspector, api_as):
    batch = make_batch(status=BatchStatus.PUBLISHED)
    api = api_as(inspector)
    db_session.commit()
    response = api.post(f"/api/v1/batches/{batch.id}/recall", json={})
    assert response.status_code == 422
    assert "reason" in response.json["errors"]["json"]
    assert _status(db_session, batch) == BatchStatus.PUBLISHED


def test_an_unknown_batch_answers_404(db_session, inspector, api_as):
    api = api_as(inspector)
    db_session.commit()
    assert api.post("/api/v1/batches/999999/recall", json={"reason": "lý do"}).status_code == 404
