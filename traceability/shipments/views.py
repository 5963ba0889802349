"""Workspace pages: shipments out and in (accept, refuse), suppliers without an account and their deliveries,
and the public invitation page a buyer not yet registered receives."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from traceability import db
from traceability.accounts.models import Role
from traceability.auth import public, roles
from traceability.batches.models import Batch, BatchStatus
from traceability.errors import Conflict
from traceability.forms import as_values, handle_form, render_form, spec
from traceability.notices.services import absolute
from traceability.reference import services as reference
from traceability.registry.models import Product, Site
from traceability.shipments import services
from traceability.shipments.models import ShipmentStatus, Supplier
from traceability.shipments.schemas import (
    DeliveryInSchema,
    ShipmentAcceptSchema,
    ShipmentInSchema,
    ShipmentRefuseSchema,
    SupplierInSchema,
    SupplierPatchSchema,
)
from traceability.tenancy import get_editable, scope

bp = Blueprint("shipments", __name__)
READERS = (Role.PRODUCER, Role.INSPECTOR, Role.ADMIN)


def _own_options(model, label, *where):
    query = scope(select(model), model, current_user).where(*where).order_by(model.id.desc())
    return [(str(row.id), label(row)) for row in db.session.scalars(query)]


@bp.route("/app/shipments")
@roles(Role.PRODUCER)
def shipments():
    org = current_user.organization
    incoming = services.list_shipments(db.session, current_user, "in")
    outgoing = services.list_shipments(db.session, current_user, "out")
    alerts = services.upstream_alerts(db.session, org.id)
    return render_template(
        "shipments/shipments.html", incoming=incoming, outgoing=outgoing, alerts=alerts, Status=ShipmentStatus
    )


def _shipment_fields():
    lots = _own_options(
        Batch,
        lambda b: f"{b.lot_code} · {b.product.name} · {b.quantity.normalize():f} {b.unit}",
        Batch.status == BatchStatus.PUBLISHED,
    )
    sites = [("", "—"), *_own_options(Site, lambda s: s.name)]
    return [
        spec("batch_id", _l("Lot"), "select", options=lots, required=True),
        spec(
            "to_tax_code",
            _l("Buyer's tax code"),
            required=True,
            attrs='inputmode="numeric"',
            hint=_l("The buyer must be registered, or be invited below. Find a registered buyer by name first."),
        ),
        spec("quantity", _l("Quantity"), required=True, attrs='inputmode="decimal"'),
        spec("unit", _l("Unit"), hint=_l("The lot's unit when left empty.")),
        spec("shipped_on", _l("Shipped on"), "date", required=True),
        spec("reference_doc", _l("Delivery note or invoice number"), required=True),
        spec("from_site_id", _l("From site"), "select", options=sites),
        spec("invite_email", _l("Invite the buyer by e-mail (not registered yet)"), "email"),
        spec(
            "invite_language",
            _l("Language of the invitation e-mail"),
            "select",
            options=[("vi", _l("Vietnamese")), ("en", _l("English"))],
        ),
        spec(
            "invite", _l("Or make an invitation link to pass on"), "select", options=[("", _l("No")), ("1", _l("Yes"))]
        ),
    ]


@bp.route("/app/shipments/new", methods=["GET", "POST"])
@roles(Role.PRODUCER)
def new_shipment():
    def save(data):
        shipment = services.ship_lot(db.session, current_user, data)
        flash(_("Shipment sent; the buyer sees it in its workspace."))
        return redirect(url_for("shipments.shipment", shipment_id=shipment.id))

    # from the buyer search: the buyer's tax code already filled in
    first = {"to_tax_code": request.args.get("to_tax_code", ""), "invite_language": "vi"}
    return handle_form(
        ShipmentInSchema(),
        save,
        lambda v, e: render_form(
            _("Ship a lot to another organisation"),
            _shipment_fields(),
            v,
            e,
            back=url_for("shipments.shipments"),
            find_buyer=url_for("shipments.buyers"),
        ),
        first,
    )


@bp.route("/app/shipments/buyers")
@roles(Role.PRODUCER)
def buyers():
    """Find a registered, verified buyer by name (accents optional) or tax code, to ship to it."""
    text = request.args.get("q", "").strip()[:100]
    found = services.search_organizations(db.session, text, exclude_id=current_user.organization_id, limit=20)
    return render_template("shipments/buyers.html", q=text, found=found)


@bp.route("/app/shipments/<int:shipment_id>/cancel", methods=["POST"])
@roles(Role.PRODUCER)
def cancel_shipment(shipment_id: int):
    found = services.get_visible_shipment(db.session, current_user, shipment_id)
    try:
        services.cancel_shipment(db.session, current_user, found)
        flash(_("Shipment cancelled: its quantity is the lot's again."))
    except Conflict as exc:  # answered meanwhile: say so on its page
        flash(exc.message, "error")
    return redirect(url_for("shipments.shipment", shipment_id=shipment_id))


@bp.route("/app/shipments/<int:shipment_id>")
@roles(*READERS)
def shipment(shipment_id: int):
    found = services.get_visible_shipment(db.session, current_user, shipment_id)
    is_sender = current_user.role != Role.PRODUCER or found.organization_id == current_user.organization_id
    forward = services.forward_of(db.session, found.batch) if is_sender else []
    forward = [row for row in forward if row["shipment"].id == found.id]
    invite_url = (
        absolute(services.invitation_path(found))  # on the public host, like the e-mailed link
        if found.invite_token and is_sender and found.status == ShipmentStatus.SENT
        else None
    )
    return render_template(
        "shipments/shipment.html",
        shipment=found,
        is_buyer=services.is_buyer(current_user, found),
        is_sender_org=current_user.organization_id == found.organization_id,
        forward=forward[0]["made"] if forward else [],
        invite_url=invite_url,
        Status=ShipmentStatus,
    )


@bp.route("/app/shipments/<int:shipment_id>/accept", methods=["GET", "POST"])
@roles(Role.PRODUCER)
def accept_shipment(shipment_id: int):
    found = services.get_visible_shipment(db.session, current_user, shipment_id)

    def save(data):
        services.accept_shipment(db.session, current_user, found, data)
        flash(_("Shipment accepted: the received lot is in your batches."))
        return redirect(url_for("shipments.shipment", shipment_id=found.id))

    sites = [("", "—"), *_own_options(Site, lambda s: s.name)]
    fields = [
        spec("received_on", _l("Received on"), "date", required=True),
        spec(
            "quantity",
            _l("Quantity actually received"),
            attrs='inputmode="decimal"',
            hint=_l("All of it when left empty; it may be less than was shipped."),
        ),
        spec("site_id", _l("Received at site"), "select", options=sites),
        spec("note", _l("Note"), "textarea"),
    ]
    return handle_form(
        ShipmentAcceptSchema(),
        save,
        lambda v, e: render_form(
            _("Accept shipment %(doc)s", doc=found.reference_doc),
            fields,
            v,
            e,
            back=url_for("shipments.shipment", shipment_id=found.id),
        ),
        {"quantity": f"{found.quantity.normalize():f}"},
    )


@bp.route("/app/shipments/<int:shipment_id>/refuse", methods=["GET", "POST"])
@roles(Role.PRODUCER)
def refuse_shipment(shipment_id: int):
    found = services.get_visible_shipment(db.session, current_user, shipment_id)

    def save(data):
        services.refuse_shipment(db.session, current_user, found, data["reason"])
        flash(_("Shipment refused."))
        return redirect(url_for("shipments.shipments"))

    fields = [spec("reason", _l("Reason"), "textarea", required=True)]
    return handle_form(
        ShipmentRefuseSchema(),
        save,
        lambda v, e: render_form(
            _("Refuse shipment %(doc)s", doc=found.reference_doc),
            fields,
            v,
            e,
            back=url_for("shipments.shipment", shipment_id=found.id),
        ),
    )


@bp.route("/app/batches/<int:batch_id>/source")
@roles(*READERS)
def source_lot(batch_id: int):
    """The supplier's lot a received lot came from, read-only, as the supplier published it."""
    return render_template("shipments/source.html", source=services.source_lot(db.session, current_user, batch_id))


