"""Rules for sites, products and certifications. Plain functions: they flush, never commit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from traceability.accounts.models import Organization, Role, User
from traceability.batches.models import Batch, BatchStatus
from traceability.codes.models import Code, Scan
from traceability.errors import Forbidden, invalid
from traceability.reference import services as reference
from traceability.registry.models import Certification, Product, Site


def _org_id(user: User) -> int:
    if user.role != Role.PRODUCER or user.organization_id is None:
        raise Forbidden(_("Only a producer's organisation keeps these records."))
    return user.organization_id


def own_site(session: Session, user: User, site_id: int | None, field: str = "site_id") -> Site | None:
    """The user's own site with this id; a site of another organisation is named as missing."""
    if site_id is None:
        return None
    site = session.get(Site, site_id)
    if site is None or site.organization_id != user.organization_id:
        raise invalid(field, _("No such site in your organisation."))
    return site


def own_product(session: Session, user: User, product_id: int, field: str = "product_id") -> Product:
    product = session.get(Product, product_id)
    if product is None or product.organization_id != user.organization_id:
        raise invalid(field, _("No such product in your organisation."))
    return product


def _apply(obj: Any, data: dict[str, Any]) -> None:
    for key, value in data.items():
        setattr(obj, key, value)


def create_site(session: Session, user: User, data: dict[str, Any]) -> Site:
    """Register a site (growing area, farm, barn, facility) of the user's organisation."""
    reference.place(session, data)
    site = Site(organization_id=_org_id(user), **data)
    session.add(site)
    session.flush()
    return site


def update_site(session: Session, user: User, site: Site, data: dict[str, Any]) -> Site:
    _org_id(user)
    reference.place(session, data)
    _apply(site, data)
    session.flush()
    return site


def check_gtin(session: Session, user: User, gtin: str | None, product_id: int | None) -> None:
    """A GTIN is claimed only by a verified organisation, inside its own GS1 prefix when it has one, and once."""
    if not gtin:
        return
    org = user.organization
    if not org.is_verified:
        raise invalid("gtin", _("A GTIN can be registered once the organisation is verified."))
    if org.gs1_prefix and not gtin.lstrip("0").startswith(org.gs1_prefix.lstrip("0")):
        raise invalid("gtin", _("This GTIN is outside your GS1 company prefix %(prefix)s.", prefix=org.gs1_prefix))
    taken = session.scalar(select(Product.id).where(Product.gtin == gtin, Product.id != (product_id or 0)))
    if taken:
        raise invalid("gtin", _("This GTIN is already registered for another product."))


def create_product(session: Session, user: User, data: dict[str, Any]) -> Product:
    """Register a product; its GTIN (already checked and made 14 digits long) must be the organisation's own."""
    org_id = _org_id(user)
    check_gtin(session, user, data.get("gtin"), None)
    data["category_code"] = reference.category_code_for(session, data.pop("category", None))
    product = Product(organization_id=org_id, **data)
    session.add(product)
    session.flush()
    return product


def update_product(session: Session, user: User, product: Product, data: dict[str, Any]) -> Product:
    _org_id(user)
    if "gtin" in data and data["gtin"] != product.gtin:
        # printed labels carry /01/{gtin}/10/{lot}: changing it would make every scanned label look fake
        published = session.scalar(
            select(Batch.id).where(Batch.product_id == product.id, Batch.status != BatchStatus.DRAFT).limit(1)
        )
        if published is not None:
            raise invalid("gtin", _("Batches of this product are published with this GTIN on their labels."))
        check_gtin(session, user, data["gtin"], product.id)
    if "category" in data:
        data["category_code"] = reference.category_code_for(session, data.pop("category"))
    _apply(product, data)
    session.flush()
    return product


def set_product_image(session: Session, product: Product, stored_path: str) -> Product:
    """Point the product at a newly stored image; the old file goes once this is committed."""
    product.image_path = stored_path
    session.flush()
    return product


def set_certification_document(session: Session, cert: Certification, document: tuple[str, str]) -> Certification:
    """Attach (or replace) a certificate's document; the old file goes once this is committed."""
    cert.document_path, cert.document_type = document
    session.flush()
    return cert


def create_certification(
    session: Session, user: User, data: dict[str, Any], document: tuple[str, str] | None = None
) -> Certification:
    """Record a certificate of the organisation (or one of its sites), with its document if given."""
    org_id = _org_id(user)
    own_site(session, user, data.get("site_id"))
    duplicate = session.scalar(
        select(Certification.id).where(
            Certification.organization_id == org_id,
            Certification.scheme == data["scheme"],
            Certification.number == data["number"],
        )
    )
    if duplicate:
        raise invalid("number", _("This certificate is already recorded."))
    cert = Certification(organization_id=org_id, **data)
    if document:
        cert.document_path, cert.document_type = document
    session.add(cert)
    session.flush()
    return cert


@dataclass(frozen=True)
class Step:
    """One of a new organisation's first steps, done or not, and the record the next action is about."""

    key: str
    done: bool
    record_id: int | None = None


def first_steps(session: Session, org: Organization) -> list[Step]:
    """Site, product, batch, publish, print: each done when the organisation's own data shows it.

    Printing leaves no record of its own, so it counts as done once one of the organisation's codes has been
    scanned: a label is out there and works.
    """
    def count(model) -> int:
        return session.scalar(select(func.count()).select_from(model).where(model.organization_id == org.id))

    def latest(*conditions) -> int | None:
        query = select(Batch.id).where(Batch.organization_id == org.id, *conditions)
        return session.scalar(query.order_by(Batch.created_at.desc(), Batch.id.desc()).limit(1))

    draft = latest(Batch.status == BatchStatus.DRAFT)
    published = latest(Batch.status == BatchStatus.PUBLISHED)
    scanned = session.scalar(
        select(
            exists()
            .where(Scan.code_id == Code.id, Code.batch_id == Batch.id, Batch.organization_id == org.id)
        )
    )
    return [
        Step("site", count(Site) > 0),
        Step("product", count(Product) > 0),
        Step("batch", count(Batch) > 0),
        Step("publish", latest(Batch.status != BatchStatus.DRAFT) is not None, draft),
        Step("print", bool(scanned), published),
    ]
