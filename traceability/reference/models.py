"""Reference data kept by admins: substances that may not be used on crops or in livestock farming."""

from __future__ import annotations

import datetime as dt
import enum
from typing import ClassVar

from flask_babel import get_locale
from sqlalchemy import Column, ForeignKey, String, Table, Text, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from traceability.db import Base, choice, utcnow


class SubstanceStatus(enum.StrEnum):
    BANNED = "banned"
    REMOVED = "removed"


class SubstanceKind(enum.StrEnum):
    """Which list a substance is on: plant protection (crops) or livestock feed and farming."""

    PESTICIDE = "pesticide"
    LIVESTOCK = "livestock"


class SubstanceOrigin(enum.StrEnum):
    """Who owns a row: a reload of the shipped lists updates `shipped` rows only."""

    SHIPPED = "shipped"  # as the registry's shipped list has it
    ADMIN = "admin"  # added or edited by an admin: reloads and upgrades leave it alone
    WITHDRAWN = "withdrawn"  # a shipped row an admin removed: kept so reloads do not bring it back; never matched


class BannedSubstance(Base):
    __tablename__ = "banned_substances"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    synonyms: Mapped[str | None] = mapped_column(Text)  # separated by ';' (English and Vietnamese names)
    status: Mapped[SubstanceStatus] = mapped_column(choice(SubstanceStatus, "status"))
    kind: Mapped[SubstanceKind] = mapped_column(
        choice(SubstanceKind, "kind"), default=SubstanceKind.PESTICIDE, server_default=SubstanceKind.PESTICIDE.value
    )
    origin: Mapped[SubstanceOrigin] = mapped_column(
        choice(SubstanceOrigin, "origin"), default=SubstanceOrigin.ADMIN, server_default=SubstanceOrigin.ADMIN.value
    )
    group: Mapped[str | None] = mapped_column(String(40))
    effective_from: Mapped[dt.date | None]
    legal_source: Mapped[str | None] = mapped_column(String(300))
    is_checked: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def is_withdrawn(self) -> bool:
        return self.origin == SubstanceOrigin.WITHDRAWN

    def names(self) -> list[str]:
        extra = [s.strip() for s in (self.synonyms or "").split(";") if s.strip()]
        return [self.name, *extra]


class ListOrigin(enum.StrEnum):
    """Who owns a row of a kept list (categories, communes): reloads of the shipped list update `shipped` rows."""

    SHIPPED = "shipped"
    ADMIN = "admin"  # added or edited by an admin: reloads leave it alone
    MIGRATED = "migrated"  # made from free text typed before the list existed: for an admin to review


class ProductCategory(Base):
    """A product category of the province's list (the key products first). Products refer to it by `code`,
    which never changes; admins edit the names, the order and whether new products may choose it."""

    __tablename__ = "product_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name_vi: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(default=100)
    is_key_product: Mapped[bool] = mapped_column(default=False)
    is_active: Mapped[bool] = mapped_column(default=True)
    origin: Mapped[ListOrigin] = mapped_column(
        choice(ListOrigin, "origin"), default=ListOrigin.ADMIN, server_default=ListOrigin.ADMIN.value
    )
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def name(self) -> str:
        """The name in the page's language (Vietnamese unless the page is English)."""
        return self.name_en if str(get_locale() or "vi").startswith("en") else self.name_vi

    def __str__(self) -> str:
        return self.name


class CommuneKind:
    """Kinds of unit (plain text: the words "commune" and "ward" appear in English text of their own)."""

    COMMUNE = "commune"  # xã
    WARD = "ward"  # phường
    SPECIAL_ZONE = "special_zone"  # đặc khu
    ALL = (COMMUNE, WARD, SPECIAL_ZONE)


class Commune(Base):
    """A commune or ward of the province (after the 2025 reform: no districts). `code` is the statistics
    office's code (mã đơn vị hành chính) for shipped rows; sites, organisations and suppliers refer to it."""

    __tablename__ = "communes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(10), unique=True)
    name: Mapped[str] = mapped_column(String(100))  # as written officially: "Xã Tân Cương", "Phường Phan Đình Phùng"
    kind: Mapped[str] = mapped_column(String(24))
    province: Mapped[str] = mapped_column(String(100))
    is_active: Mapped[bool] = mapped_column(default=True)
    origin: Mapped[ListOrigin] = mapped_column(
        choice(ListOrigin, "origin"), default=ListOrigin.ADMIN, server_default=ListOrigin.ADMIN.value
    )
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    def __str__(self) -> str:
        return self.name


class AgencyKind(enum.StrEnum):
    """The province's inspecting bodies (after the 2025 reform)."""

    AGRICULTURE_ENVIRONMENT = "agriculture_environment"  # Sở Nông nghiệp và Môi trường
    SCIENCE_TECHNOLOGY = "science_technology"  # Sở Khoa học và Công nghệ
    MARKET_SURVEILLANCE = "market_surveillance"  # Quản lý thị trường
    COMMUNE = "commune_committee"  # Ủy ban nhân dân xã/phường


agency_communes = Table(
    "agency_communes",
    Base.metadata,
    Column("agency_id", ForeignKey("agencies.id", ondelete="CASCADE"), primary_key=True),
    Column("commune_id", ForeignKey("communes.id", ondelete="CASCADE"), primary_key=True),
)

agency_categories = Table(
    "agency_categories",
    Base.metadata,
    Column("agency_id", ForeignKey("agencies.id", ondelete="CASCADE"), primary_key=True),
    Column("category_id", ForeignKey("product_categories.id", ondelete="CASCADE"), primary_key=True),
)


class Agency(Base):
    """An inspecting body kept by the admin: the communes and product categories it covers. No commune chosen
    means every commune of the province; no category chosen means every category. An agency that recorded
    actions is never deleted (they keep naming it): it is made inactive, and no inspector can join it."""

    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[AgencyKind] = mapped_column(choice(AgencyKind, "kind"))
    is_active: Mapped[bool] = mapped_column(default=True, server_default=true())
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    communes: Mapped[list[Commune]] = relationship(secondary=agency_communes, order_by=Commune.name)
    categories: Mapped[list[ProductCategory]] = relationship(
        secondary=agency_categories, order_by=ProductCategory.position
    )
    # how many users work for it: set by services.with_inspector_counts (not a column)
    inspector_count: ClassVar[int | None] = None

    def __str__(self) -> str:
        return self.name
