"""The `traceability` command (also `flask --app traceability …`)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from traceability import db, unit_of_work


def _create_app():
    from traceability import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False)
def main() -> None:
    """Traceability registry."""


def _engine():
    return current_app.extensions["engine"]


@main.group("db")
def db_group() -> None:
    """Database schema."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Create or migrate the database named by DATABASE_URL."""
    from traceability import migrate

    migrate.upgrade(_engine(), revision)
    click.echo(f"Database is at {revision}: {_engine().url.render_as_string(hide_password=True)}")


@db_group.command("downgrade")
@click.option("--revision", required=True, help="target revision, or 'base' to remove everything")
@with_appcontext
def db_downgrade(revision: str) -> None:
    """Step the schema back (development)."""
    from traceability import migrate

    migrate.downgrade(_engine(), revision)


@main.command("demo")
@with_appcontext
@unit_of_work.command
def demo() -> str:
    """Load the demo data set (idempotent) and print the demo logins."""
    from traceability.audit.services import set_actor
    from traceability.demo import DEMO_LOGINS, load_demo

    set_actor(label="demo")
    load_demo(db.session)
    logins = [f"  {role:<10} {email:<36} {password}" for role, email, password in DEMO_LOGINS]
    return "\n".join(["Demo data loaded. Sign in with:", *logins])


@main.group("users")
def users_group() -> None:
    """User accounts."""


@users_group.command("create")
@click.option("--email", required=True)
@click.option("--role", type=click.Choice(["producer", "inspector", "admin"]), required=True)
@click.option("--org-tax-code", help="producers: the organisation's tax code (created if new)")
@click.option("--org-name", help="name for a new organisation")
@click.option("--name", "full_name", help="the person's full name")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@with_appcontext
@unit_of_work.command
def users_create(email, role, org_tax_code, org_name, full_name, password) -> str:
    """Create a user; --org-tax-code creates or joins that organisation."""
    from traceability.accounts import services
    from traceability.accounts.models import OrgKind, Role
    from traceability.accounts.schemas import validate_tax_code
    from traceability.audit.services import set_actor
    from traceability.errors import ServiceError

    set_actor(label="cli")
    org = None
    try:
        if org_tax_code:
            try:
                validate_tax_code(org_tax_code)
            except Exception as exc:
                raise click.BadParameter(str(exc), param_hint="--org-tax-code") from exc
            org = services.find_organization(db.session, org_tax_code) or services.create_organization(
                db.session,
                {
                    "name": org_name or org_tax_code,
                    "kind": OrgKind.ENTERPRISE,
                    "tax_code": org_tax_code,
                    "province": "Thái Nguyên",
                    "commune": "-",
                    "address": "-",
                },
            )
        if len(password) < 8:
            raise click.BadParameter("at least 8 characters", param_hint="--password")
        user = services.create_user(
            db.session,
            email=email,
            password=password,
            full_name=full_name or email.split("@")[0],
            role=Role(role),
            organization=org,
        )
    except ServiceError as exc:
        raise click.ClickException(_messages(exc)) from exc
    return f"Created {user.role} {user.email}" + (f" in {org.name} ({org.tax_code})" if org else "")


def _messages(exc) -> str:
    if exc.errors:
        return "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.errors.items())
    return exc.message


@main.group("orgs")
def orgs_group() -> None:
    """Organisations."""


@orgs_group.command("verify")
@click.option("--tax-code", required=True)
@with_appcontext
@unit_of_work.command
def orgs_verify(tax_code: str) -> str:
    """Mark an organisation verified."""
    from traceability.accounts import services
    from traceability.accounts.models import OrgStatus
    from traceability.audit.services import set_actor

    set_actor(label="cli")
    org = services.find_organization(db.session, tax_code)
    if org is None:
        raise click.ClickException(f"No organisation with tax code {tax_code}.")
    services.set_organization_status(db.session, org, None, OrgStatus.VERIFIED)
    return f"{org.name} ({org.tax_code}) is verified."


@main.group("tokens")
def tokens_group() -> None:
    """API tokens."""


@tokens_group.command("create")
@click.option("--email", required=True)
@click.option("--name", default="cli", show_default=True)
@click.option("--days", type=click.IntRange(1, 365), default=None, help="Days until it expires [default: 90].")
@with_appcontext
@unit_of_work.command
def tokens_create(email: str, name: str, days: int | None) -> str:
    """Print a new API token for the user (shown once, stored hashed); it expires after --days."""
    from traceability.accounts import services
    from traceability.audit.services import set_actor

    set_actor(label="cli")
    user = services.find_user(db.session, email)
    if user is None:
        raise click.ClickException(f"No user {email}.")
    return services.create_token(db.session, user, name, days)


