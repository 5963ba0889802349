"""Administration of the kept lists: product categories, the province's communes and wards, and the agencies
that inspect them."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from traceability import db
from traceability.accounts.models import Role
from traceability.auth import roles
from traceability.errors import Conflict
from traceability.forms import FormResult, submit_form
from traceability.reference import services
from traceability.reference.models import AgencyKind
from traceability.reference.schemas import (
    AgencyInSchema,
    CategoryInSchema,
    CategorySchema,
    CommuneInSchema,
    CommuneSchema,
)
from traceability.reference.views import bp


def _reloaded() -> None:
    categories, communes = services.reload_lists(db.session)
    flash(
        _(
            "Reloaded the shipped lists: %(added)d added, %(updated)d updated, %(kept)d kept as admins left them.",
            added=len(categories.added) + len(communes.added),
            updated=len(categories.updated) + len(communes.updated),
            kept=len(categories.kept) + len(communes.kept),
        )
    )


# ---- product categories


@bp.route("/categories")
@roles(Role.ADMIN)
def categories():
    return render_template("admin/categories.html", categories=services.categories(db.session))


@bp.route("/categories/new", methods=["GET", "POST"])
@roles(Role.ADMIN)
def new_category():
    return _edit_category(None)


@bp.route("/categories/<int:category_id>", methods=["GET", "POST"])
@roles(Role.ADMIN)
def edit_category(category_id: int):
    return _edit_category(services.get_category(db.session, category_id))


def _edit_category(category):
    form = FormResult(values=CategorySchema().dump(category) if category else {"position": 100, "is_active": True})
    if request.method == "POST":
        keep_code = (lambda v: {**v, "code": category.code}) if category else None  # the code is set once
        form = submit_form(
            CategoryInSchema(), lambda data: services.save_category(db.session, data, category), keep_code
        )
        if not form.errors:
            flash(_("Saved."))
            return redirect(url_for("reference.categories"))
    return render_template(
        "admin/category.html", category=category, values=form.values, errors=form.errors
    ), form.status


@bp.route("/categories/reload", methods=["POST"])
@roles(Role.ADMIN)
def reload_categories():
    _reloaded()
    return redirect(url_for("reference.categories"))


# ---- communes and wards


@bp.route("/communes")
@roles(Role.ADMIN)
def communes():
    search = request.args.get("q", "").strip()
    return render_template("admin/communes.html", communes=services.communes(db.session, search or None), search=search)


@bp.route("/communes/new", methods=["GET", "POST"])
@roles(Role.ADMIN)
def new_commune():
    return _edit_commune(None)


@bp.route("/communes/<int:commune_id>", methods=["GET", "POST"])
@roles(Role.ADMIN)
def edit_commune(commune_id: int):
    return _edit_commune(services.get_commune_by_id(db.session, commune_id))


def _edit_commune(commune):
    form = FormResult(
        values=CommuneSchema().dump(commune)
        if commune
        else {"province": "Thái Nguyên", "kind": "commune", "is_active": True}
    )
    if request.method == "POST":
        keep_code = (lambda v: {**v, "code": commune.code}) if commune else None  # the code is set once
        form = submit_form(CommuneInSchema(), lambda data: services.save_commune(db.session, data, commune), keep_code)
        if not form.errors:
            flash(_("Saved."))
            return redirect(url_for("reference.communes"))
    return render_template("admin/commune.html", commune=commune, values=form.values, errors=form.errors), form.status


@bp.route("/communes/reload", methods=["POST"])
@roles(Role.ADMIN)
def reload_communes():
    _reloaded()
    return redirect(url_for("reference.communes"))


# ---- agencies

KIND_NAMES = {
    AgencyKind.AGRICULTURE_ENVIRONMENT: _l("Agriculture and environment"),
    AgencyKind.SCIENCE_TECHNOLOGY: _l("Science and technology"),
    AgencyKind.MARKET_SURVEILLANCE: _l("Market surveillance"),
    AgencyKind.COMMUNE: _l("Commune or ward people's committee"),
}


def _as_lists(values: dict) -> dict:
    # one option chosen in a multi-select arrives as a plain value, several as a list
    out = dict(values)
    for key in ("commune_ids", "category_ids"):
        chosen = out.get(key, [])
        out[key] = [v for v in (chosen if isinstance(chosen, list) else [chosen]) if v != ""]
    return out


@bp.route("/agencies")
@roles(Role.ADMIN)
def agencies():
    found = services.with_inspector_counts(db.session, services.agencies(db.session))
    return render_template("admin/agencies.html", agencies=found, kind_names=KIND_NAMES)


@bp.route("/agencies/new", methods=["GET", "POST"])
@roles(Role.ADMIN)
def new_agency():
    return _edit_agency(None)


@bp.route("/agencies/<int:agency_id>", methods=["GET", "POST"])
@roles(Role.ADMIN)
def edit_agency(agency_id: int):
    return _edit_agency(services.get_agency(db.session, agency_id))


def _edit_agency(agency):
    if agency:
        values = {
            "name": agency.name,
            "kind": agency.kind.value,
            "commune_ids": [c.id for c in agency.communes],
            "category_ids": [c.id for c in agency.categories],
            "is_active": agency.is_active,
        }
    else:
        values = {"kind": AgencyKind.COMMUNE.value, "commune_ids": [], "category_ids": [], "is_active": True}
    form = FormResult(values=values)
    if request.method == "POST":
        form = submit_form(AgencyInSchema(), lambda data: services.save_agency(db.session, data, agency), _as_lists)
        if not form.errors:
            flash(_("Saved."))
            return redirect(url_for("reference.agencies"))
        form.values = _as_lists(form.values)
    chosen = {key: {str(v) for v in form.values.get(key, [])} for key in ("commune_ids", "category_ids")}
    return render_template(
        "admin/agency.html",
        agency=agency,
        values=form.values,
        chosen=chosen,
        errors=form.errors,
        kind_names=KIND_NAMES,
        communes=services.communes(db.session),
        categories=services.categories(db.session),
    ), form.status


@bp.route("/agencies/<int:agency_id>/delete", methods=["GET", "POST"])
@roles(Role.ADMIN)
def delete_agency(agency_id: int):
    """GET asks for confirmation (a page: works without JavaScript); POST deletes. An agency that may not be
    deleted (inspectors work for it, or it recorded actions) sends back to its page saying why."""
    agency = services.get_agency(db.session, agency_id)
    name = agency.name
    try:
        if request.method == "GET":
            services.check_deletable(db.session, agency)
            return render_template(
                "app/confirm.html",
                title=_("Delete the agency %(name)s?", name=name),
                what=f"{name} · {KIND_NAMES[agency.kind]}",
                consequences=[_("No inspector works for it and no recorded action names it.")],
                action=url_for("reference.delete_agency", agency_id=agency.id),
                confirm=_("Delete"),
                back=url_for("reference.edit_agency", agency_id=agency.id),
            )
        services.delete_agency(db.session, agency)
    except Conflict as exc:
        flash(exc.message, "error")
        return redirect(url_for("reference.edit_agency", agency_id=agency_id))
    flash(_("Agency %(name)s deleted.", name=name))
    return redirect(url_for("reference.agencies"))
