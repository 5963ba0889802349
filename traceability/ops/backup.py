"""`traceability backup` and `traceability restore`: the database and the uploaded files in one archive.

The archive is a tar file holding `manifest.json`, the database (SQLite: a copy made with SQLite's online backup
API; PostgreSQL: `pg_dump` in its custom format, one consistent snapshot) and `uploads/…`. Beside it,
`FILE.sha256` in the format of `sha256sum`, so `sha256sum -c` checks a copy anywhere. The manifest lists every
uploaded file's SHA-256, checked again on restore.

The database is copied before the files: an upload is stored before its row commits, so every file a row of
the copy refers to is already on disk when the files are read (unless it was deleted in between; restore
lists files the rows name but the archive lacks).

Restore loads into an empty database and an empty upload folder only, so it can never mix two registries,
then verifies the audit chain with the function `traceability audit verify` uses.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

FORMAT = 1
MANIFEST = "manifest.json"
DB_MEMBER = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
UPLOADS = "uploads"
CHUNK = 1024 * 1024


class BackupError(Exception):
    """Backup or restore refused or failed; the message says why."""


@dataclass
class BackupReport:
    path: Path
    sha256: str
    database: str
    files: int
    bytes: int


@dataclass
class RestoreReport:
    database: str
    files: int
    revision: list[str]
    audit_ok: bool
    audit_lines: list[str] = field(default_factory=list)
    missing_files: list[str] = field(default_factory=list)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def checksum_path(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def _dialect(engine: Engine) -> str:
    name = engine.dialect.name
    if name not in DB_MEMBER:
        raise BackupError(f"backup of a {name} database is not supported")
    return name


def _pg_command(engine: Engine, program: str, *args: str) -> None:
    """Run pg_dump or pg_restore against the engine's database; the password goes in the environment."""
    url = engine.url
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    conninfo = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    if shutil.which(program) is None:
        raise BackupError(f"{program} is not installed (it comes with the PostgreSQL client package)")
    done = subprocess.run([program, *args, f"--dbname={conninfo}"], env=env, capture_output=True, text=True)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"{program} failed: {done.stderr.strip() or done.returncode}")


