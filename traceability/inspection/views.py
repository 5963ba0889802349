"""Inspector workspace: find a batch, its full record, inspections and status changes, the queue, figures."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from marshmallow import ValidationError

from traceability import db, storage
from traceability.accounts.models import Organization, Role
from traceability.auth import public, roles
from traceability.batches.models import Batch, BatchStatus
from traceability.errors import Conflict, Invalid
from traceability.forms import choices, submit_form
from traceability.inspection import alerts as queue
from traceability.inspection import field, offline, scope, services
from traceability.inspection.charts import bar_chart
from traceability.inspection.export import workbook_name, yearly_workbook
from traceability.inspection.figures import Period, dashboard, local_today, total, yearly_report
from traceability.inspection.lookup import MistypedCode, batch_record, resolve_scanned, search_batches
from traceability.inspection.models import Inspection, InspectionAction, InspectionResult
from traceability.inspection.photos import send_photo, store_photos
from traceability.inspection.schemas import (
    FieldPackQuerySchema,
    HeldActionSchema,
    InspectionInSchema,
    PeriodSchema,
    ReasonSchema,
    ReportUpdateSchema,
    SyncedInspectionSchema,
)
from traceability.labels import label
from traceability.public.models import ConsumerReport, ReportKind, ReportStatus
from traceability.reference.models import Agency
from traceability.schemas import form_data
from traceability.shipments.services import shipments_of_lot, shipments_of_organization
from traceability.tenancy import get_visible

bp = Blueprint("inspection", __name__, url_prefix="/inspect")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _period(default: Period) -> tuple[Period, dict]:
    """The period asked for in the query string (from/to, or year), or the default; and any errors."""
    try:
        data = PeriodSchema().load(request.args.to_dict())
    except ValidationError as exc:
        return default, exc.messages
    if data.get("year"):
        return Period.year(data["year"]), {}
    first, last = data.get("first_on"), data.get("last_on")
    if first or last:
        first = first or min(default.first_on, last)
        return Period(first, last or max(first, default.last_on)), {}
    return default, {}


def _scope() -> tuple[Agency | None, bool]:
    """The user's agency, and whether the page shows the whole province: an agency's inspector sees its scope
    unless they ask for the whole province (?whole=1); inspectors without an agency and admins see it always."""
    agency = scope.agency_of(db.session, current_user)
    return agency, agency is None or request.args.get("whole") == "1"


def _in_scope(whole: bool):
    return None if whole else scope.scope_filter(db.session, current_user)


def _scope_context(agency: Agency | None, whole: bool) -> dict:
    """What the page says about its scope, and the links to this page in the other scope."""
    args = {k: v for k, v in request.args.items() if k != "whole"}
    return {
        "agency": agency,
        "whole": whole,
        "scope_text": scope.scope_text(agency) if agency else None,
        "own_url": url_for(request.endpoint, **args),
        "whole_url": url_for(request.endpoint, **args, whole=1),
        "whole_arg": 1 if agency and whole else None,  # carried by the page's links and forms
    }


@bp.route("/")
@roles(Role.INSPECTOR, Role.ADMIN)
def home():
    today = local_today()
    period, errors = _period(Period(dt.date(today.year, 1, 1), today))
    agency, whole = _scope()
    figures = dashboard(db.session, period, _in_scope(whole))
    alerts = queue.alerts(db.session, dt.datetime.now(dt.UTC), today, current_app.config, _in_scope(whole))
    return render_template(
        "inspect/home.html",
        figures=figures,
        period=period,
        errors=errors,
        chart=bar_chart,
        label=label,
        open_reports=queue.count_open_reports(db.session, queue.ALL if whole else agency.id),
        alerts=alerts,
        **_scope_context(agency, whole),
    )


@bp.route("/find")
@roles(Role.INSPECTOR, Role.ADMIN)
def find():
    text = (request.args.get("q") or "").strip()
    status = request.args.get("status") or None
    errors: dict = {}
    results = None
    if text:
        try:
            found = resolve_scanned(db.session, text)
        except MistypedCode:
            errors = {"q": [_("This code is mistyped: a character is wrong. Check it and type it again.")]}
            found = None
        if found is not None and found.batch is not None:
            return redirect(url_for("inspection.batch", batch_id=found.batch.id))
        if found is not None:
            errors = {"q": [_("No batch has this code. It is not registered: possibly a fake.")]}
        elif not errors:
            results = search_batches(db.session, text, status)
    elif status:
        results = search_batches(db.session, "", status)
    return render_template(
        "inspect/find.html", q=text, status=status, results=results, errors=errors, statuses=list(BatchStatus)
    ), (422 if errors else 200)


def _render_batch(batch, errors: dict | None = None, values: dict | None = None, status: int = 200):
    pages = {k: request.args.get(k, 1, type=int) for k in ("codes_page", "reports_page")}
    record = batch_record(db.session, batch, **pages)
    affected = services.affected_by(db.session, batch) if batch.status == BatchStatus.RECALLED else []
    reached = _organisations_reached(batch, affected)
    return render_template(
        "inspect/batch.html",
        record=record,
        batch=batch,
        affected=affected,
        reached=reached,
        shipments=shipments_of_lot(db.session, batch),
        errors=errors or {},
        values=values or {},
        result_options=choices(InspectionResult),
        action_options=choices(InspectionAction),
        can_act=current_user.role == Role.INSPECTOR,
    ), status


def _organisations_reached(batch, affected) -> list[tuple]:
    """The other organisations a recall reaches, with how many of their lots and their contacts (the first row
    of each, which carries them)."""
    found: dict[int, list] = {}
    for row in affected:
        if row.organization.id != batch.organization_id:
            found.setdefault(row.organization.id, [row.organization, 0, row.contacts])[1] += 1
    return sorted((tuple(v) for v in found.values()), key=lambda v: v[0].name)


@bp.route("/organizations/<int:org_id>")
@roles(Role.INSPECTOR, Role.ADMIN)
def organization(org_id: int):
    """An organisation's record: who it is, and its shipments sent and received (one step back, one forward)."""
    org = db.session.get(Organization, org_id)
    if org is None:
        abort(404)
    return render_template("inspect/organization.html", org=org, shipments=shipments_of_organization(db.session, org))


