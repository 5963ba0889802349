"""Pages of a job: its progress (the page refreshes itself until the job ends) and its file."""

from __future__ import annotations

from flask import Blueprint, render_template, send_file
from flask_babel import gettext as _
from flask_login import current_user

from traceability import db
from traceability.accounts.models import Role
from traceability.auth import roles
from traceability.errors import Conflict
from traceability.jobs import services

bp = Blueprint("jobs", __name__)
SIGNED_IN = (Role.PRODUCER, Role.INSPECTOR, Role.ADMIN)


@bp.route("/app/jobs/<int:job_id>")
@roles(*SIGNED_IN)
def job_page(job_id: int):
    job = services.get_job(db.session, job_id, current_user)
    ready = services.result_file(job) is not None
    return render_template("jobs/job.html", job=job, ready=ready, problems=services.problems(job))


@bp.route("/app/jobs/<int:job_id>/download")
@roles(*SIGNED_IN)
def download(job_id: int):
    job = services.get_job(db.session, job_id, current_user)
    path = services.result_file(job)
    if path is None:  # not finished (or failed): never a partial file
        raise Conflict(_("This job has not finished; its file is not ready."))
    return send_file(path, mimetype=job.result_type, as_attachment=True, download_name=job.result_name)


@bp.app_template_global()
def job_kind_label(kind: str) -> str:
    kinds = {"label_sheet": _("label sheet"), "batch_import": _("batch import"), "yearly_report": _("yearly report")}
    return kinds.get(kind, kind)
