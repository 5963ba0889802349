"""`traceability backup` then `traceability restore` into a new database: every row and every file comes back."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import MetaData, func, select

from tests.conftest import scratch_database_url
from traceability import db, migrate
from traceability.audit.models import AuditEntry
from traceability.audit.services import set_actor
from traceability.cli import main
from traceability.demo import load_demo
from traceability.registry.models import Product

pytestmark = pytest.mark.no_db  # the test makes databases of its own


@pytest.fixture(params=["test server", "private postgresql"])
def databases(request, engine):
    """(source url, empty target url): on the suite's database server (SQLite by default, PostgreSQL in CI), and
    always on a PostgreSQL server of the test's own, so both kinds are covered by any run."""
    if request.param == "test server":
        urls = scratch_database_url("_ops_src"), scratch_database_url("_ops_dst")
    else:
        server = request.getfixturevalue("private_postgres")
        urls = server.create_database("ops_src"), server.create_database("ops_dst")
    yield urls
    db.bind(engine)  # the suite's own binding, as the other tests expect it


@pytest.fixture
def app_on(app, monkeypatch):
    """The suite's app pointed at another database and upload folder (a second app would re-initialise the
    shared extensions, such as the rate limiter, under the other tests)."""

    def _point(engine, upload_dir: Path):
        monkeypatch.setitem(app.extensions, "engine", engine)
        monkeypatch.setitem(app.config, "UPLOAD_DIR", str(upload_dir))
        return app

    return _point


def _populate(app, engine, upload_dir: Path) -> dict[str, bytes]:
    """The demo registry, committed, with uploaded files (one a product's image) in nested folders."""
    files = {
        "products/p-1.jpg": os.urandom(20_000),
        "documents/2026/lab-report.pdf": b"%PDF-1.7\n" + os.urandom(5000),
        "inspections/ab/photo.jpg": os.urandom(3000),
    }
    for name, data in files.items():
        (upload_dir / name).parent.mkdir(parents=True, exist_ok=True)
        (upload_dir / name).write_bytes(data)
    migrate.upgrade(engine)
    db.bind(engine)
    with app.app_context():
        set_actor(label="demo")
        load_demo(db.session)
        product = db.session.scalars(select(Product).order_by(Product.id)).first()
        product.image_path = "products/p-1.jpg"
        db.session.commit()
        db.session.remove()
    return files


def _rows(engine) -> dict[str, list[tuple]]:
    meta = MetaData()
    meta.reflect(engine)
    with engine.connect() as conn:
        return {name: sorted(conn.execute(table.select()).all(), key=repr) for name, table in meta.tables.items()}


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_backup_then_restore_into_a_new_database_gives_back_every_row_and_file(databases, tmp_path, app_on):
    source_url, target_url = databases
    source, target = db.make_engine(source_url), db.make_engine(target_url)
    source_uploads, target_uploads = tmp_path / "uploads", tmp_path / "restored" / "uploads"
    try:
        files = _populate(app_on(source, source_uploads), source, source_uploads)
        archive = tmp_path / "backups" / "registry.tar"

        result = app_on(source, source_uploads).test_cli_runner().invoke(main, ["backup", "--to", str(archive)])
        assert result.exit_code == 0, result.output
        assert archive.is_file() and Path(f"{archive}.sha256").read_text().endswith("  registry.tar\n")
        assert "3 files" in result.output

        restoring = app_on(target, target_uploads)
        result = restoring.test_cli_runner().invoke(main, ["restore", "--from", str(archive)])
        assert result.exit_code == 0, result.output
        with source.connect() as conn:
            entries = conn.scalar(select(func.count()).select_from(AuditEntry))
        assert entries > 50
        assert f"Audit chain intact: {entries} entries." in result.output

        source_rows, target_rows = _rows(source), _rows(target)
        assert set(source_rows) == set(target_rows)
        for table, rows in source_rows.items():
            assert target_rows[table] == rows, table
        assert sum(len(rows) for rows in target_rows.values()) > 100
        assert _files(target_uploads) == files

        # the same archive again: the target is no longer empty, and nothing in it changes
        result = restoring.test_cli_runner().invoke(main, ["restore", "--from", str(archive)])
        assert result.exit_code != 0
        assert "not empty" in result.output
        assert _rows(target) == target_rows
    finally:
        source.dispose()
        target.dispose()


def test_restore_refuses_a_damaged_archive_and_a_used_upload_folder(tmp_path, engine, app_on):
    source = db.make_engine(scratch_database_url("_ops_small"))
    target = db.make_engine(scratch_database_url("_ops_empty"))
    try:
        migrate.upgrade(source)
        uploads = tmp_path / "uploads"
        uploads.mkdir()
        (uploads / "a.pdf").write_bytes(b"%PDF-1.4 a")
        archive = tmp_path / "b.tar"
        result = app_on(source, uploads).test_cli_runner().invoke(main, ["backup", "--to", str(archive)])
        assert result.exit_code == 0, result.output
        again = app_on(source, uploads).test_cli_runner().invoke(main, ["backup", "--to", str(archive)])
        assert again.exit_code != 0 and "never overwritten" in again.output

        used = tmp_path / "used"
        used.mkdir()
        (used / "left-over.jpg").write_bytes(b"x")
        result = app_on(target, used).test_cli_runner().invoke(main, ["restore", "--from", str(archive)])
        assert result.exit_code != 0 and "upload folder" in result.output and "not empty" in result.output

        damaged = tmp_path / "damaged.tar"
        data = bytearray(archive.read_bytes())
        data[len(data) // 2] ^= 0xFF
        damaged.write_bytes(bytes(data))
        shutil.copy(f"{archive}.sha256", f"{damaged}.sha256")
        result = app_on(target, tmp_path / "fresh").test_cli_runner().invoke(main, ["restore", "--from", str(damaged)])
        assert result.exit_code != 0 and "does not match its checksum" in result.output
        assert not _rows(target)  # nothing was written
    finally:
        source.dispose()
        target.dispose()
        db.bind(engine)
