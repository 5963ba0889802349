"""Producer workspace: the home page, sites, products, certifications and their files."""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from marshmallow import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from traceability import db, storage
from traceability.accounts.models import Role
from traceability.auth import roles
from traceability.batches.models import Batch
from traceability.errors import Invalid
from traceability.forms import as_values, choices, handle_form, kept_upload, render_form, spec
from traceability.reference import services as reference
from traceability.registry import services
from traceability.registry.models import Certification, Product, Site, SiteKind
from traceability.registry.schemas import CertificationInSchema, ProductInSchema, SiteInSchema
from traceability.tenancy import get_editable, get_visible, scope

bp = Blueprint("registry", __name__, url_prefix="/app")
READERS = (Role.PRODUCER, Role.INSPECTOR, Role.ADMIN)


@bp.route("/")
@roles(Role.PRODUCER)
def home():
    org = current_user.organization

    def count(model) -> int:
        return db.session.scalar(select(func.count()).select_from(model).where(model.organization_id == org.id))

    counts = {"sites": count(Site), "products": count(Product), "batches": count(Batch)}
    steps = [(step, _STEP_TEXT[step.key], _step_url(step)) for step in services.first_steps(db.session, org)]
    return render_template("app/home.html", org=org, counts=counts, steps=steps)


_STEP_TEXT = {
    "site": _l("Register a site: where it is grown, raised or made"),
    "product": _l("Register a product"),
    "batch": _l("Record a batch (lot) of the product"),
    "publish": _l("Publish the batch, once nothing blocks it"),
    "print": _l("Print the labels and put them on the packages"),
}


def _step_url(step: services.Step) -> str:
    """Where the step's next action is: the form to start it, or the record it concerns."""
    if step.key == "site":
        return url_for("registry.sites") if step.done else url_for("registry.new_site")
    if step.key == "product":
        return url_for("registry.products") if step.done else url_for("registry.new_product")
    if step.key == "batch":
        return url_for("batches.batches") if step.done else url_for("batches.new_batch")
    if step.key == "publish":
        return url_for("batches.batch", batch_id=step.record_id) if step.record_id else url_for("batches.batches")
    if step.record_id:
        return url_for("codes.batch_codes", batch_id=step.record_id)
    return url_for("batches.batches", status="published")


def _own(model, *options):
    query = scope(select(model), model, current_user).order_by(model.id.desc()).options(*options)
    return db.session.scalars(query).all()


# ---- sites

SITE_FIELDS = [
    spec("kind", _l("Kind"), "select", options=choices(SiteKind), required=True),
    spec("name", _l("Name"), required=True),
    spec("area_code", _l("Planting-area or facility code"), hint=_l("e.g. VN-TNTC-0012")),
    spec(
        "commune_code",
        _l("Commune or ward"),
        "select",
        blank=_l("— outside the list —"),
        hint=_l("Choose from the list; type the commune below only for a place outside the province."),
    ),
    spec("commune", _l("Commune or ward outside the province (typed)")),
    spec("province", _l("Province (for a commune outside the list)")),
    spec("address", _l("Address")),
    spec("latitude", _l("Latitude"), attrs='inputmode="decimal"'),
    spec("longitude", _l("Longitude"), attrs='inputmode="decimal"'),
    spec("area_ha", _l("Area (ha)"), attrs='inputmode="decimal"'),
]


@bp.route("/sites")
@roles(Role.PRODUCER)
def sites():
    return render_template("app/sites.html", sites=_own(Site))


def _site_form(title: str, save, values: dict):
    fields = reference.with_commune_options(db.session, SITE_FIELDS, values.get("commune_code"))
    return handle_form(
        SiteInSchema(),
        save,
        lambda v, e: render_form(title, fields, v, e, back=url_for("registry.sites"), extra_template="app/_gps.html"),
        values,
    )


@bp.route("/sites/new", methods=["GET", "POST"])
@roles(Role.PRODUCER)
def new_site():
    def save(data):
        services.create_site(db.session, current_user, data)
        flash(_("Site saved."))
        return redirect(url_for("registry.sites"))

    org = current_user.organization
    start = {"province": org.province, "commune": org.commune}
    if org.commune_code:  # the organisation's commune from the list: the site is most likely there
        start = {"commune_code": org.commune_code}
    return _site_form(_("New site"), save, start)


@bp.route("/sites/<int:site_id>", methods=["GET", "POST"])
@roles(Role.PRODUCER)
def edit_site(site_id: int):
    site = get_editable(db.session, Site, site_id, current_user)

    def save(data):
        services.update_site(db.session, current_user, site, data)
        flash(_("Site saved."))
        return redirect(url_for("registry.sites"))

    return _site_form(site.name, save, as_values(site, [f["name"] for f in SITE_FIELDS]))


# ---- products

PRODUCT_FIELDS = [
    spec("name", _l("Name"), required=True),
    spec("category", _l("Category"), "select", required=True, blank=""),
    spec("gtin", _l("GTIN (barcode number)"), hint=_l("8, 12, 13 or 14 digits; optional"), attrs='inputmode="numeric"'),
    spec("brand", _l("Brand")),
    spec("unit", _l("Unit"), required=True, hint=_l("kg, box, bag …")),
    spec("shelf_life_days", _l("Shelf life (days)"), attrs='inputmode="numeric"'),
    spec("standards", _l("Standards applied")),
    spec("description", _l("Description"), "textarea"),
    spec("image", _l("Image (JPEG, PNG or WebP)"), "file", attrs='accept="image/jpeg,image/png,image/webp"'),
]


