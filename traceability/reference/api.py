"""JSON API of reference: the kept lists products and places choose from (by code, or a category by id)."""

from __future__ import annotations

from flask_smorest import Blueprint

from traceability import db
from traceability.accounts.models import Role
from traceability.auth import roles
from traceability.reference import services
from traceability.reference.schemas import CategorySchema, CommuneQuerySchema, CommuneSchema

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
