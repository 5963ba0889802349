"""Inspections recorded by the provincial departments' inspectors."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from traceability.accounts.models import Organization, User
from traceability.batches.models import Batch
from traceability.db import Base, choice, utcnow
from traceability.registry.models import Site
from traceability.storage import stored_files_in


class InspectionResult(enum.StrEnum):
    COMPLIANT = "compliant"
    MINOR_ISSUE = "minor_issue"
    VIOLATION = "violation"


class InspectionAction(enum.StrEnum):
    NONE = "none"
    WARNING = "warning"
    SUSPEND = "suspend"
    RECALL = "recall"


class Inspection(Base):
    __tablename__ = "inspections"
    __table_args__ = (
        CheckConstraint(
            "batch_id IS NOT NULL OR site_id IS NOT NULL OR organization_id IS NOT NULL", name="has_subject"
        ),
        CheckConstraint("latitude IS NULL OR (latitude >= -90 AND latitude <= 90)", name="latitude_range"),
        CheckConstraint("longitude IS NULL OR (longitude >= -180 AND longitude <= 180)", name="longitude_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    inspector_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # the agency the inspector acted for (none: provincial), as it was when recorded
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id", ondelete="SET NULL"), index=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id"), index=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"), index=True)
    inspected_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    latitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    result: Mapped[InspectionResult] = mapped_column(choice(InspectionResult, "result"))
    findings: Mapped[str | None] = mapped_column(Text)
    action: Mapped[InspectionAction] = mapped_column(choice(InspectionAction, "action"), default=InspectionAction.NONE)
    # a key the phone made when the inspection was recorded offline: sent twice, it still records one inspection
    client_key: Mapped[str | None] = mapped_column(String(36), unique=True)
    # a suspension or recall requested offline on a batch that changed meanwhile: held until the inspector decides
    held_action: Mapped[InspectionAction | None] = mapped_column(choice(InspectionAction, "held_action"))
    held_reason: Mapped[str | None] = mapped_column(String(500))
    # file names under UPLOAD_DIR/inspections; a photo taken off the list is removed once that is committed
    photos: Mapped[list[Any]] = mapped_column(default=list, info=stored_files_in("inspections"), active_history=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    inspector: Mapped[User] = relationship()
    organization: Mapped[Organization | None] = relationship()
    batch: Mapped[Batch | None] = relationship()
    site: Mapped[Site | None] = relationship()
    samples: Mapped[list[InspectionSample]] = relationship(back_populates="inspection", cascade="all, delete-orphan")
    photo_keys: Mapped[list[InspectionPhotoKey]] = relationship(
        back_populates="inspection", cascade="all, delete-orphan"
    )


class InspectionSample(Base):
    __tablename__ = "inspection_samples"

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id", ondelete="CASCADE"), index=True)
    sample_code: Mapped[str] = mapped_column(String(60))
    laboratory: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(String(300))

    inspection: Mapped[Inspection] = relationship(back_populates="samples")


class InspectionPhotoKey(Base):
    """The key a phone gave one photo it uploads: a repeated upload of the same photo is not stored twice."""

    __tablename__ = "inspection_photo_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id", ondelete="CASCADE"), index=True)
    client_key: Mapped[str] = mapped_column(String(36), unique=True)
    photo: Mapped[str] = mapped_column(String(100))  # the stored file name, as listed in the inspection's photos
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    inspection: Mapped[Inspection] = relationship(back_populates="photo_keys")