@bp.route("/invite/<token>")
@public
def invitation(token: str):
    """What a buyer not yet registered is sent: who ships what, and how to sign up to receive it."""
    found = services.shipment_for_invitation(db.session, token)
    if found is None or found.status != ShipmentStatus.SENT:
        abort(404)
    return render_template("shipments/invitation.html", shipment=found, token=token)


# ---- suppliers without an account, and their deliveries

SUPPLIER_FIELDS = [
    spec("name", _l("Name"), required=True, hint=_l("e.g. Household Nguyễn Văn A")),
    spec("id_number", _l("ID card number"), attrs='inputmode="numeric"'),
    spec("phone", _l("Phone"), "tel"),
    spec("commune_code", _l("Commune or ward"), "select", blank=_l("— outside the list —"), groups=True),
    spec("commune", _l("Commune or ward outside the province (typed)")),
    spec("address", _l("Address")),
    spec("area_code", _l("Planting-area code"), hint=_l("e.g. VN-TNTC-0012")),
    spec("latitude", _l("Latitude"), attrs='inputmode="decimal"'),
    spec("longitude", _l("Longitude"), attrs='inputmode="decimal"'),
]


@bp.route("/app/suppliers")
@roles(Role.PRODUCER)
def suppliers():
    rows = db.session.scalars(scope(select(Supplier), Supplier, current_user).order_by(Supplier.name)).all()
    return render_template("shipments/suppliers.html", suppliers=rows)


