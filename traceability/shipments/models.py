"""Lots crossing organisations: shipments between registered organisations, and deliveries from suppliers
(households and member farms) that have no account of their own.

Accepting a shipment or recording a delivery makes a *received lot*: a batch of the receiving organisation
whose single input is the supplier's lot (a genealogy edge across organisations). Genealogy, trace, recall and
the mass balance therefore cross organisations through the ordinary batch graph.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from traceability.accounts.models import Organization, User
from traceability.batches.models import Batch, Event
from traceability.db import Base, choice, utcnow
from traceability.reference.models import Commune
from traceability.registry.models import Product, Site


class ShipmentStatus(enum.StrEnum):
    SENT = "sent"
    ACCEPTED = "accepted"
    REFUSED = "refused"
    CANCELLED = "cancelled"  # by the sender, before the buyer answered


class Shipment(Base):
    """A quantity of one organisation's published lot sent to another organisation (found by tax code).

    `organization_id` is the sender. The buyer is named by its tax code: a buyer not yet registered is invited
    and the shipment waits for it (`to_organization_id` is filled when the buyer accepts or refuses)."""

    __tablename__ = "shipments"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("received_quantity IS NULL OR received_quantity >= 0", name="received_not_negative"),
        Index("ix_shipments_to_tax_code_status", "to_tax_code", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), index=True)
    to_tax_code: Mapped[str] = mapped_column(String(14))
    to_organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    to_site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    from_site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    quantity: Mapped[Decimal] = mapped_column(Numeric(14, 3))
    unit: Mapped[str] = mapped_column(String(20))
    shipped_on: Mapped[dt.date]
    reference_doc: Mapped[str] = mapped_column(String(80))
    status: Mapped[ShipmentStatus] = mapped_column(choice(ShipmentStatus, "status"), default=ShipmentStatus.SENT)
    invite_email: Mapped[str | None] = mapped_column(String(254))
    invite_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    received_on: Mapped[dt.date | None]
    received_quantity: Mapped[Decimal | None] = mapped_column(Numeric(14, 3))
    received_batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id"), unique=True)
    # the shipping event on the sender's lot and the receiving event on the buyer's (for the EPCIS export)
    shipping_event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))
    receiving_event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(Text)
    refused_reason: Mapped[str | None] = mapped_column(String(500))
    decided_at: Mapped[dt.datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    organization: Mapped[Organization] = relationship(foreign_keys=[organization_id])
    to_organization: Mapped[Organization | None] = relationship(foreign_keys=[to_organization_id])
    batch: Mapped[Batch] = relationship(foreign_keys=[batch_id])
    received_batch: Mapped[Batch | None] = relationship(foreign_keys=[received_batch_id])
    to_site: Mapped[Site | None] = relationship(foreign_keys=[to_site_id])
    from_site: Mapped[Site | None] = relationship(foreign_keys=[from_site_id])
    shipping_event: Mapped[Event | None] = relationship(foreign_keys=[shipping_event_id])
    receiving_event: Mapped[Event | None] = relationship(foreign_keys=[receiving_event_id])

    def __repr__(self) -> str:
        return f"<Shipment {self.id} {self.status} {self.quantity} {self.unit}>"


class Supplier(Base):
    """A household or member farm delivering to the organisation, without an account of its own."""

    __tablename__ = "suppliers"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    id_number: Mapped[str | None] = mapped_column(String(20))
    phone: Mapped[str | None] = mapped_column(String(30))
    commune: Mapped[str | None] = mapped_column(String(100))
    commune_code: Mapped[str | None] = mapped_column(ForeignKey("communes.code"), index=True)  # the kept list
    address: Mapped[str | None] = mapped_column(String(300))
    area_code: Mapped[str | None] = mapped_column(String(40))  # mã số vùng trồng
    latitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    organization: Mapped[Organization] = relationship()
    commune_entry: Mapped[Commune | None] = relationship()


class Delivery(Base):
    """A supplier's delivery, recorded by the receiving organisation as one of its received lots."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), unique=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    received_on: Mapped[dt.date]
    reference_doc: Mapped[str | None] = mapped_column(String(80))
    # the supplier's growing area as it was on the day: a later change to the supplier does not rewrite history
    area_code: Mapped[str] = mapped_column(String(40))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    organization: Mapped[Organization] = relationship()
    supplier: Mapped[Supplier] = relationship()
    batch: Mapped[Batch] = relationship()
    product: Mapped[Product] = relationship()
    recorded_by: Mapped[User | None] = relationship()
