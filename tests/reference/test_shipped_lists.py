"""The shipped lists against admins' edits: reloads and upgrades update what is still as shipped, never what an
admin added, edited or took off the list."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.orm import Session

from traceability import db, migrate
from traceability.batches import compliance
from traceability.batches import services as batches
from traceability.batches.models import ChemicalApplication, ChemicalPurpose
from traceability.cli import main
from traceability.reference import shipped
from traceability.reference.models import BannedSubstance, SubstanceKind, SubstanceOrigin, SubstanceStatus

from ..conftest import reset_postgres, scratch_database_url

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations" / "versions"


def _matched(session, ingredient: str) -> list[str]:
    return [s.name for s in compliance.matches_banned(session, ingredient)]


def _get(session, name) -> BannedSubstance:
    return session.scalar(select(BannedSubstance).where(BannedSubstance.name == name))


@pytest.mark.no_db
def test_changed_shipped_lists_come_with_a_migration_that_loads_them():
    digest = shipped.shipped_lists_sha256()
    carrying = [p.name for p in MIGRATIONS.glob("*.py") if f"SHIPPED_LISTS_SHA256 = '{digest}'" in p.read_text()]
    assert carrying, (
        "The shipped CSV lists changed: add a migration that calls load_shipped_lists(op.get_bind()) and names "
        f"SHIPPED_LISTS_SHA256 = '{digest}', so `db upgrade` brings the new lists to every install."
    )


def test_an_admins_edit_survives_a_reload_and_a_stale_shipped_row_is_refreshed(client, make_user, login_as, db_session):
    login_as(make_user("admin"))
    fipronil = _get(db_session, "Fipronil")
    assert fipronil.origin == SubstanceOrigin.SHIPPED
    response = client.post(
        f"/admin/substances/{fipronil.id}",
        data={"name": "Fipronil", "synonyms": "Fipronin", "status": "banned", "kind": "pesticide",
              "legal_source": "Quyết định của tỉnh"},
    )  # fmt: skip
    assert response.status_code == 302
    # a row as an older release shipped it
    db_session.execute(update(BannedSubstance).where(BannedSubstance.name == "Paraquat").values(legal_source="old"))
    db_session.commit()

    response = client.post("/admin/substances/reload", follow_redirects=True)
    assert response.status_code == 200
    db_session.expire_all()
    fipronil = _get(db_session, "Fipronil")
    assert (fipronil.status, fipronil.legal_source, fipronil.origin) == (
        SubstanceStatus.BANNED, "Quyết định của tỉnh", SubstanceOrigin.ADMIN
    )  # fmt: skip
    assert _get(db_session, "Paraquat").legal_source == "Decision 278/QĐ-BNN-BVTV"
    assert "Fipronil" in client.get("/admin/substances/?q=fipronil").get_data(as_text=True)


def test_a_shipped_substance_an_admin_removes_stays_off_after_a_reload(client, make_user, login_as, db_session):
    login_as(make_user("admin"))
    carbofuran = _get(db_session, "Carbofuran")
    assert _matched(db_session, "Carbofuran 3% GR") == ["Carbofuran"]
    client.post(f"/admin/substances/{carbofuran.id}/delete")
    client.post("/admin/substances/reload")
    db_session.expire_all()
    assert _get(db_session, "Carbofuran").origin == SubstanceOrigin.WITHDRAWN
    assert _matched(db_session, "Carbofuran 3% GR") == []
    page = client.get(f"/admin/substances/{carbofuran.id}").get_data(as_text=True)
    assert "/delete" not in page  # nothing left to remove; saving puts it back

    client.post(f"/admin/substances/{carbofuran.id}", data={"name": "Carbofuran", "status": "banned"})
    assert _matched(db_session, "Carbofuran 3% GR") == ["Carbofuran"]

    client.post("/admin/substances/new", data={"name": "Testazin", "status": "banned", "kind": "livestock"})
    own = _get(db_session, "Testazin")
    assert own.kind == SubstanceKind.LIVESTOCK and own.origin == SubstanceOrigin.ADMIN
    client.post(f"/admin/substances/{own.id}/delete")
    assert _get(db_session, "Testazin") is None  # an admin's own name is simply deleted


def test_the_admin_page_tells_crops_from_livestock(client, make_user, login_as):
    login_as(make_user("inspector"))
    page = client.get("/admin/substances/?q=salbutamol").get_data(as_text=True)
    assert "Salbutamol" in page and "Chăn nuôi" in page and "beta-agonist" in page
    page = client.get("/admin/substances/?q=fipronil&lang=en").get_data(as_text=True)
    assert "Crops" in page and "Livestock" not in page


def test_the_cli_loads_an_admins_file_as_the_admins_and_reports_what_it_kept(app, db_session, tmp_path):
    own = tmp_path / "tinh.csv"
    own.write_text(
        "active_ingredient,status,group,effective_from,legal_source,checked\n"
        "Clenbuterol; Clenbuterol HCl,banned,beta-agonist,,Quyết định của tỉnh,yes\n"
        "Olaquindox,banned,antibiotic,2026-01-01,Quyết định của tỉnh,no\n",
        encoding="utf-8",
    )
    result = app.test_cli_runner().invoke(main, ["substances", "load", "--file", str(own), "--kind", "livestock"])
    assert result.exit_code == 0, result.output
    assert "1 added, 1 updated" in result.output
    db_session.expire_all()
    olaquindox = _get(db_session, "Olaquindox")
    assert (olaquindox.kind, olaquindox.origin) == (SubstanceKind.LIVESTOCK, SubstanceOrigin.ADMIN)
    assert _get(db_session, "Clenbuterol").legal_source == "Quyết định của tỉnh"

    result = app.test_cli_runner().invoke(main, ["substances", "load"])
    assert result.exit_code == 0, result.output
    assert "0 added, 0 updated" in result.output and "Clenbuterol" in result.output  # kept, as the admin left it
    assert _get(db_session, "Clenbuterol").legal_source == "Quyết định của tỉnh"

    for bad in ["Xyzin,allowed,\n", f"Olaquindox,banned,{'x' * 41}\nXyzin,banned,\n"]:
        own.write_text(f"active_ingredient,status,group\nAbzin,banned,\n{bad}", encoding="utf-8")
        result = app.test_cli_runner().invoke(main, ["substances", "load", "--file", str(own)])
        assert result.exit_code != 0 and "line 3" in result.output
        assert _get(db_session, "Abzin") is None and _get(db_session, "Xyzin") is None  # nothing written


def test_publishing_with_an_empty_list_is_refused_not_passed(db_session, make_batch, make_user):
    batch = make_batch()
    user = make_user(org=batch.organization)
    db_session.add(
        ChemicalApplication(
            batch=batch,
            applied_on=dt.date(2026, 8, 1),
            trade_name="Regent 800WG",
            active_ingredient="Fipronil 800 g/kg",
            purpose=ChemicalPurpose.INSECTICIDE,
        )
    )
    db_session.execute(delete(BannedSubstance).where(BannedSubstance.kind == SubstanceKind.LIVESTOCK))
    problems = compliance.check_batch(db_session, batch)
    assert [p.rule for p in problems] == ["reference_list_missing", "banned_substance"]
    assert "livestock" in problems[0].message and "pesticides" not in problems[0].message

    db_session.execute(delete(BannedSubstance))
    with pytest.raises(batches.PublishRefused) as refused:
        batches.publish_batch(db_session, user, batch)
    (message,) = refused.value.errors["chemicals"]
    assert "pesticides" in message and "livestock" in message and "empty" in message
    assert refused.value.attempt.problems[0]["rule"] == "reference_list_missing"


def test_a_batch_without_chemicals_does_not_need_the_list(db_session, make_batch):
    batch = make_batch()
    db_session.execute(delete(BannedSubstance))
    assert compliance.check_batch(db_session, batch) == []


@pytest.mark.no_db
def test_upgrading_an_install_keeps_its_rows_and_adds_the_livestock_list():
    engine = db.make_engine(scratch_database_url("_substances_upgrade"))
    try:
        if engine.dialect.name == "postgresql":
            reset_postgres(engine)
        migrate.upgrade(engine, "f6b02d389f68")  # the release before the lists came with the schema
        with Session(engine) as session:
            # what `substances load` or `demo` did then (its audit entries are left out: that release's audit
            # table is not this release's)
            shipped.load_shipped_lists(session.connection())
            session.execute(
                text("UPDATE banned_substances SET legal_source = 'Quyết định của tỉnh' WHERE name = 'Paraquat'")
            )
            session.execute(
                text(
                    "INSERT INTO banned_substances (name, status, is_checked, updated_at) "
                    "VALUES ('Testazin', 'banned', false, CURRENT_TIMESTAMP)"
                )
            )
            session.commit()
        migrate.upgrade(engine)
        with Session(engine) as session:
            origin = dict(session.execute(select(BannedSubstance.name, BannedSubstance.origin)).all())
            assert origin["Fipronil"] == SubstanceOrigin.SHIPPED  # as shipped: later lists may update it
            assert origin["Paraquat"] == origin["Testazin"] == SubstanceOrigin.ADMIN
            assert _get(session, "Paraquat").legal_source == "Quyết định của tỉnh"
            assert _get(session, "Salbutamol").kind == SubstanceKind.LIVESTOCK
        migrate.downgrade(engine, "f6b02d389f68")
        migrate.upgrade(engine)  # down and up again: the rows stay, nothing is duplicated
        with Session(engine) as session:
            assert _get(session, "Paraquat").legal_source == "Quyết định của tỉnh"
            assert _get(session, "Salbutamol").kind == SubstanceKind.LIVESTOCK
    finally:
        engine.dispose()
