"""JSON API of shipments between organisations, suppliers without an account, and their deliveries."""

from __future__ import annotations

from flask_login import current_user
from flask_smorest import Blueprint
from sqlalchemy import select

from traceability import db
from traceability.accounts.models import Role
from traceability.auth import roles
from traceability.notices.services import absolute
from traceability.shipments import services
from traceability.shipments.models import Supplier
from traceability.shipments.schemas import (
    BuyerSchema,
    BuyerSearchSchema,
    DeliveryInSchema,
    DeliverySchema,
    ShipmentAcceptedSchema,
    ShipmentAcceptSchema,
    ShipmentFilterSchema,
    ShipmentInSchema,
    ShipmentRefuseSchema,
    ShipmentSchema,
    ShipmentSentSchema,
    SourceLotSchema,
    SupplierInSchema,
    SupplierPatchSchema,
    SupplierSchema,
)
from traceability.tenancy import get_editable, get_visible, owner_first, scope

blp = Blueprint("shipments_api", __name__, url_prefix="/api/v1", description="Shipments, suppliers, deliveries")
READERS = (Role.PRODUCER, Role.INSPECTOR, Role.ADMIN)


def _visible_first(view):
    """The shipment named in the URL must be visible to the caller before its body is read (404 otherwise)."""
    import functools

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        services.get_visible_shipment(db.session, current_user, kwargs["shipment_id"])
        return view(*args, **kwargs)

    return wrapper


@blp.route("/shipments", methods=["GET"])
@roles(*READERS)
@blp.arguments(ShipmentFilterSchema, location="query")
@blp.response(200, ShipmentSchema(many=True))
def list_shipments(args):
    """Shipments to (`direction=in`) or from (`out`) the caller's organisation, newest first."""
    return services.list_shipments(db.session, current_user, args["direction"])


@blp.route("/shipments", methods=["POST"])
@roles(Role.PRODUCER)
@blp.arguments(ShipmentInSchema)
@blp.response(201, ShipmentSentSchema)
def create_shipment(data):
    """Ship a quantity of a published lot to another organisation (by tax code). An unregistered buyer needs
    `invite_email` or `invite: true`; the answer's `invite_url` is the link to pass on."""
    shipment = services.ship_lot(db.session, current_user, data)
    # shown to the sender once, to pass on (also on the shipment's page while it waits)
    token = shipment.invite_token
    shipment.invite_url = absolute(services.invitation_path(shipment)) if token else None
    return shipment


@blp.route("/shipments/buyers", methods=["GET"])
@roles(Role.PRODUCER)
@blp.arguments(BuyerSearchSchema, location="query")
@blp.response(200, BuyerSchema(many=True))
def search_buyers(args):
    """Verified organisations to ship to, by name (accents and case ignored) or the start of a tax code: their
    public name, tax code, kind and place only."""
    return services.search_organizations(db.session, args["q"], exclude_id=current_user.organization_id)


@blp.route("/shipments/<int:shipment_id>/cancel", methods=["POST"])
@roles(Role.PRODUCER)
@blp.response(200, ShipmentSchema)
def cancel_shipment(shipment_id: int):
    """The sender cancels a shipment the buyer has not answered: the quantity is the lot's again."""
    shipment = services.get_visible_shipment(db.session, current_user, shipment_id)
    return services.cancel_shipment(db.session, current_user, shipment)


@blp.route("/batches/<int:batch_id>/source", methods=["GET"])
@roles(*READERS)
@blp.response(200, SourceLotSchema)
def source_lot(batch_id: int):
    """The supplier's lot this received lot came from, as the supplier published it: product, origin, stages,
    chemicals, lab tests, certificates. For the two parties to the shipment and inspectors; 404 otherwise."""
    return services.source_lot(db.session, current_user, batch_id)


@blp.route("/shipments/<int:shipment_id>", methods=["GET"])
@roles(*READERS)
@blp.response(200, ShipmentSchema)
def get_shipment(shipment_id: int):
    return services.get_visible_shipment(db.session, current_user, shipment_id)


@blp.route("/shipments/<int:shipment_id>/accept", methods=["POST"])
@roles(Role.PRODUCER)
@_visible_first
@blp.arguments(ShipmentAcceptSchema)
@blp.response(200, ShipmentAcceptedSchema)
def accept_shipment(data, shipment_id: int):
    """The buyer accepts: `batch_id` of the answer is its received lot, usable as an input or shipped on."""
    shipment = services.get_visible_shipment(db.session, current_user, shipment_id)
    return services.accept_shipment(db.session, current_user, shipment, data)


@blp.route("/shipments/<int:shipment_id>/refuse", methods=["POST"])
@roles(Role.PRODUCER)
@_visible_first
@blp.arguments(ShipmentRefuseSchema)
@blp.response(200, ShipmentSchema)
def refuse_shipment(data, shipment_id: int):
    """The buyer refuses, with a reason; the quantity is the sender's again."""
    shipment = services.get_visible_shipment(db.session, current_user, shipment_id)
    return services.refuse_shipment(db.session, current_user, shipment, data["reason"])


@blp.route("/suppliers", methods=["GET"])
@roles(*READERS)
@blp.response(200, SupplierSchema(many=True))
def list_suppliers():
    """The caller's suppliers without an account (households, member farms)."""
    return db.session.scalars(scope(select(Supplier), Supplier, current_user).order_by(Supplier.name)).all()


@blp.route("/suppliers", methods=["POST"])
@roles(Role.PRODUCER)
@blp.arguments(SupplierInSchema)
@blp.response(201, SupplierSchema)
def create_supplier(data):
    return services.create_supplier(db.session, current_user, data)


@blp.route("/suppliers/<int:supplier_id>", methods=["GET"])
@roles(*READERS)
@blp.response(200, SupplierSchema)
def get_supplier(supplier_id: int):
    return get_visible(db.session, Supplier, supplier_id, current_user)


@blp.route("/suppliers/<int:supplier_id>", methods=["PATCH"])
@roles(Role.PRODUCER)
@owner_first(Supplier, "supplier_id")
@blp.arguments(SupplierPatchSchema)
@blp.response(200, SupplierSchema)
def update_supplier(data, supplier_id: int):
    supplier = get_editable(db.session, Supplier, supplier_id, current_user)
    return services.update_supplier(db.session, current_user, supplier, data)


@blp.route("/suppliers/<int:supplier_id>", methods=["DELETE"])
@roles(Role.PRODUCER)
@blp.response(204)
def delete_supplier(supplier_id: int):
    """Delete a supplier without deliveries; one with deliveries answers 409 saying why it stays."""
    supplier = get_editable(db.session, Supplier, supplier_id, current_user)
    services.delete_supplier(db.session, current_user, supplier)


@blp.route("/deliveries", methods=["POST"])
@roles(Role.PRODUCER)
@blp.arguments(DeliveryInSchema)
@blp.response(201, DeliverySchema)
def record_delivery(data):
    """A supplier's delivery: a received lot attributed to the supplier's planting area (`batch_id`)."""
    return services.record_delivery(db.session, current_user, data)