@main.group("audit")
def audit_group() -> None:
    """The audit log."""


@audit_group.command("verify")
@click.option("--no-anchor", is_flag=True, help="do not append the verified head to the anchor file")
@with_appcontext
def audit_verify(no_anchor: bool) -> None:
    """Check the chain (keyed hashes), every anchored head, and that the audited tables' rows are as the audit
    last recorded them; exit non-zero naming what broke. When all is intact, anchor the head."""
    from sqlalchemy.engine import Engine

    from traceability.audit import anchors
    from traceability.audit.services import audit_key
    from traceability.audit.verify import verify

    path = current_app.config["AUDIT_ANCHOR_FILE"]
    anchored, unreadable = anchors.read_anchors(path)
    bind = db.session.get_bind()
    if bind.dialect.name == "postgresql" and isinstance(bind, Engine):  # (tests bind a connection of their own)
        # one snapshot for the chain, the head and the rows, while the app goes on writing (SQLite's read
        # transaction is one already)
        db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    report = verify(db.session, anchors=anchored)
    chain = report.chain
    problems = list(unreadable)
    if chain.ok:
        click.echo(f"Audit chain intact: {chain.checked} entries (keyed from entry {chain.keyed_from}).")
    else:
        where = f"entry seq={chain.broken_seq}" + (f" (id {chain.broken_id})" if chain.broken_id else "")
        problems.insert(0, f"chain BROKEN at {where}: {chain.reason}. {chain.checked} entries before it are intact.")
    problems += report.anchor_problems
    if not report.anchor_problems:
        click.echo(f"Anchors: {report.anchors_checked} in {path}, each still in the chain.")
    problems += report.row_problems
    if report.more_row_problems:
        problems.append(f"... and {report.more_row_problems} more rows that do not match the audit")
    if not report.row_problems:
        click.echo(f"Rows: {report.rows_checked} rows of the audited tables match their audited state.")
    if report.rows_unverifiable:
        click.echo(
            f"  ({report.rows_unverifiable} of them cannot be compared: banned substances, which data migrations "
            "load, and batches imported before imports wrote an entry per row.)"
        )
    if problems:
        click.echo("Audit verification FAILED:", err=True)
        for problem in problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(1)
    if not no_anchor:
        anchor = anchors.append_anchor(path, anchors.current_head(db.session, audit_key()), audit_key())
        click.echo(f"Anchored: {anchor.line()}")


@audit_group.command("anchor")
@with_appcontext
def audit_anchor() -> None:
    """Append the chain's head to the anchor file (AUDIT_ANCHOR_FILE) and print it, to publish elsewhere."""
    from traceability.audit import anchors
    from traceability.audit.services import audit_key

    try:
        head = anchors.current_head(db.session, audit_key())
    except anchors.HeadNotAnchorable as exc:
        raise click.ClickException(f"{exc}; run `traceability audit verify`.") from exc
    click.echo(anchors.append_anchor(current_app.config["AUDIT_ANCHOR_FILE"], head, audit_key()).line())


@main.group("substances")
def substances_group() -> None:
    """Reference lists of substances banned on crops (pesticides) and in livestock feed and farming."""


@substances_group.command("load")
@click.option(
    "--file",
    "path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="an admin's own CSV in the shipped format (default: the lists shipped with the registry)",
)
@click.option(
    "--kind",
    type=click.Choice(["pesticide", "livestock"]),
    default="pesticide",
    show_default=True,
    help="with --file: which list its rows belong to",
)
@with_appcontext
@unit_of_work.command
def substances_load(path: Path | None, kind: str) -> str:
    """Load or refresh the lists. `db upgrade` already loads the shipped ones; this refreshes them after an
    admin removed rows by hand, or loads an admin's own file (its rows become the admins', kept by upgrades)."""
    from traceability.audit.services import set_actor
    from traceability.reference.models import SubstanceKind
    from traceability.reference.services import load_substances

    set_actor(label="cli")
    try:
        report = load_substances(db.session, path, SubstanceKind(kind))
    except ValueError as exc:  # a bad row in the given file: nothing is written
        raise click.ClickException(str(exc)) from exc
    said = f"Substances: {len(report.added)} added, {len(report.updated)} updated."
    if report.kept:
        said += f"\nKept as admins left them ({len(report.kept)}): {', '.join(sorted(report.kept))}"
    return said


