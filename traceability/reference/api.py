"""JSON API of reference: the kept lists products and places choose from (by code, or a category by id), and
the agencies that inspect them."""

from __future__ import annotations

from flask_smorest import Blueprint

from traceability import db
from traceability.accounts.models import Role
from traceability.auth import roles
from traceability.reference import services
from traceability.reference.schemas import (
    AgencyApiInSchema,
    AgencyPatchSchema,
    AgencySchema,
    CategorySchema,
    CommuneQuerySchema,
    CommuneSchema,
)

blp = Blueprint("reference_api", __name__, url_prefix="/api/v1", description="Reference")
READERS = (Role.PRODUCER, Role.INSPECTOR, Role.ADMIN)


@blp.route("/categories", methods=["GET"])
@roles(*READERS)
@blp.response(200, CategorySchema(many=True))
def list_categories():
    """The product categories in the list's order; a product names one by `code` (or `id`)."""
    return services.categories(db.session)


@blp.route("/communes", methods=["GET"])
@roles(*READERS)
@blp.arguments(CommuneQuerySchema, location="query")
@blp.response(200, CommuneSchema(many=True))
def list_communes(query):
    """The province's communes and wards; `q` searches names without accents ("ba xuyen")."""
    return services.communes(db.session, query.get("q"))


# ---- agencies: inspectors read who covers what; the admin keeps the list (as on /admin/agencies)


@blp.route("/agencies", methods=["GET"])
@roles(Role.INSPECTOR, Role.ADMIN)
@blp.response(200, AgencySchema(many=True))
def list_agencies():
    """The inspecting agencies, with the communes and product categories each covers (an empty list: all of
    them) and how many inspectors work for it."""
    return services.with_inspector_counts(db.session, services.agencies(db.session))


@blp.route("/agencies", methods=["POST"])
@roles(Role.ADMIN)
@blp.arguments(AgencyApiInSchema)
@blp.response(201, AgencySchema)
def create_agency(data):
    """Add an agency; unknown commune or category codes are refused naming the field."""
    return _counted(services.save_agency(db.session, data))


@blp.route("/agencies/<int:agency_id>", methods=["GET"])
@roles(Role.INSPECTOR, Role.ADMIN)
@blp.response(200, AgencySchema)
def get_agency(agency_id: int):
    return _counted(services.get_agency(db.session, agency_id))


@blp.route("/agencies/<int:agency_id>", methods=["PATCH"])
@roles(Role.ADMIN)
@blp.arguments(AgencyPatchSchema)
@blp.response(200, AgencySchema)
def update_agency(data, agency_id: int):
    """Change the fields given. Making it inactive (`is_active: false`) is refused while inspectors work for it."""
    return _counted(services.save_agency(db.session, data, services.get_agency(db.session, agency_id)))


@blp.route("/agencies/<int:agency_id>", methods=["DELETE"])
@roles(Role.ADMIN)
@blp.response(204)
def delete_agency(agency_id: int):
    """Delete an agency made by mistake. 409, saying why, while inspectors work for it (move them first) or once
    it has recorded actions (inspections, decisions on batches, consumer reports), which keep naming it: make it
    inactive instead."""
    services.delete_agency(db.session, services.get_agency(db.session, agency_id))


def _counted(agency):
    return services.with_inspector_counts(db.session, [agency])[0]
