"""Sites (where things are grown, raised, processed), products and certifications."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from traceability.accounts.models import Organization
from traceability.db import Base, choice, utcnow
from traceability.reference.models import Commune, ProductCategory
from traceability.storage import STORED_FILE  # a path under UPLOAD_DIR: the file goes once no row refers to it


class SiteKind(enum.StrEnum):
    GROWING_AREA = "growing_area"
    FARM = "farm"
    BARN = "barn"
    PROCESSING = "processing"
    PACKING = "packing"
    WAREHOUSE = "warehouse"


class Site(Base):
    __tablename__ = "sites"
    __table_args__ = (
        CheckConstraint("latitude IS NULL OR (latitude >= -90 AND latitude <= 90)", name="latitude_range"),
        CheckConstraint("longitude IS NULL OR (longitude >= -180 AND longitude <= 180)", name="longitude_range"),
        CheckConstraint("area_ha IS NULL OR area_ha >= 0", name="area_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    kind: Mapped[SiteKind] = mapped_column(choice(SiteKind, "kind"))
    name: Mapped[str] = mapped_column(String(200))
    area_code: Mapped[str | None] = mapped_column(String(40))  # mã số vùng trồng / facility code
    province: Mapped[str] = mapped_column(String(100))
    commune: Mapped[str] = mapped_column(String(100))  # as shown: the list's name, or as typed (outside the list)
    commune_code: Mapped[str | None] = mapped_column(ForeignKey("communes.code"), index=True)  # the kept list
    address: Mapped[str | None] = mapped_column(String(300))
    latitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    area_ha: Mapped[Decimal | None] = mapped_column(Numeric(12, 4))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    organization: Mapped[Organization] = relationship()
    commune_entry: Mapped[Commune | None] = relationship()


class Product(Base):
    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint("shelf_life_days IS NULL OR shelf_life_days >= 0", name="shelf_life_not_negative"),
        CheckConstraint("gtin IS NULL OR length(gtin) = 14", name="gtin_14_digits"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    category_code: Mapped[str] = mapped_column(ForeignKey("product_categories.code"), index=True)
    # the free text typed before categories were a list (kept as typed; the migration chose `category_code`)
    category_as_typed: Mapped[str | None] = mapped_column("category", String(60))
    gtin: Mapped[str | None] = mapped_column(String(14), unique=True)  # always stored as GTIN-14
    brand: Mapped[str | None] = mapped_column(String(120))
    unit: Mapped[str] = mapped_column(String(20))
    shelf_life_days: Mapped[int | None]
    description: Mapped[str | None] = mapped_column(Text)
    standards: Mapped[str | None] = mapped_column(String(300))  # standards applied (TCVN, VietGAP …)
    image_path: Mapped[str | None] = mapped_column(String(300), info=STORED_FILE, active_history=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    organization: Mapped[Organization] = relationship()
    category: Mapped[ProductCategory] = relationship()


class Certification(Base):
    __tablename__ = "certifications"
    __table_args__ = (
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="validity_order"),
        UniqueConstraint("organization_id", "scheme", "number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"), index=True)
    scheme: Mapped[str] = mapped_column(String(40))  # VietGAP, GlobalGAP, organic, OCOP, HACCP …
    number: Mapped[str] = mapped_column(String(80))
    issuer: Mapped[str] = mapped_column(String(200))
    valid_from: Mapped[dt.date]
    valid_to: Mapped[dt.date | None]
    document_path: Mapped[str | None] = mapped_column(String(300), info=STORED_FILE, active_history=True)
    document_type: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    organization: Mapped[Organization] = relationship()
    site: Mapped[Site | None] = relationship()

    def is_valid_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)
