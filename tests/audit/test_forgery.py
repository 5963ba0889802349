"""Whoever can write to the database, but holds neither the audit key nor the anchor file, cannot forge the audit:
each attack below is named by `traceability audit verify`, and an honest database verifies clean."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from decimal import Decimal

import pytest
from sqlalchemy import select, text, update

from traceability import db
from traceability.accounts.models import OrgStatus, Role
from traceability.audit import anchors
from traceability.audit.models import AuditEntry, AuditHead
from traceability.audit.services import UNKEYED, audit_key, entry_hash, record, set_actor
from traceability.audit.verify import verify
from traceability.batches.models import Batch, BatchStatus, LabResult, LabTest, PublishAttempt
from traceability.codes.services import issue_serial_codes, revoke_range
from traceability.db import utcnow
from traceability.demo import load_demo
from traceability.inspection import services as inspection
from traceability.interop import bulk


@pytest.fixture
def anchor_file(settings, tmp_path):
    settings["AUDIT_ANCHOR_FILE"] = str(tmp_path / "audit_anchors.jsonl")
    return settings["AUDIT_ANCHOR_FILE"]


@pytest.fixture
def cli(app, anchor_file):
    runner = app.test_cli_runner()

    def run(*args: str):
        db.session.commit()  # into the test's outer transaction: the command's session ends by rolling back
        return runner.invoke(args=["audit", *args])

    return run


@pytest.fixture
def history(db_session, make_batch, make_user):
    """Some honest work: a published batch with a lab test, a recalled one, unit codes issued and revoked."""
    inspector = make_user(Role.INSPECTOR)
    set_actor(inspector)
    batch = make_batch(status=BatchStatus.PUBLISHED)
    test = LabTest(
        batch=batch,
        sampled_on=dt.date(2026, 10, 2),
        laboratory="QUATEST 1",
        analyte="Chlorpyrifos",
        result=LabResult.PASS,
    )
    db_session.add(test)
    recalled = make_batch(status=BatchStatus.PUBLISHED)
    inspection.recall_batch(db_session, inspector, recalled, "Dư lượng vượt ngưỡng")
    producer = make_user(Role.PRODUCER, batch.organization)
    codes = issue_serial_codes(db_session, batch, 20, producer)
    revoke_range(db_session, batch, codes[3], codes[6], "Cuộn tem bị mất")
    db_session.flush()
    return {"batch": batch, "recalled": recalled, "lab_test": test, "codes": codes}


def _problems(report) -> str:
    return "\n".join([report.chain.reason, *report.anchor_problems, *report.row_problems])


def _anchor(db_session, path) -> anchors.Anchor:
    return anchors.append_anchor(path, anchors.current_head(db_session, audit_key()), audit_key())


def _forge_from(db_session, seq: int, edit: dict, digest) -> None:
    """What a forger with write access does: edit entry `seq`, recompute the hash of it and of every later entry
    with `digest(entry) -> hex`, and move the head to the new tip."""
    table = AuditEntry.__table__
    entries = db_session.execute(select(table).where(table.c.seq >= seq).order_by(table.c.seq)).mappings().all()
    prev = db_session.scalar(select(table.c.hash).where(table.c.seq == seq - 1)) or "0" * 64
    for number, entry in enumerate(entries):
        values = {**entry, **(edit if number == 0 else {}), "prev_hash": prev}
        values["hash"] = prev = digest(values)
        changed = {k: values[k] for k in ("prev_hash", "hash", *(edit if number == 0 else {}))}
        db_session.execute(update(table).where(table.c.id == entry["id"]).values(**changed))
    db_session.execute(update(AuditHead).where(AuditHead.id == 1).values(hash=prev))
    db_session.expire_all()


def _sha256(entry: dict) -> str:
    return entry_hash({**entry, "hash_version": UNKEYED})


def test_an_honest_database_verifies_clean_after_the_demo_and_everyday_work(db_session, history, cli, anchor_file):
    set_actor(label="demo")
    load_demo(db_session)
    db_session.commit()

    result = cli("verify")

    assert result.exit_code == 0, result.output
    assert "Audit chain intact" in result.output and "match their audited state" in result.output
    report = verify(db_session, anchors=anchors.read_anchors(anchor_file)[0])
    assert report.ok, _problems(report)
    assert report.rows_checked > 50 and report.anchors_checked == 1


def test_deleting_the_newest_entry_and_moving_the_head_back_is_named_by_the_anchor(db_session, history, cli):
    assert cli("verify").exit_code == 0  # anchors the head
    table = AuditEntry.__table__
    last = db_session.execute(select(table).order_by(table.c.seq.desc()).limit(1)).mappings().one()
    previous = db_session.execute(select(table).where(table.c.seq == last["seq"] - 1)).mappings().one()
    db_session.execute(text("DELETE FROM audit_entries WHERE id = :id"), {"id": last["id"]})
    db_session.execute(
        text("UPDATE audit_head SET seq = :seq, hash = :hash WHERE id = 1"),
        {"seq": previous["seq"], "hash": previous["hash"]},
    )

    result = cli("verify")

    assert result.exit_code == 1
    assert f"entry {last['seq']} is gone" in result.output
    assert "Audit chain intact" in result.output  # the chain alone cannot tell: that is what the anchor is for


@pytest.mark.parametrize("forger", ["plain SHA-256", "SHA-256 marked keyed", "a wrong key"])
def test_editing_an_entry_and_recomputing_every_later_hash_without_the_key_is_named(db_session, history, cli, forger):
    entry = db_session.scalars(
        select(AuditEntry).where(AuditEntry.entity_type == "batches", AuditEntry.action == "update")
    ).first()
    seq, edit = entry.seq, {"after": {**entry.after, "status": "published"}}
    if forger == "plain SHA-256":
        db_session.execute(update(AuditEntry).where(AuditEntry.seq >= seq).values(hash_version=UNKEYED))
        _forge_from(db_session, seq, edit, _sha256)
    elif forger == "SHA-256 marked keyed":
        _forge_from(db_session, seq, edit, _sha256)
    else:
        _forge_from(db_session, seq, edit, lambda values: entry_hash(values, b"a key guessed by the forger"))

    result = cli("verify", "--no-anchor")

    assert result.exit_code == 1
    assert f"chain BROKEN at entry seq={seq}" in result.output
    if forger == "plain SHA-256":
        assert "an unkeyed entry after keyed hashing started" in result.output
    else:
        assert "does not match its keyed hash" in result.output


def test_rewriting_the_whole_chain_unkeyed_is_named_by_the_anchor(db_session, history, cli):
    """The forger's last resort: pass every entry off as one from before the key. Only an anchor can tell."""
    assert cli("verify").exit_code == 0
    db_session.execute(update(AuditEntry).values(hash_version=UNKEYED))
    db_session.execute(update(AuditHead).values(keyed_from=None))
    _forge_from(db_session, 1, {}, _sha256)

    result = cli("verify", "--no-anchor")

    assert result.exit_code == 1
    assert "no longer has the anchored hash (history was rewritten)" in result.output