@bp.route("/batches/<int:batch_id>")
@roles(Role.INSPECTOR, Role.ADMIN)
def batch(batch_id: int):
    return _render_batch(get_visible(db.session, Batch, batch_id, current_user))


def _samples(values: dict) -> list[dict]:
    # the form has a few rows of sample fields: sample_code / sample_laboratory, repeated
    codes = request.form.getlist("sample_code")
    labs = request.form.getlist("sample_laboratory")
    values.pop("sample_code", None)
    values.pop("sample_laboratory", None)
    return [
        {"sample_code": code, "laboratory": lab}
        for code, lab in zip(codes, labs + [""] * len(codes), strict=False)
        if code.strip() or lab.strip()
    ]


@bp.route("/batches/<int:batch_id>/inspections", methods=["POST"])
@roles(Role.INSPECTOR)
def record_inspection(batch_id: int):
    batch = get_visible(db.session, Batch, batch_id, current_user)
    values = form_data(request.form)
    values.pop("photos", None)
    values["samples"] = _samples(values)
    try:
        data = InspectionInSchema().load({**values, "batch_id": batch.id})
        stored = store_photos(request.files.getlist("photos"))  # removed again by the rollback below
        outcome = services.record_inspection(db.session, current_user, {**data, "photos": stored})
    except ValidationError as exc:
        return _render_batch(batch, _flat_samples(exc.messages), values, 422)
    except (Invalid, Conflict) as exc:
        db.session.rollback()
        return _render_batch(batch, _errors(exc), values, 422)  # rolled back: reloads as saved
    if outcome.inspection.action == InspectionAction.RECALL:
        _flash_recalled(outcome.affected)
    else:
        flash(_("Inspection recorded."))
    return redirect(url_for("inspection.batch", batch_id=batch.id) + "#inspections")


def _flat_samples(errors: dict) -> dict:
    # marshmallow nests a sample's errors by row and field; the form shows one line per row
    rows = errors.get("samples")
    if isinstance(rows, dict):
        errors["samples"] = [
            f"{_('Sample code')} {int(row) + 1}: {' '.join(m for msgs in fields.values() for m in msgs)}"
            if isinstance(fields, dict)
            else " ".join(fields)
            for row, fields in rows.items()
        ]
    return errors


def _flash_recalled(affected: list) -> None:
    flash(_("Batch recalled. Batches made from it that now show the recall: %(n)s.", n=len(affected)))


def _errors(exc: Invalid | Conflict) -> dict:
    return exc.errors or {"_schema": [exc.message]}


