"""Batches (lots), their genealogy, process events, chemical applications, lab tests and amendments."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from traceability.accounts.models import Organization, User
from traceability.db import Base, choice, utcnow
from traceability.registry.models import STORED_FILE, Product, Site

LOCAL_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")  # the day a producer writes in the diary


class BatchStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    SUSPENDED = "suspended"
    RECALLED = "recalled"


class EventType(enum.StrEnum):
    PLANTING = "planting"
    FERTILIZING = "fertilizing"
    SPRAYING = "spraying"
    IRRIGATING = "irrigating"
    HARVESTING = "harvesting"
    PROCESSING = "processing"
    PACKING = "packing"
    STORING = "storing"
    SHIPPING = "shipping"
    RECEIVING = "receiving"
    INSPECTING = "inspecting"
    TESTING = "testing"


class ChemicalPurpose(enum.StrEnum):
    INSECTICIDE = "insecticide"
    FUNGICIDE = "fungicide"
    HERBICIDE = "herbicide"
    FERTILIZER = "fertilizer"
    GROWTH_REGULATOR = "growth_regulator"
    VETERINARY_DRUG = "veterinary_drug"
    OTHER = "other"


class LabResult(enum.StrEnum):
    PASS = "pass"  # noqa: S105  (a lab result, not a password)
    FAIL = "fail"


class Batch(Base):
    __tablename__ = "batches"
    __table_args__ = (
        UniqueConstraint("organization_id", "lot_code"),
        CheckConstraint("quantity >= 0", name="quantity_not_negative"),
        Index("ix_batches_product_id_lot_code", "product_id", "lot_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"), index=True)
    lot_code: Mapped[str] = mapped_column(String(40))
    quantity: Mapped[Decimal]
    unit: Mapped[str] = mapped_column(String(20))
    planted_on: Mapped[dt.date | None]
    harvested_on: Mapped[dt.date | None]
    produced_on: Mapped[dt.date | None]
    expires_on: Mapped[dt.date | None]
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[BatchStatus] = mapped_column(choice(BatchStatus, "status"), default=BatchStatus.DRAFT)
    status_reason: Mapped[str | None] = mapped_column(String(500))
    status_changed_at: Mapped[dt.datetime | None]
    # the agency of the inspector who last suspended, resumed or recalled the batch (none: provincial)
    status_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id", ondelete="SET NULL"))
    published_at: Mapped[dt.datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    organization: Mapped[Organization] = relationship()
    product: Mapped[Product] = relationship()
    site: Mapped[Site | None] = relationship()
    created_by: Mapped[User | None] = relationship()
    inputs: Mapped[list[BatchInput]] = relationship(
        foreign_keys="BatchInput.batch_id", back_populates="batch", cascade="all, delete-orphan"
    )
    events: Mapped[list[Event]] = relationship(
        back_populates="batch", cascade="all, delete-orphan", order_by="Event.occurred_at"
    )
    chemicals: Mapped[list[ChemicalApplication]] = relationship(
        back_populates="batch", cascade="all, delete-orphan", order_by="ChemicalApplication.applied_on"
    )
    lab_tests: Mapped[list[LabTest]] = relationship(
        back_populates="batch", cascade="all, delete-orphan", order_by="LabTest.sampled_on"
    )
    amendments: Mapped[list[Amendment]] = relationship(
        back_populates="batch", cascade="all, delete-orphan", order_by="Amendment.created_at"
    )

    @property
    def is_public(self) -> bool:
        return self.status != BatchStatus.DRAFT

    @property
    def diary_events(self) -> list[Event]:
        """The process steps as the diary and the consumer page show them: a spraying is shown once, as its
        chemical application. (Spraying is recorded only as a chemical application now; a spraying event kept
        from before, on the day of one of the batch's applications, is that application's.)"""
        sprayed = {chem.applied_on for chem in self.chemicals}
        return [
            event
            for event in self.events
            if not (event.type == EventType.SPRAYING and event.occurred_at.astimezone(LOCAL_ZONE).date() in sprayed)
        ]

    def __repr__(self) -> str:
        return f"<Batch {self.id} {self.lot_code} {self.status}>"


class BatchInput(Base):
    """One edge of the genealogy: `batch` was made using `quantity` of `input_batch`."""

    __tablename__ = "batch_inputs"
    __table_args__ = (
        UniqueConstraint("batch_id", "input_batch_id"),
        CheckConstraint("batch_id <> input_batch_id", name="not_own_input"),
        CheckConstraint("quantity >= 0", name="quantity_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"), index=True)
    input_batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), index=True)
    quantity: Mapped[Decimal]

    batch: Mapped[Batch] = relationship(foreign_keys=[batch_id], back_populates="inputs")
    input_batch: Mapped[Batch] = relationship(foreign_keys=[input_batch_id])


class Event(Base):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"), index=True)
    type: Mapped[EventType] = mapped_column(choice(EventType, "type"))
    occurred_at: Mapped[dt.datetime]
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    note: Mapped[str | None] = mapped_column(Text)
    # the other party of a shipping or receiving event (one step forward / back outside the registry)
    partner: Mapped[str | None] = mapped_column(String(300))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    batch: Mapped[Batch] = relationship(back_populates="events")
    site: Mapped[Site | None] = relationship()


class ChemicalApplication(Base):
    __tablename__ = "chemical_applications"
    __table_args__ = (
        CheckConstraint("phi_days IS NULL OR phi_days >= 0", name="phi_not_negative"),
        CheckConstraint("dose IS NULL OR dose >= 0", name="dose_not_negative"),
        CheckConstraint("area_treated IS NULL OR area_treated >= 0", name="area_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"), index=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    applied_on: Mapped[dt.date]
    trade_name: Mapped[str] = mapped_column(String(200))
    active_ingredient: Mapped[str] = mapped_column(String(300))
    registration_no: Mapped[str | None] = mapped_column(String(60))
    purpose: Mapped[ChemicalPurpose] = mapped_column(choice(ChemicalPurpose, "purpose"))
    dose: Mapped[Decimal | None]
    dose_unit: Mapped[str | None] = mapped_column(String(20))
    area_treated: Mapped[Decimal | None]
    phi_days: Mapped[int | None]  # pre-harvest interval (thời gian cách ly)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    batch: Mapped[Batch] = relationship(back_populates="chemicals")


class LabTest(Base):
    __tablename__ = "lab_tests"
    __table_args__ = (CheckConstraint("reported_on IS NULL OR reported_on >= sampled_on", name="date_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"), index=True)
    laboratory: Mapped[str] = mapped_column(String(200))
    certificate_no: Mapped[str | None] = mapped_column(String(80))
    sampled_on: Mapped[dt.date]
    reported_on: Mapped[dt.date | None]
    analyte: Mapped[str] = mapped_column(String(200))
    result: Mapped[LabResult] = mapped_column(choice(LabResult, "result"))
    value: Mapped[str | None] = mapped_column(String(60))
    unit: Mapped[str | None] = mapped_column(String(20))
    limit_value: Mapped[str | None] = mapped_column(String(60))
    document_path: Mapped[str | None] = mapped_column(String(300), info=STORED_FILE, active_history=True)
    document_type: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    batch: Mapped[Batch] = relationship(back_populates="lab_tests")


class Amendment(Base):
    """A change to a published batch: the old and new value and why. Kept and shown publicly."""

    __tablename__ = "amendments"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), index=True)
    field: Mapped[str] = mapped_column(String(60))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    batch: Mapped[Batch] = relationship(back_populates="amendments")
    user: Mapped[User | None] = relationship()


class PublishAttempt(Base):
    """Every try to publish a batch; refused ones keep the reasons for the inspectors."""

    __tablename__ = "publish_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    attempted_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    is_accepted: Mapped[bool]
    problems: Mapped[list[Any]] = mapped_column(default=list)  # [{field, rule, message}]

    batch: Mapped[Batch] = relationship()
