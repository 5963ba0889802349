"""Rules for lots crossing organisations. Plain functions taking the session, the acting user and the data;
they flush, never commit.

A shipment reserves its quantity of the sender's lot from the moment it is sent (a refusal gives it back); an
accepted shipment becomes a genealogy edge from the sender's lot to the buyer's received lot, so the mass
balance of a lot is: what it holds ≥ what batches use of it + what is on its way to buyers.
"""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from traceability.accounts.models import Organization, OrgStatus, Role, User
from traceability.batches.genealogy import ancestors, descendants
from traceability.batches.models import Batch, BatchInput, BatchStatus, Event, EventType
from traceability.batches.schemas import LOCAL_ZONE
from traceability.batches.services import suggest_lot_code
from traceability.codes.services import issue_lot_code
from traceability.db import utcnow
from traceability.errors import Conflict, Forbidden, NotFound, invalid
from traceability.notices.services import notify
from traceability.reference import services as reference
from traceability.registry.models import Site
from traceability.registry.services import own_product, own_site
from traceability.search import matches, words
from traceability.shipments.balance import pending_shipped
from traceability.shipments.models import Delivery, Shipment, ShipmentStatus, Supplier

WITHDRAWN = (BatchStatus.RECALLED, BatchStatus.SUSPENDED)


# ---------------------------------------------------------------- mass balance


def remaining(session: Session, batch: Batch) -> Decimal:
    """What is left of a lot: its quantity less what batches use of it and what is on its way to buyers."""
    used = session.scalar(select(func.sum(BatchInput.quantity)).where(BatchInput.input_batch_id == batch.id))
    return batch.quantity - Decimal(used or 0) - pending_shipped(session, [batch.id]).get(batch.id, Decimal(0))


def _locked(session: Session, model: type, row_id: int) -> Any:
    """The row, re-read under a row lock (PostgreSQL), so concurrent writers to it queue up; SQLite serialises
    writing transactions anyway."""
    return session.execute(
        select(model).where(model.id == row_id).with_for_update().execution_options(populate_existing=True)
    ).scalar_one_or_none()