@bp.route("/batches/<int:batch_id>/status", methods=["POST"])
@roles(Role.INSPECTOR)
def change_status(batch_id: int):
    batch = get_visible(db.session, Batch, batch_id, current_user)
    action = request.form.get("action")
    change = {"suspend": services.suspend_batch, "resume": services.resume_batch, "recall": services.recall_batch}
    values = {f"status_{k}": v for k, v in form_data(request.form).items()}
    try:
        if action not in change:
            raise Invalid({"action": [_("Choose suspend, resume or recall.")]})
        data = ReasonSchema().load({"reason": values.get("status_reason", "")})
        result = change[action](db.session, current_user, batch, data["reason"])
    except ValidationError as exc:
        return _render_batch(batch, {f"status_{k}": v for k, v in exc.messages.items()}, values, 422)
    except (Invalid, Conflict) as exc:
        db.session.rollback()
        errors = {f"status_{k}": v for k, v in _errors(exc).items()}
        return _render_batch(batch, errors, values, 422)
    if action == "recall":
        _flash_recalled(result)
    else:
        flash(_("The batch is now: %(status)s.", status=label(batch.status)))
    return redirect(url_for("inspection.batch", batch_id=batch.id))


@bp.route("/photos/<photo>")
@roles(Role.INSPECTOR, Role.ADMIN)
def photo(photo: str):
    return send_photo(photo)


@bp.route("/queue")
@roles(Role.INSPECTOR, Role.ADMIN)
def work_queue():
    status = request.args.get("status") or None
    kind = request.args.get("kind") or None
    # an agency's inspector sees its reports and batches unless they ask for the whole province
    agency, whole = _scope()
    return render_template(
        "inspect/queue.html",
        reports=queue.open_reports(db.session, status, kind, queue.ALL if whole else agency.id),
        alerts=queue.alerts(
            db.session,
            dt.datetime.now(dt.UTC),
            local_today(),
            current_app.config,
            None if whole else scope.scope_filter(db.session, current_user),
        ),
        agency=agency,
        whole=whole,
        scope_text=scope.scope_text(agency) if agency else None,
        status=status,
        kind=kind,
        statuses=list(ReportStatus),
        kinds=list(ReportKind),
        expiry_days=queue.EXPIRY_WARNING_DAYS,
    )


def _render_report(report, errors: dict | None = None, values: dict | None = None, status: int = 200):
    return render_template(
        "inspect/report.html",
        report=report,
        errors=errors or {},
        values=values or {"status": report.status.value, "reply": report.reply},
        status_options=choices(ReportStatus),
        can_act=current_user.role == Role.INSPECTOR,
    ), status


@bp.route("/reports/<int:report_id>")
@roles(Role.INSPECTOR, Role.ADMIN)
def report(report_id: int):
    return _render_report(get_visible(db.session, ConsumerReport, report_id, current_user))


@bp.route("/reports/<int:report_id>/photo")
@roles(Role.INSPECTOR, Role.ADMIN)
def report_photo(report_id: int):
    """The photo a consumer sent with a report (stored re-encoded as JPEG, without its metadata)."""
    report = get_visible(db.session, ConsumerReport, report_id, current_user)
    return storage.send(report.photo_path, f"report-{report.receipt}.jpg", storage.JPEG)


@bp.route("/reports/<int:report_id>/update", methods=["POST"])
@roles(Role.INSPECTOR)
def update_report(report_id: int):
    report = get_visible(db.session, ConsumerReport, report_id, current_user)
    form = submit_form(
        ReportUpdateSchema(), lambda data: services.update_report(db.session, current_user, report, data)
    )
    if form.errors:
        return _render_report(report, form.errors, form.values, form.status)  # rolled back: reloads as saved
    flash(_("Report saved: %(status)s.", status=label(report.status)))
    return redirect(url_for("inspection.work_queue"))


def _yearly_period() -> tuple[Period, dict]:
    return _period(Period.year(local_today().year))


def _scope_label(agency: Agency | None, whole: bool) -> str:
    return _("The whole province") if whole else scope.scope_text(agency)


@bp.route("/report")
@roles(Role.INSPECTOR, Role.ADMIN)
def yearly():
    period, errors = _yearly_period()
    agency, whole = _scope()
    report = yearly_report(db.session, period, _in_scope(whole), by_agency=whole)
    return render_template(
        "inspect/yearly.html",
        report=report,
        agency_total=total(report.by_agency) if report.by_agency is not None else None,
        period=period,
        errors=errors,
        chart=bar_chart,
        label=label,
        years=range(local_today().year, local_today().year - 6, -1),
        **_scope_context(agency, whole),
    ), (422 if errors else 200)


