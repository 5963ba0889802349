"""JSON API of the registry: sites, products, certifications, and their files (multipart/form-data uploads)."""

from __future__ import annotations

from flask_login import current_user
from flask_smorest import Blueprint
from sqlalchemy import select

from traceability import db, storage
from traceability.accounts.models import Role
from traceability.apidoc import binary
from traceability.auth import roles
from traceability.registry import services
from traceability.registry.models import Certification, Product, Site
from traceability.registry.schemas import (
    CertificationDocumentSchema,
    CertificationInSchema,
    CertificationSchema,
    ProductImageSchema,
    ProductInSchema,
    ProductPatchSchema,
    ProductSchema,
    SiteInSchema,
    SitePatchSchema,
    SiteSchema,
)
from traceability.tenancy import get_editable, get_visible, owner_first, scope

blp = Blueprint("registry_api", __name__, url_prefix="/api/v1", description="Sites, products, certifications")
READERS = (Role.PRODUCER, Role.INSPECTOR, Role.ADMIN)


def _listing(model):
    return db.session.scalars(scope(select(model), model, current_user).order_by(model.id)).all()


@blp.route("/sites", methods=["GET"])
@roles(*READERS)
@blp.response(200, SiteSchema(many=True))
def list_sites():
    """The sites the caller may see (a producer: its own)."""
    return _listing(Site)


@blp.route("/sites", methods=["POST"])
@roles(Role.PRODUCER)
@blp.arguments(SiteInSchema)
@blp.response(201, SiteSchema)
def create_site(data):
    """Register a site of the caller's organisation."""
    site = services.create_site(db.session, current_user, data)
    return site


@blp.route("/sites/<int:site_id>", methods=["GET"])
@roles(*READERS)
@blp.response(200, SiteSchema)
def get_site(site_id: int):
    return get_visible(db.session, Site, site_id, current_user)


@blp.route("/sites/<int:site_id>", methods=["PATCH"])
@roles(Role.PRODUCER)
@owner_first(Site, "site_id")
@blp.arguments(SitePatchSchema)
@blp.response(200, SiteSchema)
def update_site(data, site_id: int):
    site = get_editable(db.session, Site, site_id, current_user)
    services.update_site(db.session, current_user, site, data)
    return site


@blp.route("/products", methods=["GET"])
@roles(*READERS)
@blp.response(200, ProductSchema(many=True))
def list_products():
    return _listing(Product)


@blp.route("/products", methods=["POST"])
@roles(Role.PRODUCER)
@blp.arguments(ProductInSchema)
@blp.response(201, ProductSchema)
def create_product(data):
    """Register a product; a GTIN is checked (length and check digit) and stored as GTIN-14."""
    product = services.create_product(db.session, current_user, data)
    return product


@blp.route("/products/<int:product_id>", methods=["GET"])
@roles(*READERS)
@blp.response(200, ProductSchema)
def get_product(product_id: int):
    return get_visible(db.session, Product, product_id, current_user)


@blp.route("/products/<int:product_id>", methods=["PATCH"])
@roles(Role.PRODUCER)
@owner_first(Product, "product_id")
@blp.arguments(ProductPatchSchema)
@blp.response(200, ProductSchema)
def update_product(data, product_id: int):
    product = get_editable(db.session, Product, product_id, current_user)
    services.update_product(db.session, current_user, product, data)
    return product


@blp.route("/products/<int:product_id>/image", methods=["PUT"])
@roles(Role.PRODUCER)
@owner_first(Product, "product_id")
@storage.names_oversized_request("image")
@blp.arguments(ProductImageSchema, location="files")
@blp.response(200, ProductSchema)
def put_product_image(files, product_id: int):
    """Set or replace the product's image.

    multipart/form-data, field `image`: a JPEG, PNG or WebP (read from the content), at most 25 million pixels,
    stored upright, without metadata, at most 1200 px a side. The previous image file is deleted once the new
    one is saved; 503 with Retry-After if files cannot be stored right now.
    """
    product = get_editable(db.session, Product, product_id, current_user)
    path, _type = storage.store(files["image"], storage.PRODUCT_IMAGE, "image", str(product.organization_id))
    services.set_product_image(db.session, product, path)
    return product


@blp.route("/products/<int:product_id>/image", methods=["GET"])
@roles(*READERS)
@binary(blp, "The image, JPEG or PNG; 404 if there is none.", "image/jpeg", "image/png")
def get_product_image(product_id: int):
    """The product's image."""
    product = get_visible(db.session, Product, product_id, current_user)
    return storage.send(product.image_path, f"product-{product.id}")


@blp.route("/certifications", methods=["GET"])
@roles(*READERS)
@blp.response(200, CertificationSchema(many=True))
def list_certifications():
    return _listing(Certification)


@blp.route("/certifications", methods=["POST"])
@roles(Role.PRODUCER)
@blp.arguments(CertificationInSchema)
@blp.response(201, CertificationSchema)
def create_certification(data):
    """Record a certificate (the document is uploaded in the workspace pages)."""
    cert = services.create_certification(db.session, current_user, data)
    return cert


@blp.route("/certifications/<int:certification_id>/document", methods=["PUT"])
@roles(Role.PRODUCER)
@owner_first(Certification, "certification_id")
@storage.names_oversized_request("document")
@blp.arguments(CertificationDocumentSchema, location="files")
@blp.response(200, CertificationSchema)
def put_certification_document(files, certification_id: int):
    """Attach or replace the certificate's document.

    multipart/form-data, field `document`: a PDF, JPEG, PNG or WebP (read from the content; images are stored
    re-encoded, without metadata). The previous document file is deleted once the new one is saved; 503 with
    Retry-After if files cannot be stored right now.
    """
    cert = get_editable(db.session, Certification, certification_id, current_user)
    document = storage.store(files["document"], storage.DOCUMENT, "document", str(cert.organization_id))
    services.set_certification_document(db.session, cert, document)
    return cert


@blp.route("/certifications/<int:certification_id>/document", methods=["GET"])
@roles(*READERS)
@binary(blp, "The document, PDF, JPEG or PNG; 404 if none.", "application/pdf", "image/jpeg", "image/png")
def get_certification_document(certification_id: int):
    """The certificate's document."""
    cert = get_visible(db.session, Certification, certification_id, current_user)
    return storage.send(cert.document_path, f"certificate-{cert.id}", cert.document_type)
