"""Administration of reference data: the banned and removed active ingredients (crops and livestock); the kept
lists of product categories and communes are in list_views.py."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from traceability import db
from traceability.accounts.models import Role
from traceability.auth import roles
from traceability.forms import FormResult, submit_form
from traceability.reference import services
from traceability.reference.schemas import SubstanceInSchema

bp = Blueprint("reference", __name__, url_prefix="/admin")


@bp.route("/substances/")
@roles(Role.ADMIN, Role.INSPECTOR)
def substances():
    search = request.args.get("q", "").strip()
    return render_template(
        "admin/substances.html", substances=services.list_substances(db.session, search or None), search=search
    )


@bp.route("/substances/new", methods=["GET", "POST"])
@roles(Role.ADMIN)
def new_substance():
    return _edit(None)


@bp.route("/substances/<int:substance_id>", methods=["GET", "POST"])
@roles(Role.ADMIN)
def edit_substance(substance_id: int):
    return _edit(services.get_substance(db.session, substance_id))


def _edit(substance):
    blank = {"status": "banned", "kind": "pesticide"}
    form = FormResult(values=SubstanceInSchema().dump(substance) if substance else blank)
    if request.method == "POST":
        form = submit_form(SubstanceInSchema(), lambda data: services.save_substance(db.session, data, substance))
        if not form.errors:
            flash(_("Saved."))
            return redirect(url_for("reference.substances"))
    return render_template(
        "admin/substance.html", substance=substance, values=form.values, errors=form.errors
    ), form.status


@bp.route("/substances/<int:substance_id>/delete", methods=["POST"])
@roles(Role.ADMIN)
def delete_substance(substance_id: int):
    services.delete_substance(db.session, services.get_substance(db.session, substance_id))
    flash(_("Removed from the list."))
    return redirect(url_for("reference.substances"))


@bp.route("/substances/reload", methods=["POST"])
@roles(Role.ADMIN)
def reload_substances():
    report = services.load_substances(db.session)
    flash(
        _(
            "Reloaded the shipped lists: %(added)d added, %(updated)d updated, %(kept)d kept as admins left them.",
            added=len(report.added),
            updated=len(report.updated),
            kept=len(report.kept),
        )
    )
    return redirect(url_for("reference.substances"))


from traceability.reference import list_views  # noqa: E402, F401  (the lists' pages, on this blueprint)