@bp.route("/report.xlsx")
@roles(Role.INSPECTOR, Role.ADMIN)
def yearly_xlsx():
    period, errors = _yearly_period()
    if errors:
        raise Invalid(errors)
    agency, whole = _scope()
    report = yearly_report(db.session, period, _in_scope(whole), by_agency=whole)
    body = yearly_workbook(report, _scope_label(agency, whole))
    name = workbook_name(period, None if whole else agency)
    return body, 200, {"Content-Type": XLSX, "Content-Disposition": f'attachment; filename="{name}"'}


@bp.route("/report/job", methods=["POST"])
@roles(Role.INSPECTOR, Role.ADMIN)
def yearly_job():
    """The page's download: the workbook made by the worker (the job's page shows progress, then the file). The
    period and `whole` come in the query string, as for the page."""
    from traceability.inspection.report_job import submit_yearly_report

    period, errors = _yearly_period()
    if errors:
        raise Invalid(errors)
    _agency, whole = _scope()
    job = submit_yearly_report(db.session, current_user, period, whole)
    return redirect(url_for("jobs.job_page", job_id=job.id))


# ---- field work without signal: the installable workspace, the field pack, what the phone sends back
# The phone's script talks to these pages' JSON routes (the session cookie and a CSRF header), not to /api/v1,
# which takes bearer tokens only; both call the same services in inspection/field.py.


def _json_load(schema, data):
    try:
        return schema.load(data if data is not None else {})
    except ValidationError as exc:
        raise Invalid(exc.messages) from None


def _synced(synced) -> dict:
    return SyncedInspectionSchema().dump(synced)


@bp.route("/field/")
@roles(Role.INSPECTOR)
def field_work():
    return render_template(
        "inspect/field.html",
        communes=field.pack_communes(db.session),
        strings=offline.field_strings(),
        result_options=choices(InspectionResult),
    )


@bp.route("/field/token")
@roles(Role.INSPECTOR)
def field_token():
    """A fresh CSRF token before sending: the page may come from the phone's cache, from an earlier sign-in."""
    return jsonify({"csrf_token": generate_csrf()})


@bp.route("/field/pack")
@roles(Role.INSPECTOR)
def field_pack():
    query = _json_load(FieldPackQuerySchema(), {k: request.args.getlist(k) for k in request.args})
    choice = field.PackChoice(query["commune"], query["organization_id"], query["site_id"])
    return jsonify(field.build_pack(db.session, choice))


@bp.route("/field/inspections", methods=["POST"])
@roles(Role.INSPECTOR)
def field_send_inspection():
    data = _json_load(InspectionInSchema(), request.get_json(silent=True))
    if not data.get("client_key"):
        raise Invalid({"client_key": [_("This field is required.")]})
    synced = field.sync_inspection(db.session, current_user, data)
    return jsonify(_synced(synced)), (200 if synced.repeated else 201)


@bp.route("/field/inspections/<int:inspection_id>/held-action", methods=["POST"])
@roles(Role.INSPECTOR)
def field_held_action(inspection_id: int):
    inspection = get_visible(db.session, Inspection, inspection_id, current_user)
    data = _json_load(HeldActionSchema(), request.get_json(silent=True))
    return jsonify(_synced(field.decide_held_action(db.session, current_user, inspection, data["decision"])))


@bp.route("/field/inspections/<int:inspection_id>/photos/<client_key>", methods=["PUT"])
@roles(Role.INSPECTOR)
def field_put_photo(inspection_id: int, client_key: str):
    inspection = get_visible(db.session, Inspection, inspection_id, current_user)
    field.check_key(client_key)
    photo = request.files.get("photo")
    if photo is None:
        raise Invalid({"photo": [_("This field is required.")]})
    field.add_keyed_photo(db.session, current_user, inspection, client_key, photo)
    return jsonify({"id": inspection.id, "photos": list(inspection.photos or [])})


@bp.route("/sw.js")
@public
def service_worker():
    """The service worker: its path gives it the scope /inspect/, so it never sees a consumer's page."""
    body = render_template("inspect/sw.js", shell=offline.shell_urls(), version=offline.shell_version())
    return body, 200, {"Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "no-cache"}


@bp.route("/manifest.webmanifest")
@public
def manifest():
    """The web app manifest of the inspector's workspace (browsers fetch it without the session cookie)."""
    return jsonify(offline.manifest()), 200, {"Content-Type": "application/manifest+json"}
