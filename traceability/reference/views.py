"""Administration of reference data: the banned and removed active ingredients."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError

from traceability import db
from traceability.accounts.models import Role
from traceability.auth import roles
from traceability.errors import Invalid
from traceability.reference import services
from traceability.reference.models import SubstanceStatus
from traceability.reference.schemas import SubstanceInSchema
from traceability.schemas import form_data

bp = Blueprint("reference", __name__, url_prefix="/admin/substances")


@bp.route("/")
@roles(Role.ADMIN, Role.INSPECTOR)
def substances():
    search = request.args.get("q", "").strip()
    return render_template(
        "admin/substances.html", substances=services.list_substances(db.session, search or None), search=search
    )


@bp.route("/new", methods=["GET", "POST"])
@roles(Role.ADMIN)
def new_substance():
    return _edit(None)


@bp.route("/<int:substance_id>", methods=["GET", "POST"])
@roles(Role.ADMIN)
def edit_substance(substance_id: int):
    return _edit(services.get_substance(db.session, substance_id))


def _edit(substance):
    errors: dict = {}
    values = SubstanceInSchema().dump(substance) if substance else {"status": SubstanceStatus.BANNED.value}
    if request.method == "POST":
        values = form_data(request.form)
        try:
            services.save_substance(db.session, SubstanceInSchema().load(values), substance)
        except ValidationError as exc:
            errors = exc.messages
        except Invalid as exc:
            errors = exc.errors or {}
        else:
            db.session.commit()
            flash(_("Saved."))
            return redirect(url_for("reference.substances"))
    return render_template(
        "admin/substance.html", substance=substance, values=values, errors=errors, statuses=list(SubstanceStatus)
    ), (422 if errors else 200)


@bp.route("/<int:substance_id>/delete", methods=["POST"])
@roles(Role.ADMIN)
def delete_substance(substance_id: int):
    services.delete_substance(db.session, services.get_substance(db.session, substance_id))
    db.session.commit()
    flash(_("Removed from the list."))
    return redirect(url_for("reference.substances"))


@bp.route("/reload", methods=["POST"])
@roles(Role.ADMIN)
def reload_substances():
    added, updated = services.load_substances(db.session)
    db.session.commit()
    flash(_("Reloaded the shipped list: %(added)d added, %(updated)d updated.", added=added, updated=updated))
    return redirect(url_for("reference.substances"))