def test_a_lab_result_and_a_batch_status_edited_in_sql_are_named_with_the_audited_values(db_session, history, cli):
    lab_test, recalled = history["lab_test"], history["recalled"]
    db_session.execute(text("UPDATE lab_tests SET result = 'fail' WHERE id = :id"), {"id": lab_test.id})
    db_session.execute(text("UPDATE batches SET status = 'published' WHERE id = :id"), {"id": recalled.id})

    result = cli("verify")

    assert result.exit_code == 1
    assert f"lab_tests {lab_test.id}: result is 'fail' but the audit says 'pass'" in result.output
    assert f"batches {recalled.id}: status is 'published' but the audit says 'recalled'" in result.output
    assert "Anchored" not in result.output  # a database that fails is never anchored


def test_rows_added_or_deleted_in_sql_and_bulk_codes_altered_are_named(db_session, history, cli):
    batch, codes = history["batch"], history["codes"]
    db_session.execute(
        text(
            "INSERT INTO lab_tests (batch_id, sampled_on, laboratory, analyte, result, created_at) "
            "VALUES (:batch, '2026-10-03', 'Lab', 'Cypermethrin', 'pass', '2026-10-03 00:00:00')"
        ),
        {"batch": batch.id},
    )
    db_session.execute(text("DELETE FROM lab_tests WHERE id = :id"), {"id": history["lab_test"].id})
    # a revoked unit code quietly revived: the range revocation wrote one entry for the run, not one per code
    db_session.execute(
        text("UPDATE codes SET revoked_at = NULL, revoked_reason = NULL WHERE value = :value"), {"value": codes[4]}
    )

    output = cli("verify").output

    assert f"lab_tests {history['lab_test'].id}: gone, but the audit never recorded its deletion" in output
    assert "not in the audit (written behind the registry's back)" in output
    assert f"codes of batches {batch.id}: 3 unit codes revoked in bulk, but the audit says 4" in output


def test_an_edited_anchor_file_is_named(db_session, history, cli, anchor_file):
    assert cli("verify").exit_code == 0
    with open(anchor_file) as file:
        anchor = json.loads(file.read())
    anchor["seq"] -= 1
    with open(anchor_file, "w") as file:
        file.write(json.dumps(anchor) + "\n")

    result = cli("verify")

    assert result.exit_code == 1 and "its signature does not match" in result.output