@main.group("lists")
def lists_group() -> None:
    """The kept lists: product categories and the province's communes and wards."""


@lists_group.command("load")
@with_appcontext
@unit_of_work.command
def lists_load() -> str:
    """Refresh the shipped category and commune lists (`db upgrade` loads them): missing entries are added,
    entries still as shipped are updated, entries admins added or edited are kept."""
    from traceability.audit.services import set_actor
    from traceability.reference.services import reload_lists

    set_actor(label="cli")
    categories, communes = reload_lists(db.session)
    return (
        f"Categories: {len(categories.added)} added, {len(categories.updated)} updated, {len(categories.kept)} kept.\n"
        f"Communes: {len(communes.added)} added, {len(communes.updated)} updated, {len(communes.kept)} kept."
    )


@main.command("backup")
@click.option(
    "--to",
    "destination",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="the archive to write (FILE.sha256 is written beside it)",
)
@with_appcontext
@unit_of_work.command
def backup(destination: Path) -> str:
    """Write a consistent copy of the database and the uploaded files to one file, with its checksum."""
    from traceability.ops import backup as ops_backup

    try:
        report = ops_backup.backup(_engine(), Path(current_app.config["UPLOAD_DIR"]), destination)
    except ops_backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    return (
        f"Backup written: {report.path} ({report.bytes} bytes, {report.database} database, {report.files} files)\n"
        f"SHA-256 {report.sha256} in {ops_backup.checksum_path(report.path)}"
    )


@main.command("restore")
@click.option(
    "--from",
    "source",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="an archive written by `traceability backup` (its FILE.sha256 beside it)",
)
@with_appcontext
def restore(source: Path) -> None:
    """Load a backup into an empty database and upload folder, then verify the audit chain."""
    from traceability.ops import backup as ops_backup

    anchor_file = current_app.config["AUDIT_ANCHOR_FILE"]
    try:
        report = ops_backup.restore(
            _engine(),
            Path(current_app.config["UPLOAD_DIR"]),
            source,
            ops_backup.referenced_files,
            lambda session: ops_backup.verify_restored_audit(session, anchor_file),
        )
    except ops_backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"Restored the {report.database} database (revision {', '.join(report.revision) or 'none'}) "
        f"and {report.files} uploaded files."
    )
    if report.missing_files:
        click.echo(f"Files the rows refer to but the backup lacked: {', '.join(report.missing_files)}", err=True)
    for line in report.audit_lines:
        click.echo(line, err=not report.audit_ok)
    if not report.audit_ok:
        sys.exit(1)
    click.echo("If this code is newer than the backup, run `traceability db upgrade` next.")


@main.command("worker", with_appcontext=False)  # it makes its app once its metrics folder is set
@click.option("--threads", default=2, show_default=True, type=int, help="jobs run at the same time")
def worker(threads: int) -> None:
    """Run the background jobs (label sheets, e-mail, notices, daily checks) until stopped."""
    from traceability.ops.multiproc import use_multiprocess_dir

    use_multiprocess_dir()  # its jobs and e-mails counted where the web server's /metrics reads them
    from traceability.jobs.worker import run

    run(threads)


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option(
    "--workers",
    default=lambda: int(os.environ.get("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1) + 1)),
    type=int,
    help="gunicorn sync workers (default 2×cores+1, or WEB_CONCURRENCY)",
)
def serve(host: str, port: int, workers: int) -> None:
    """Run the production server (gunicorn)."""
    from traceability.ops.multiproc import prepare_multiprocess_dir

    # every worker writes its metrics there; a scrape of any worker adds them all up
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = prepare_multiprocess_dir()
    args = [
        sys.executable,
        "-m",
        "gunicorn",
        "--no-control-socket",
        "--config",
        "python:traceability.ops.gunicorn_conf",
        "--workers",
        str(workers),
        "--bind",
        f"{host}:{port}",
        "traceability.wsgi:app",  # the app logs each request itself, with its id (no gunicorn access log)
    ]
    os.execv(sys.executable, args)  # noqa: S606  (replaces this process with gunicorn)


if __name__ == "__main__":
    main()