@bp.route("/app/suppliers/new", methods=["GET", "POST"])
@roles(Role.PRODUCER)
def new_supplier():
    def save(data):
        services.create_supplier(db.session, current_user, data)
        flash(_("Supplier saved."))
        return redirect(url_for("shipments.suppliers"))

    return handle_form(
        SupplierInSchema(),
        save,
        lambda v, e: render_form(
            _("New supplier"),
            reference.with_commune_options(db.session, SUPPLIER_FIELDS),
            v,
            e,
            back=url_for("shipments.suppliers"),
        ),
        {"commune_code": current_user.organization.commune_code, "commune": current_user.organization.commune},
    )


@bp.route("/app/suppliers/<int:supplier_id>", methods=["GET", "POST"])
@roles(Role.PRODUCER)
def edit_supplier(supplier_id: int):
    supplier = get_editable(db.session, Supplier, supplier_id, current_user)

    def save(data):
        services.update_supplier(db.session, current_user, supplier, data)
        flash(_("Supplier saved."))
        return redirect(url_for("shipments.suppliers"))

    return handle_form(
        SupplierPatchSchema(),
        save,
        lambda v, e: render_form(
            supplier.name,
            reference.with_commune_options(db.session, SUPPLIER_FIELDS, supplier.commune_code),
            v,
            e,
            back=url_for("shipments.suppliers"),
        ),
        as_values(supplier, [f["name"] for f in SUPPLIER_FIELDS]),
    )


@bp.route("/app/suppliers/<int:supplier_id>/delete", methods=["POST"])
@roles(Role.PRODUCER)
def delete_supplier(supplier_id: int):
    supplier = get_editable(db.session, Supplier, supplier_id, current_user)
    name = supplier.name
    try:
        services.delete_supplier(db.session, current_user, supplier)
        flash(_("Supplier %(name)s deleted.", name=name))
    except Conflict as exc:  # it has deliveries: the list says why it stays
        flash(exc.message, "error")
    return redirect(url_for("shipments.suppliers"))


@bp.route("/app/deliveries/new", methods=["GET", "POST"])
@roles(Role.PRODUCER)
def new_delivery():
    def save(data):
        delivery = services.record_delivery(db.session, current_user, data)
        flash(_("Delivery recorded as lot %(lot)s.", lot=delivery.batch.lot_code))
        return redirect(url_for("batches.batch", batch_id=delivery.batch_id))

    fields = [
        spec(
            "supplier_id",
            _l("Supplier"),
            "select",
            required=True,
            options=_own_options(Supplier, lambda s: f"{s.name} · {s.area_code or '—'}"),
        ),
        spec("product_id", _l("Product"), "select", required=True, options=_own_options(Product, lambda p: p.name)),
        spec("quantity", _l("Quantity"), required=True, attrs='inputmode="decimal"'),
        spec("unit", _l("Unit"), hint=_l("The product's unit when left empty.")),
        spec("received_on", _l("Received on"), "date", required=True),
        spec("harvested_on", _l("Harvested on"), "date"),
        spec("reference_doc", _l("Delivery note number")),
    ]
    return handle_form(
        DeliveryInSchema(),
        save,
        lambda v, e: render_form(_("Record a delivery"), fields, v, e, back=url_for("shipments.suppliers")),
    )