def test_anchor_prints_the_head_and_the_public_page_shows_it_signed(db_session, history, cli, client, anchor_file):
    assert client.get("/audit/head").get_json() == {"anchored": False}
    result = cli("anchor")
    assert result.exit_code == 0
    printed = json.loads(result.output)
    head = db_session.get(AuditHead, 1)
    assert (printed["seq"], printed["hash"]) == (head.seq, head.hash)

    shown = client.get("/audit/head").get_json()

    assert shown["anchored"] is True and shown["algorithm"] == "HMAC-SHA256"
    assert (shown["seq"], shown["hash"], shown["signature"]) == (head.seq, head.hash, printed["signature"])
    content = {k: shown[k] for k in ("seq", "hash", "anchored_at", "keyed_from")}
    message = "traceability-audit-anchor:" + json.dumps(content, sort_keys=True, separators=(",", ":"))
    assert hmac.new(audit_key(), message.encode(), hashlib.sha256).hexdigest() == shown["signature"]


def test_a_commit_anchors_the_head_by_itself_at_most_every_few_minutes(
    app, db_session, make_org, settings, anchor_file
):
    settings["AUDIT_ANCHOR_MINUTES"] = 30
    with app.app_context():
        make_org(status=OrgStatus.PENDING)
        db_session.commit()
        first = anchors.read_anchors(anchor_file)[0]
        make_org(status=OrgStatus.PENDING)
        db_session.commit()
        assert anchors.read_anchors(anchor_file)[0] == first  # not due again yet
    head = db_session.get(AuditHead, 1)
    assert len(first) == 1 and first[0].seq < head.seq and first[0].is_signed_by(audit_key())


def test_a_quantity_written_with_another_scale_still_verifies(db_session, make_batch):
    """The audit keeps what the code wrote (1.5), the database gives back its own scale (1.500): the same."""
    batch = make_batch(quantity=Decimal("1.5"))
    db_session.expire_all()
    assert str(batch.quantity) != "1.5"
    assert verify(db_session).ok


def test_anchor_refuses_a_head_that_is_not_the_newest_entry(db_session, history, cli, anchor_file):
    # the head moved back onto the previous entry, as if the newest had never been written
    db_session.execute(
        text("UPDATE audit_head SET seq = seq - 1, hash = (SELECT hash FROM audit_entries WHERE seq = :seq)"),
        {"seq": db_session.get(AuditHead, 1).seq - 1},
    )

    result = cli("anchor")

    assert result.exit_code == 1 and "not the chain's newest entry" in result.output
    assert anchors.read_anchors(anchor_file) == ([], [])


def test_batches_imported_before_imports_wrote_row_entries_are_counted_not_reported(
    db_session, make_org, make_product, make_site
):
    """A database from before keyed hashing: its imports wrote one summary entry naming the batches, none per row."""
    org = make_org()
    product, site = make_product(org), make_site(org)
    now = utcnow()
    columns = ("organization_id", "product_id", "site_id", "lot_code", "quantity", "unit", "status")
    values = (org.id, product.id, site.id, "OLD-1", Decimal(5), "kg", "draft")
    ids = bulk.add_rows(db_session, Batch.__table__, (*columns, "created_at", "updated_at"), [(*values, now, now)])
    record(db_session, "import", "organizations", org.id, after={"rows": 1, "batches": 1, "batch_ids": ids})
    db_session.execute(update(AuditEntry).values(hash_version=UNKEYED))
    db_session.execute(update(AuditHead).values(keyed_from=None))
    _forge_from(db_session, 1, {}, _sha256)  # what that database holds: the same chain, unkeyed

    loaded_by_migrations = sum(  # the shipped lists
        db_session.scalar(text(f"SELECT count(*) FROM {table}"))
        for table in ("banned_substances", "product_categories", "communes")
    )
    report = verify(db_session)
    assert report.ok, _problems(report)
    assert report.rows_unverifiable == loaded_by_migrations + 1

    # only the batches that import named: one added in SQL since is reported
    db_session.execute(text("UPDATE batches SET lot_code = 'NEW-1' WHERE id = :id"), {"id": ids[0]})
    bulk.add_rows(db_session, Batch.__table__, (*columns, "created_at", "updated_at"), [(*values, now, now)])
    report = verify(db_session)
    assert report.row_problems == [f"batches {ids[0] + 1}: not in the audit (written behind the registry's back)"]
    assert report.rows_unverifiable == loaded_by_migrations + 1  # the old one's values cannot be checked


def test_rows_deleted_by_their_parents_cascade_verify_and_others_do_not(db_session, make_batch):
    """ON DELETE CASCADE removes a deleted batch's rows without entries of their own (as older releases deleted a
    draft's publish attempts); a row gone while its batch is still there is reported."""
    kept, deleted = make_batch(), make_batch()
    for batch in (kept, deleted):
        db_session.add(PublishAttempt(batch_id=batch.id, is_accepted=False, problems=[]))
    db_session.flush()
    kept_attempt = db_session.scalar(select(PublishAttempt.id).where(PublishAttempt.batch_id == kept.id))
    db_session.execute(text("DELETE FROM publish_attempts"))
    db_session.delete(deleted)
    db_session.flush()

    report = verify(db_session)

    assert report.row_problems == [f"publish_attempts {kept_attempt}: gone, but the audit never recorded its deletion"]