@bp.route("/products")
@roles(Role.PRODUCER)
def products():
    return render_template("app/products.html", products=_own(Product))


def _product_form(title: str, product: Product | None, values: dict):
    folder = str(current_user.organization_id)
    image = kept_upload("image", storage.PRODUCT_IMAGE, folder)

    def save(data):
        stored = image.claim(folder)
        if product is None:
            saved = services.create_product(db.session, current_user, data)
        else:
            saved = services.update_product(db.session, current_user, product, data)
        if stored:
            services.set_product_image(db.session, saved, stored[0])
        flash(_("Product saved."))
        return redirect(url_for("registry.products"))

    options = reference.category_options(db.session, product.category_code if product else None)
    return handle_form(
        ProductInSchema(),
        save,
        lambda v, e: render_form(
            title,
            _product_fields(product, options),
            v,
            {**image.errors, **e},
            multipart=True,
            back=url_for("registry.products"),
            extra_template="app/_categories.html",
            product=product,
            kept_files=image.kept,
            scripts=["js/field-check.js"],
        ),
        values,
    )


def _product_fields(product: Product | None, categories: list) -> list[dict]:
    """The fields: the categories of the list, and the GTIN with the address that checks it as soon as it is
    typed (static/js/field-check.js)."""
    check = url_for("registry.check_gtin", product_id=product.id if product else None)
    fields = []
    for f in PRODUCT_FIELDS:
        if f["name"] == "gtin":
            f = {**f, "attrs": f'{f.get("attrs") or ""} data-check-url="{check}"'}
        elif f["name"] == "category":
            f = {**f, "options": categories}
        fields.append(f)
    return fields


@bp.route("/products/check-gtin")
@roles(Role.PRODUCER)
def check_gtin():
    """What saving this GTIN would be refused for (format, check digit, the organisation not yet verified, another
    product's), for the product form to say before it is sent. Saves nothing."""
    product_id = request.args.get("product_id", "")
    product = get_editable(db.session, Product, int(product_id), current_user) if product_id.isdigit() else None
    try:
        gtin = ProductInSchema(only=("gtin",)).load({"gtin": request.args.get("gtin", "")})["gtin"]
        if product is None or gtin != product.gtin:
            services.check_gtin(db.session, current_user, gtin, product.id if product else None)
    except ValidationError as exc:
        return jsonify(errors=exc.messages.get("gtin", []))
    except Invalid as exc:
        return jsonify(errors=(exc.errors or {}).get("gtin", [exc.message]))
    return jsonify(errors=[])


@bp.route("/products/new", methods=["GET", "POST"])
@roles(Role.PRODUCER)
def new_product():
    return _product_form(_("New product"), None, {"unit": "kg"})


@bp.route("/products/<int:product_id>", methods=["GET", "POST"])
@roles(Role.PRODUCER)
def edit_product(product_id: int):
    product = get_editable(db.session, Product, product_id, current_user)
    values = as_values(product, [f["name"] for f in PRODUCT_FIELDS])
    values["category"] = product.category_code
    return _product_form(product.name, product, values)


@bp.route("/products/<int:product_id>/image")
@roles(*READERS)
def product_image(product_id: int):
    product = get_visible(db.session, Product, product_id, current_user)
    return storage.send(product.image_path, f"product-{product.id}")


# ---- certifications


def _cert_fields() -> list[dict]:
    sites = [(s.id, s.name) for s in _own(Site)]
    return [
        spec("scheme", _l("Scheme"), required=True, hint=_l("VietGAP, GlobalGAP, organic, OCOP, HACCP …")),
        spec("number", _l("Certificate number"), required=True),
        spec("issuer", _l("Issued by"), required=True),
        spec("valid_from", _l("Valid from"), "date", required=True),
        spec("valid_to", _l("Valid until"), "date"),
        spec("site_id", _l("Site"), "select", options=sites, blank=_("The whole organisation")),
        spec(
            "document",
            _l("Document (PDF, JPEG, PNG or WebP)"),
            "file",
            attrs='accept="application/pdf,image/jpeg,image/png,image/webp"',
        ),
    ]


@bp.route("/certifications", methods=["GET", "POST"])
@roles(Role.PRODUCER)
def certifications():
    folder = str(current_user.organization_id)
    document = kept_upload("document", storage.DOCUMENT, folder)

    def save(data):
        services.create_certification(db.session, current_user, data, document.claim(folder))
        flash(_("Certificate saved."))
        return redirect(url_for("registry.certifications"))

    return handle_form(
        CertificationInSchema(),
        save,
        lambda v, e: render_template(
            "app/certifications.html",
            certs=_own(Certification, joinedload(Certification.site)),  # each names its site: not a query per site
            fields=_cert_fields(),
            values=v,
            errors={**document.errors, **e},
            kept_files=document.kept,
        ),
    )


@bp.route("/certifications/<int:certification_id>/document")
@roles(*READERS)
def certification_document(certification_id: int):
    cert = get_visible(db.session, Certification, certification_id, current_user)
    return storage.send(cert.document_path, f"certificate-{cert.id}", cert.document_type)