def _revision(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return []
        return sorted(row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version")))


def _upload_files(upload_dir: Path) -> list[Path]:
    if not upload_dir.is_dir():
        return []
    return sorted(
        p
        for p in upload_dir.rglob("*")
        if p.is_file() and not p.is_symlink() and not p.name.startswith(".part-")  # a write under way
    )


def backup(engine: Engine, upload_dir: Path, destination: Path) -> BackupReport:
    """Write the archive and its checksum file; nothing is left behind when it fails."""
    dialect = _dialect(engine)
    destination = Path(destination)
    if destination.exists():
        raise BackupError(f"{destination} exists already; backups are never overwritten")
    destination.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="traceability-backup-", dir=destination.parent) as work:
        dump = Path(work) / DB_MEMBER[dialect]
        if dialect == "sqlite":
            if not Path(engine.url.database or "").is_file():
                raise BackupError(f"the database {engine.url.database} does not exist")
            source = sqlite3.connect(engine.url.database)
            target = sqlite3.connect(dump)
            try:
                source.backup(target)  # one consistent snapshot, while the app goes on writing
            finally:
                target.close()
                source.close()
        else:
            _pg_command(engine, "pg_dump", "--format=custom", "--no-owner", "--no-acl", f"--file={dump}")
        files = _upload_files(Path(upload_dir))
        manifest = {
            "format": FORMAT,
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "database": dialect,
            "revision": _revision(engine),
            "files": {p.relative_to(upload_dir).as_posix(): sha256_of(p) for p in files},
        }
        partial = Path(work) / "archive.tar"
        with tarfile.open(partial, "w") as archive:
            data = json.dumps(manifest, indent=1, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime = len(data), int(dt.datetime.now(dt.UTC).timestamp())
            archive.addfile(info, io.BytesIO(data))
            archive.add(dump, arcname=DB_MEMBER[dialect])
            for path in files:
                archive.add(path, arcname=f"{UPLOADS}/{path.relative_to(upload_dir).as_posix()}")
        digest = sha256_of(partial)
        os.replace(partial, destination)
    checksum_path(destination).write_text(f"{digest}  {destination.name}\n")
    return BackupReport(destination, digest, dialect, len(files), destination.stat().st_size)


def _read_checksum(source: Path) -> str:
    path = checksum_path(source)
    if not path.exists():
        raise BackupError(f"{path} is missing: the archive cannot be checked")
    return path.read_text().split()[0].strip().lower()


def _is_empty(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return inspect(conn).get_table_names()


def restore(
    engine: Engine, upload_dir: Path, source: Path, stored_paths: Any = None, verify_audit: Any = None
) -> RestoreReport:
    """Load an archive into an empty database and upload folder, then verify the audit log.

    `stored_paths(session)`, when given, names every file the restored rows refer to; the report lists those
    the archive lacked. `verify_audit(session)` (see `verify_restored_audit`) returns (ok, lines to show).
    """
    source, upload_dir = Path(source), Path(upload_dir)
    dialect = _dialect(engine)
    if not source.is_file():
        raise BackupError(f"{source} does not exist")
    if sha256_of(source) != _read_checksum(source):
        raise BackupError(f"{source} does not match its checksum: the copy is damaged")
    if dialect == "sqlite" and engine.url.database:
        Path(engine.url.database).parent.mkdir(parents=True, exist_ok=True)  # a new install's instance folder
    tables = _is_empty(engine)
    if tables:
        raise BackupError(f"the database is not empty ({len(tables)} tables); restore only into a new, empty database")
    if upload_dir.exists() and any(upload_dir.iterdir()):
        raise BackupError(f"the upload folder {upload_dir} is not empty; restore only into an empty folder")

    with tarfile.open(source, "r") as archive, tempfile.TemporaryDirectory(prefix="traceability-restore-") as work:
        try:
            manifest = json.load(archive.extractfile(MANIFEST))
        except (KeyError, ValueError) as exc:
            raise BackupError(f"{source} is not a registry backup (no readable {MANIFEST})") from exc
        if manifest.get("format") != FORMAT:
            raise BackupError(f"backup format {manifest.get('format')} is not one this version reads")
        if manifest["database"] != dialect:
            raise BackupError(f"the backup holds a {manifest['database']} database; DATABASE_URL names a {dialect} one")
        member = DB_MEMBER[dialect]
        archive.extract(member, work, filter="data")
        dump = Path(work) / member
        if dialect == "sqlite":
            engine.dispose()
            copy = sqlite3.connect(dump)
            target = sqlite3.connect(engine.url.database)
            try:
                copy.backup(target)
            finally:
                target.close()
                copy.close()
        else:
            _pg_command(
                engine, "pg_restore", "--exit-on-error", "--single-transaction", "--no-owner", "--no-acl", str(dump)
            )

        upload_dir.mkdir(parents=True, exist_ok=True)
        expected = manifest.get("files", {})
        prefix = UPLOADS + "/"
        members = [m for m in archive.getmembers() if m.name.startswith(prefix) and m.isfile()]
        for item in members:
            item = item.replace(name=item.name[len(prefix) :])
            if item.name not in expected:
                raise BackupError(f"{item.name} is in the archive but not in its manifest")
            archive.extract(item, upload_dir, filter="data")  # refuses paths that leave the folder
        for name, digest in expected.items():
            path = upload_dir / name
            if not path.is_file() or sha256_of(path) != digest:
                raise BackupError(f"uploaded file {name} is missing or damaged in the archive")

    engine.dispose()
    with Session(engine) as session:
        audit_ok, audit_lines = verify_audit(session) if verify_audit else (True, [])
        missing = sorted(p for p in (stored_paths(session) if stored_paths else ()) if not (upload_dir / p).is_file())
    return RestoreReport(
        database=dialect,
        files=len(expected),
        revision=manifest.get("revision", []),
        audit_ok=audit_ok,
        audit_lines=audit_lines,
        missing_files=missing,
    )


def verify_restored_audit(session: Session, anchor_file: str) -> tuple[bool, list[str]]:
    """What `traceability audit verify` checks (the chain with the app's key, the rows, the anchors), on the
    restored database. Anchors past the backup's newest entry are not failures: they name what was lost since.
    Needs the app context (the audit key)."""
    from sqlalchemy import func, select

    from traceability.audit import anchors
    from traceability.audit.models import AuditEntry
    from traceability.audit.verify import verify

    anchored, unreadable = anchors.read_anchors(anchor_file)
    newest = session.scalar(select(func.max(AuditEntry.seq))) or 0
    covered = [a for a in anchored if a.seq <= newest]
    later = [a for a in anchored if a.seq > newest]
    report = verify(session, anchors=covered)
    chain = report.chain
    lines, problems = [], list(unreadable)
    if chain.ok:
        lines.append(f"Audit chain intact: {chain.checked} entries.")
    else:
        problems.append(f"chain BROKEN at entry seq={chain.broken_seq}: {chain.reason}")
    problems += report.anchor_problems + report.row_problems
    if report.more_row_problems:
        problems.append(f"... and {report.more_row_problems} more rows that do not match the audit")
    if not report.row_problems and chain.ok:
        lines.append(f"Rows: {report.rows_checked} rows of the audited tables match their audited state.")
    if covered and not report.anchor_problems:
        lines.append(f"Anchors: {len(covered)} up to entry {newest}, each in the restored chain.")
    if later:
        lines.append(
            f"{len(later)} anchors name entries after this backup (up to entry {max(a.seq for a in later)}): "
            "changes made after the backup are not in it."
        )
    if problems:
        lines += ["Audit verification FAILED:", *(f"  {p}" for p in problems)]
    return not problems, lines


def referenced_files(session: Session) -> set[str]:
    """Every stored path (relative to UPLOAD_DIR) a row refers to, from the columns marked as stored files."""
    from sqlalchemy import select

    from traceability.db import Base
    from traceability.storage import _stored_file_keys

    names: set[str] = set()
    for mapper in Base.registry.mappers:
        for key, folder in _stored_file_keys(mapper):
            for value in session.scalars(select(getattr(mapper.class_, key))):
                values = value if isinstance(value, list | tuple) else [value]
                names.update(f"{folder}/{v}" if folder else v for v in values if isinstance(v, str) and v)
    return names