def _number(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _shipment_path(shipment: Shipment) -> str:
    return f"/app/shipments/{shipment.id}"  # the workspace page of the shipment (a literal: no app needed here)


def _told(session: Session, target: Organization, kind: str, shipment: Shipment, **params: Any) -> None:
    """Tell an organisation what became of a shipment, linking to its page."""
    notify(
        session,
        target,
        kind,
        link=_shipment_path(shipment),
        key=f"{kind}:{shipment.id}",
        lot=shipment.batch.lot_code,
        quantity=_number(shipment.quantity),
        unit=shipment.unit,
        **params,
    )


def _moment(day: dt.date) -> dt.datetime:
    # a date-only record: noon, Việt Nam time, so it stays on that day in every zone of the country
    return dt.datetime.combine(day, dt.time(12), LOCAL_ZONE).astimezone(dt.UTC)


def _withdrawn_upstream(session: Session, batch: Batch) -> Batch | None:
    """The batch itself or an input, however far upstream, that inspectors recalled or suspended."""
    if batch.status in WITHDRAWN:
        return batch
    ids = list(ancestors(session, batch.id))
    if not ids:
        return None
    return session.scalars(select(Batch).where(Batch.id.in_(ids), Batch.status.in_(WITHDRAWN)).limit(1)).first()


# ---------------------------------------------------------------- who sees a shipment


def is_buyer(user: User | None, shipment: Shipment) -> bool:
    return (
        user is not None
        and user.role == Role.PRODUCER
        and user.organization is not None
        and user.organization.tax_code == shipment.to_tax_code
    )


def can_view(user: User | None, shipment: Shipment) -> bool:
    if user is None:
        return False
    if user.role in (Role.INSPECTOR, Role.ADMIN):
        return True
    return user.organization_id == shipment.organization_id or is_buyer(user, shipment)


def get_visible_shipment(session: Session, user: User, shipment_id: int) -> Shipment:
    shipment = session.get(Shipment, shipment_id)
    if shipment is None or not can_view(user, shipment):
        raise NotFound(_("Not found."))
    return shipment


def list_shipments(session: Session, user: User, direction: str | None = None) -> list[Shipment]:
    """Shipments the user may see, newest first: `in` (to its organisation), `out` (from it), or both."""
    query = select(Shipment)
    if user.role == Role.PRODUCER:
        mine_out = Shipment.organization_id == user.organization_id
        mine_in = Shipment.to_tax_code == user.organization.tax_code
        query = query.where({"in": mine_in, "out": mine_out}.get(direction or "", or_(mine_in, mine_out)))
    elif direction == "in":
        query = query.where(Shipment.status == ShipmentStatus.SENT)
    return list(session.scalars(query.order_by(Shipment.created_at.desc(), Shipment.id.desc()).limit(500)))


# ---------------------------------------------------------------- shipping


def find_organization(session: Session, tax_code: str) -> Organization | None:
    return session.scalar(select(Organization).where(Organization.tax_code == tax_code.strip()))


def search_organizations(session: Session, text: str, exclude_id: int | None = None, limit: int = 10) -> list[Any]:
    """Verified organisations of the registry by name (accents and case ignored: "tan cuong" finds "Tân Cương")
    or by the start of their tax code, for choosing a buyer. Only what their consumer pages show anyway: name,
    tax code, kind, commune and province (rows of those columns, never the organisation itself)."""
    typed = words(text)
    if not typed or len("".join(typed)) < 2:
        return []
    digits = text.strip().replace(" ", "")
    columns = (
        Organization.id,
        Organization.name,
        Organization.tax_code,
        Organization.kind,
        Organization.commune,
        Organization.province,
    )
    query = select(*columns).where(Organization.status == OrgStatus.VERIFIED)
    if exclude_id is not None:
        query = query.where(Organization.id != exclude_id)
    if digits.replace("-", "").isdigit():
        query = query.where(Organization.tax_code.startswith(digits))
    else:
        query = query.where(matches(text, Organization.name))
    return list(session.execute(query.order_by(Organization.name).limit(limit)))


def ship_lot(session: Session, user: User, data: dict[str, Any]) -> Shipment:
    """Send a quantity of one of the user's published lots to another organisation of the registry.

    `data`: batch_id, to_tax_code, quantity, unit, shipped_on, reference_doc, from_site_id, to_site_id, and for a
    buyer not yet registered invite_email or invite (a link to pass on). The lot is locked while its remainder is
    checked, so two shipments of the same remainder at once cannot both pass."""
    source = session.get(Batch, data["batch_id"])
    if source is None or source.organization_id != user.organization_id:
        raise invalid("batch_id", _("No such batch in your organisation."))
    source = _locked(session, Batch, source.id)
    if source.status == BatchStatus.DRAFT:
        raise invalid("batch_id", _("Lot %(lot)s is a draft: publish it before shipping it.", lot=source.lot_code))
    withdrawn = _withdrawn_upstream(session, source)
    if withdrawn is not None:
        raise invalid(
            "batch_id",
            _(
                "Lot %(lot)s cannot be shipped: lot %(withdrawn)s is %(status)s by the inspectors.",
                lot=source.lot_code,
                withdrawn=withdrawn.lot_code,
                status=_("recalled") if withdrawn.status == BatchStatus.RECALLED else _("suspended"),
            ),
        )
    tax_code = data["to_tax_code"].strip()
    if tax_code == user.organization.tax_code:
        raise invalid("to_tax_code", _("This is your own organisation: a shipment goes to another one."))
    buyer = find_organization(session, tax_code)
    invite_email = data.get("invite_email")
    if buyer is None and not (invite_email or data.get("invite")):
        raise invalid(
            "to_tax_code",
            _(
                "No organisation of the registry has this tax code. Give the buyer's e-mail address to invite it, "
                "or ask for an invitation link to pass on."
            ),
        )
    if buyer is not None and buyer.status == OrgStatus.SUSPENDED:
        raise invalid("to_tax_code", _("This organisation is suspended by the registry."))
    to_site = None
    if data.get("to_site_id") is not None:
        to_site = session.get(Site, data["to_site_id"])
        if to_site is None or buyer is None or to_site.organization_id != buyer.id:
            raise invalid("to_site_id", _("No such site of the buyer."))
    from_site = own_site(session, user, data.get("from_site_id"), field="from_site_id")
    unit = data.get("unit") or source.unit
    if unit != source.unit:
        raise invalid("unit", _("Lot %(lot)s is counted in %(unit)s.", lot=source.lot_code, unit=source.unit))
    start = source.harvested_on or source.produced_on
    if start is not None and data["shipped_on"] < start:
        raise invalid("shipped_on", _("The lot was not made yet on that day."))
    left = remaining(session, source)
    if data["quantity"] > left:
        raise invalid(
            "quantity",
            _(
                "Only %(left)s %(unit)s of lot %(lot)s remain (after what batches use and what is already shipped).",
                left=_number(max(left, Decimal(0))),
                unit=unit,
                lot=source.lot_code,
            ),
        )
    shipment = Shipment(
        organization_id=user.organization_id,
        batch_id=source.id,
        to_tax_code=tax_code,
        to_organization_id=buyer.id if buyer else None,
        to_site=to_site,
        from_site=from_site,
        quantity=data["quantity"],
        unit=unit,
        shipped_on=data["shipped_on"],
        reference_doc=data["reference_doc"],
        invite_email=invite_email if buyer is None else None,
        invite_token=secrets.token_urlsafe(24) if buyer is None else None,
        created_by_id=user.id,
    )
    session.add(shipment)
    shipment.shipping_event = shipping = Event(
        batch_id=source.id,
        type=EventType.SHIPPING,
        occurred_at=_moment(data["shipped_on"]),
        site_id=from_site.id if from_site else None,
        note=_(
            "%(quantity)s %(unit)s, document %(doc)s",
            quantity=_number(data["quantity"]),
            unit=unit,
            doc=data["reference_doc"],
        ),
        partner=buyer.name if buyer else tax_code,
        recorded_by_id=user.id,
    )
    session.add(shipping)
    session.flush()
    if buyer is not None:  # a buyer not yet registered is invited instead
        _told(session, buyer, "shipment_sent", shipment, sender=user.organization.name, doc=shipment.reference_doc)
    elif invite_email:
        _mail_invitation(session, shipment, data.get("invite_language"))
    return shipment


def invitation_path(shipment: Shipment) -> str:
    return f"/invite/{shipment.invite_token}"  # shipments.invitation (a literal: no app needed here)


def _mail_invitation(session: Session, shipment: Shipment, language: str | None) -> None:
    """Queue the invitation e-mail for after the commit; the worker writes it (no app needed here)."""
    from traceability.jobs.queue import after_commit
    from traceability.jobs.tasks import send_invitation

    after_commit(session, send_invitation, shipment.id, language or "vi")


def mail_invitation(session: Session, shipment_id: int, language: str) -> None:
    """E-mail the invitation to a buyer not yet registered, in the language the sender chose for it (Vietnamese
    unless told otherwise: the buyer has no account whose language we could know). Run by the worker; nothing is
    sent for a shipment answered or cancelled meanwhile."""
    from flask import current_app
    from flask_babel import force_locale

    from traceability.notices import texts
    from traceability.notices.mailer import send
    from traceability.notices.services import absolute

    shipment = session.get(Shipment, shipment_id)
    if shipment is None or shipment.status != ShipmentStatus.SENT or not shipment.invite_email:
        return
    if language not in current_app.config["LANGUAGES"]:
        language = current_app.config["BABEL_DEFAULT_LOCALE"]
    params = {
        "sender": shipment.organization.name,
        "lot": shipment.batch.lot_code,
        "product": shipment.batch.product.name,
        "quantity": _number(shipment.quantity),
        "unit": shipment.unit,
        "doc": shipment.reference_doc,
        "tax_code": shipment.to_tax_code,
        "shipped_on": shipment.shipped_on.isoformat(),
    }
    with force_locale(language):
        subject, body = texts.render("shipment_invitation", params)
    send(shipment.invite_email, subject, f"{body}\n\n{absolute(invitation_path(shipment))}")


def cancel_shipment(session: Session, user: User, shipment: Shipment) -> Shipment:
    """The sender takes back a shipment the buyer has not answered: the quantity held for it is the lot's again,
    the invitation link stops opening, and a registered buyer is told."""
    if user.role != Role.PRODUCER or user.organization_id != shipment.organization_id:
        if can_view(user, shipment):
            raise Forbidden(_("Only the organisation that sent this shipment can cancel it."))
        raise NotFound(_("Not found."))
    shipment = _locked(session, Shipment, shipment.id)
    if shipment.status != ShipmentStatus.SENT:
        raise Conflict(
            _(
                "This shipment was already %(status)s: it can no longer be cancelled.",
                status=_status_word(shipment.status),
            )
        )
    shipment.status = ShipmentStatus.CANCELLED
    shipment.decided_at = utcnow()
    shipment.decided_by_id = user.id
    shipment.invite_token = None  # the link passed on no longer opens
    if shipment.shipping_event is not None:  # the lot did not leave: its shipping step goes too
        event = shipment.shipping_event
        shipment.shipping_event = None
        session.delete(event)
    session.flush()
    buyer = find_organization(session, shipment.to_tax_code)
    if buyer is not None:
        _told(
            session,
            buyer,
            "shipment_cancelled",
            shipment,
            sender=shipment.organization.name,
            doc=shipment.reference_doc,
        )
    return shipment


def _status_word(status: ShipmentStatus) -> str:
    return {
        ShipmentStatus.ACCEPTED: _("accepted"),
        ShipmentStatus.REFUSED: _("refused"),
        ShipmentStatus.CANCELLED: _("cancelled"),
    }.get(status, _("sent"))


# ---------------------------------------------------------------- receiving


def _decidable(session: Session, user: User, shipment: Shipment) -> Shipment:
    """The shipment, locked, when it is addressed to the user's organisation and still waiting."""
    if not is_buyer(user, shipment):
        if can_view(user, shipment):
            raise Forbidden(_("Only the organisation this shipment is addressed to can accept or refuse it."))
        raise NotFound(_("Not found."))
    shipment = _locked(session, Shipment, shipment.id)
    if shipment.status != ShipmentStatus.SENT:
        raise Conflict(_("This shipment was already %(status)s.", status=_status_word(shipment.status)))
    return shipment


def _free_lot_code(session: Session, org_id: int, wanted: str) -> str:
    """The supplier's lot code when the buyer has none such (the same lot, passed on); else with a suffix."""
    taken = set(
        session.scalars(
            select(Batch.lot_code).where(Batch.organization_id == org_id, Batch.lot_code.startswith(wanted))
        )
    )
    if wanted not in taken:
        return wanted
    n = 2
    while f"{wanted[:16]}-R{n}" in taken:
        n += 1
    return f"{wanted[:16]}-R{n}"


def _received_lot(session: Session, org: Organization, **values: Any) -> Batch:
    """A received lot of `org`: published (with its lot code) at once when the organisation is verified, since
    its facts are the supplier's, not restated by the buyer; a draft until then."""
    lot = Batch(organization_id=org.id, **values)
    if org.is_verified:
        now = utcnow()
        lot.status, lot.published_at, lot.status_changed_at = BatchStatus.PUBLISHED, now, now
    session.add(lot)
    session.flush()
    if lot.status == BatchStatus.PUBLISHED:
        issue_lot_code(session, lot)
    return lot


def accept_shipment(session: Session, user: User, shipment: Shipment, data: dict[str, Any]) -> Shipment:
    """Record the receipt: the buyer's received lot holds the quantity actually received (at most what was sent);
    what was sent is drawn from the sender's lot."""
    shipment = _decidable(session, user, shipment)
    quantity = data.get("quantity")
    quantity = shipment.quantity if quantity is None else quantity
    if quantity > shipment.quantity:
        raise invalid(
            "quantity",
            _("Only %(sent)s %(unit)s were shipped.", sent=_number(shipment.quantity), unit=shipment.unit),
        )
    if data["received_on"] < shipment.shipped_on:
        raise invalid("received_on", _("The shipment left on %(day)s.", day=shipment.shipped_on.strftime("%d/%m/%Y")))
    site = own_site(session, user, data.get("site_id"), field="site_id") if data.get("site_id") else shipment.to_site
    source = shipment.batch
    if source.status in WITHDRAWN:
        raise Conflict(_("Lot %(lot)s was withdrawn by the inspectors: refuse this shipment.", lot=source.lot_code))
    buyer = user.organization
    lot = _received_lot(
        session,
        buyer,
        product_id=source.product_id,  # the supplier's product, as the supplier published it
        site_id=site.id if site else None,
        lot_code=_free_lot_code(session, buyer.id, source.lot_code),
        quantity=quantity,
        unit=shipment.unit,
        planted_on=source.planted_on,
        harvested_on=source.harvested_on,
        produced_on=source.produced_on,
        expires_on=source.expires_on,
        note=data.get("note"),
        created_by_id=user.id,
    )
    session.add(BatchInput(batch_id=lot.id, input_batch_id=source.id, quantity=shipment.quantity))
    shipment.receiving_event = Event(
        batch_id=lot.id,
        type=EventType.RECEIVING,
        occurred_at=_moment(data["received_on"]),
        site_id=site.id if site else None,
        note=data.get("note") or shipment.reference_doc,
        partner=shipment.organization.name,
        recorded_by_id=user.id,
    )
    session.add(shipment.receiving_event)
    shipment.status = ShipmentStatus.ACCEPTED
    shipment.to_organization_id = buyer.id
    shipment.received_on = data["received_on"]
    shipment.received_quantity = quantity
    shipment.received_batch_id = lot.id
    shipment.note = data.get("note")
    shipment.decided_at = utcnow()
    shipment.decided_by_id = user.id
    session.flush()
    _told(session, shipment.organization, "shipment_accepted", shipment, buyer=buyer.name, received=_number(quantity))
    return shipment


def refuse_shipment(session: Session, user: User, shipment: Shipment, reason: str) -> Shipment:
    """Refuse a shipment with a reason; its quantity is the sender's again."""
    shipment = _decidable(session, user, shipment)
    shipment.status = ShipmentStatus.REFUSED
    shipment.refused_reason = reason
    shipment.to_organization_id = user.organization_id
    shipment.decided_at = utcnow()
    shipment.decided_by_id = user.id
    session.flush()
    _told(session, shipment.organization, "shipment_refused", shipment, buyer=user.organization.name, reason=reason)
    return shipment


def shipment_for_invitation(session: Session, token: str) -> Shipment | None:
    return session.scalar(select(Shipment).where(Shipment.invite_token == token))


def waiting_for(session: Session, org: Organization) -> list[Shipment]:
    """Tell an organisation that has just signed up of the shipments waiting for its tax code: they are in its
    workspace from now on, to accept or refuse."""
    waiting = list(
        session.scalars(
            select(Shipment)
            .where(Shipment.to_tax_code == org.tax_code, Shipment.status == ShipmentStatus.SENT)
            .order_by(Shipment.id)
        )
    )
    for shipment in waiting:
        _told(session, org, "shipment_sent", shipment, sender=shipment.organization.name, doc=shipment.reference_doc)
    return waiting


def received_shipment(session: Session, batch_id: int) -> Shipment | None:
    """The accepted shipment a received lot came from (None for any other lot)."""
    return session.scalar(
        select(Shipment).where(Shipment.received_batch_id == batch_id, Shipment.status == ShipmentStatus.ACCEPTED)
    )


def source_lot(session: Session, user: User, batch_id: int) -> dict[str, Any]:
    """The supplier's lot a received lot came from, as the supplier published it (product, origin, chemicals, lab
    tests, certificates, stages), for the two parties to the shipment and the inspectors; 404 for anyone else."""
    from traceability.registry.models import Certification

    shipment = received_shipment(session, batch_id)
    if shipment is None or not can_view(user, shipment):
        raise NotFound(_("Not found."))
    lot = shipment.batch
    certifications = session.scalars(
        select(Certification)
        .where(
            Certification.organization_id == lot.organization_id,
            or_(Certification.site_id.is_(None), Certification.site_id == lot.site_id),
        )
        .order_by(Certification.valid_from.desc())
    ).all()
    return {
        "shipment": shipment,
        "received_batch_id": batch_id,
        "lot": lot,
        "organization": lot.organization,
        "product": lot.product,
        "origin": lot.site,
        "events": list(lot.events),
        "chemicals": list(lot.chemicals),
        "lab_tests": list(lot.lab_tests),
        "certifications": list(certifications),
    }


# ---------------------------------------------------------------- suppliers and their deliveries


def own_supplier(session: Session, user: User, supplier_id: int | None, field: str = "supplier_id") -> Supplier:
    supplier = session.get(Supplier, supplier_id) if supplier_id is not None else None
    if supplier is None or supplier.organization_id != user.organization_id:
        raise invalid(field, _("No such supplier in your organisation."))
    return supplier


def create_supplier(session: Session, user: User, data: dict[str, Any]) -> Supplier:
    reference.place(session, data, with_province=False)
    supplier = Supplier(organization_id=user.organization_id, **data)
    session.add(supplier)
    session.flush()
    return supplier


def update_supplier(session: Session, user: User, supplier: Supplier, data: dict[str, Any]) -> Supplier:
    """Change a supplier's record; deliveries already recorded keep the planting area of their day."""
    reference.place(session, data, with_province=False)
    for key, value in data.items():
        setattr(supplier, key, value)
    session.flush()
    return supplier


def delete_supplier(session: Session, user: User, supplier: Supplier) -> None:
    """Remove a supplier entered by mistake. One with deliveries stays: its deliveries are received lots whose
    origin the law asks to keep (Circular 17/2021, one step back), and they name it."""
    count = session.scalar(select(func.count()).where(Delivery.supplier_id == supplier.id)) or 0
    if count:
        raise Conflict(
            _(
                "%(name)s cannot be deleted: %(count)d deliveries were recorded from this supplier, and the lots "
                "they became must keep naming where they were grown.",
                name=supplier.name,
                count=count,
            )
        )
    session.delete(supplier)
    session.flush()


def record_delivery(session: Session, user: User, data: dict[str, Any]) -> Delivery:
    """A supplier's delivery becomes a received lot of the user's organisation, attributed to the supplier's
    planting area and declared by the organisation."""
    supplier = own_supplier(session, user, data["supplier_id"])
    if not supplier.area_code:
        raise invalid(
            "supplier_id",
            _(
                "%(name)s has no planting-area code: add it to the supplier before recording a delivery.",
                name=supplier.name,
            ),
        )
    product = own_product(session, user, data["product_id"])
    unit = data.get("unit") or product.unit
    harvested_on = data.get("harvested_on")
    if harvested_on is not None and harvested_on > data["received_on"]:
        raise invalid("harvested_on", _("The harvest cannot come after the delivery."))
    org = user.organization
    lot = _received_lot(
        session,
        org,
        product_id=product.id,
        site_id=None,  # grown on the supplier's land, not on a site of the organisation
        lot_code=suggest_lot_code(session, org.id, product, data["received_on"]),
        quantity=data["quantity"],
        unit=unit,
        harvested_on=harvested_on or data["received_on"],
        note=_("Delivered by %(name)s, planting area %(area)s", name=supplier.name, area=supplier.area_code),
        created_by_id=user.id,
    )
    session.add(
        Event(
            batch_id=lot.id,
            type=EventType.RECEIVING,
            occurred_at=_moment(data["received_on"]),
            note=data.get("reference_doc"),
            partner=supplier.name,
            recorded_by_id=user.id,
        )
    )
    delivery = Delivery(
        organization_id=org.id,
        supplier=supplier,
        batch=lot,
        product=product,
        received_on=data["received_on"],
        reference_doc=data.get("reference_doc"),
        area_code=supplier.area_code,
        recorded_by_id=user.id,
    )
    session.add(delivery)
    session.flush()
    return delivery


# ---------------------------------------------------------------- across the chain


def affected_organisations(session: Session, batch: Batch) -> list[Organization]:
    """Every other organisation holding a batch made from this one, however far downstream: whom a recall or a
    suspension of it concerns."""
    ids = list(descendants(session, batch.id))
    if not ids:
        return []
    # two plain index lookups: as one statement with a sub-select the planner may scan every batch
    org_ids = set(session.scalars(select(Batch.organization_id).where(Batch.id.in_(ids))))
    org_ids.discard(batch.organization_id)
    if not org_ids:
        return []
    return list(session.scalars(select(Organization).where(Organization.id.in_(org_ids)).order_by(Organization.name)))


def withdrawn_upstream(session: Session, batch: Batch) -> list[Batch]:
    """Every lot this one was made from, however far upstream and whoever owns it, that inspectors recalled or
    suspended: what the owner's batch page warns of (the notices module will also tell it)."""
    ids = list(ancestors(session, batch.id))
    if not ids:
        return []
    return list(
        session.scalars(
            select(Batch)
            .where(Batch.id.in_(ids), Batch.status.in_(WITHDRAWN))
            .options(selectinload(Batch.organization))
            .order_by(Batch.status_changed_at.desc())
        )
    )


def upstream_alerts(session: Session, org_id: int) -> list[tuple[Batch, Batch]]:
    """(own lot, withdrawn lot upstream of it in another organisation), for the organisation's workspace."""
    withdrawn = session.scalars(select(Batch).where(Batch.status.in_(WITHDRAWN), Batch.organization_id != org_id)).all()
    found = []
    for upstream in withdrawn:
        ids = list(descendants(session, upstream.id))
        if not ids:
            continue
        for own in session.scalars(
            select(Batch).where(Batch.id.in_(ids), Batch.organization_id == org_id).order_by(Batch.lot_code)
        ):
            found.append((own, upstream))
    return found


def forward_of(session: Session, batch: Batch) -> list[dict[str, Any]]:
    """One step forward, as a supplier may see it: each shipment of this lot, the buyer, and the buyer's
    published batches made directly from the received lot (never its drafts or other records)."""
    rows = []
    for shipment in session.scalars(select(Shipment).where(Shipment.batch_id == batch.id).order_by(Shipment.id)):
        made = []
        if shipment.received_batch_id is not None:
            made = list(
                session.scalars(
                    select(Batch)
                    .join(BatchInput, BatchInput.batch_id == Batch.id)
                    .where(
                        BatchInput.input_batch_id == shipment.received_batch_id,
                        Batch.status != BatchStatus.DRAFT,
                    )
                    .order_by(Batch.lot_code)
                )
            )
        rows.append({"shipment": shipment, "buyer": shipment.to_organization, "made": made})
    return rows


def visible_to_producer(session: Session, org_id: int, depths: dict[int, int]) -> set[int]:
    """Which lots of a trace tree (`{batch_id: signed depth}`, negative upstream) an organisation may see: its
    own; upstream, its suppliers' published lots (public on their consumer pages anyway); downstream, one step
    forward as the law asks: published lots of the organisations that received its lots, made from them."""
    lots = {
        row.id: row
        for row in session.execute(select(Batch.id, Batch.organization_id, Batch.status).where(Batch.id.in_(depths)))
    }
    seen = {i for i, row in lots.items() if row.organization_id == org_id}
    seen |= {i for i, row in lots.items() if depths[i] < 0 and row.status != BatchStatus.DRAFT}
    downstream = sorted((i for i in lots if depths[i] > 0), key=lambda i: depths[i])
    if not downstream:
        return seen
    inputs: dict[int, list[int]] = {}
    for batch_id, input_id in session.execute(
        select(BatchInput.batch_id, BatchInput.input_batch_id).where(BatchInput.batch_id.in_(downstream))
    ):
        inputs.setdefault(batch_id, []).append(input_id)
    # hops: how many times the goods changed organisation since leaving one of this organisation's lots
    hops = {i: 0 for i in lots if depths[i] == 0}
    for batch_id in downstream:
        row = lots[batch_id]
        steps = [
            hops[i] + (lots[i].organization_id != row.organization_id) for i in inputs.get(batch_id, []) if i in hops
        ]
        if row.organization_id == org_id:
            hops[batch_id] = 0
        elif steps:
            hops[batch_id] = min(steps)
        if hops.get(batch_id, 2) <= 1 and row.status != BatchStatus.DRAFT:
            seen.add(batch_id)
    return seen


def shipments_of_lot(session: Session, batch: Batch) -> dict[str, list[Any]]:
    """For the inspectors' record of a lot: shipments of it to buyers (out), the shipment it was received from
    (in), and the household's delivery it was recorded from."""
    load = (selectinload(Shipment.organization), selectinload(Shipment.to_organization))
    out = session.scalars(select(Shipment).where(Shipment.batch_id == batch.id).options(*load).order_by(Shipment.id))
    received = session.scalars(
        select(Shipment).where(Shipment.received_batch_id == batch.id).options(*load).order_by(Shipment.id)
    )
    deliveries = session.scalars(
        select(Delivery).where(Delivery.batch_id == batch.id).options(selectinload(Delivery.supplier))
    )
    return {"out": list(out), "in": list(received), "deliveries": list(deliveries)}


def shipments_of_organization(session: Session, org: Organization, limit: int = 200) -> list[Shipment]:
    """An organisation's shipments, sent and addressed to it, newest first (the inspectors' record of it)."""
    return list(
        session.scalars(
            select(Shipment)
            .where(or_(Shipment.organization_id == org.id, Shipment.to_tax_code == org.tax_code))
            .options(
                selectinload(Shipment.organization),
                selectinload(Shipment.to_organization),
                selectinload(Shipment.batch).selectinload(Batch.product),
            )
            .order_by(Shipment.shipped_on.desc(), Shipment.id.desc())
            .limit(limit)
        )
    )


def shipments_by_event(session: Session, event_ids: list[int]) -> dict[int, Shipment]:
    """{event id: shipment} for the shipping and receiving events among these (for the EPCIS export)."""
    if not event_ids:
        return {}
    found = {}
    for shipment in session.scalars(
        select(Shipment)
        .where(or_(Shipment.shipping_event_id.in_(event_ids), Shipment.receiving_event_id.in_(event_ids)))
        .options(selectinload(Shipment.organization), selectinload(Shipment.from_site), selectinload(Shipment.to_site))
    ):
        for event_id in (shipment.shipping_event_id, shipment.receiving_event_id):
            if event_id in event_ids:
                found[event_id] = shipment
    return found
