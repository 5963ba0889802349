"""Inspector workspace."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import func, select

from traceability import db
from traceability.accounts.models import Organization, OrgStatus, Role
from traceability.auth import roles
from traceability.batches.models import Batch, BatchStatus

bp = Blueprint("inspection", __name__, url_prefix="/inspect")


@bp.route("/")
@roles(Role.INSPECTOR, Role.ADMIN)
def home():
    by_status = dict(db.session.execute(select(Batch.status, func.count()).group_by(Batch.status)).all())
    pending_orgs = db.session.scalar(
        select(func.count()).select_from(Organization).where(Organization.status == OrgStatus.PENDING)
    )
    return render_template(
        "inspect/home.html", by_status=by_status, statuses=list(BatchStatus), pending_orgs=pending_orgs
    )
