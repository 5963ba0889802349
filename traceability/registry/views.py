"""Producer workspace: the home page, sites, products, certifications."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import func, select

from traceability import db
from traceability.accounts.models import Role
from traceability.auth import roles
from traceability.batches.models import Batch
from traceability.registry.models import Product, Site

bp = Blueprint("registry", __name__, url_prefix="/app")


@bp.route("/")
@roles(Role.PRODUCER)
def home():
    org = current_user.organization

    def count(model) -> int:
        return db.session.scalar(select(func.count()).select_from(model).where(model.organization_id == org.id))

    counts = {"sites": count(Site), "products": count(Product), "batches": count(Batch)}
    return render_template("app/home.html", org=org, counts=counts)
