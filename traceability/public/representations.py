"""The page's facts as JSON, its GS1 link set (RFC 9264) and the resolver's self-description."""

from __future__ import annotations

from typing import Any

from flask import current_app, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from traceability.codes.identifiers import grouped
from traceability.public.facts import Page, chemical_sentence, copy_warning
from traceability.public.scans import Verification
from traceability.public.schemas import ProducerOut, ProductOut, page_out

LINKSET_TYPE = "application/linkset+json"
GS1_VOC = "https://gs1.org/voc/"
LINK_TYPES = [
    "defaultLink",
    "pip",
    "traceability",
    "certificationInfo",
    "recallStatus",
    "verificationService",
    "masterData",
]


def scanned_times(count: int) -> str:
    """The unit page's count sentence, singular or plural."""
    return ngettext(
        "This unit code has been scanned %(num)d time.", "This unit code has been scanned %(num)d times.", count
    )


def geo_uri(site: Any) -> str | None:
    """RFC 5870 `geo:` URI: the phone's map app opens it; the page itself fetches no map."""
    if site is None or site.latitude is None or site.longitude is None:
        return None
    return f"geo:{site.latitude:.6f},{site.longitude:.6f}"


def _base() -> str:
    return current_app.config["PUBLIC_BASE_URL"]


def page_json(page: Page) -> dict[str, Any]:
    product, batch, site = page.product, page.batch, page.origin
    data = {
        "product": {
            **{k: getattr(product, k) for k in ("name", "gtin", "brand", "unit", "description")},
            "category": product.category_code,  # the list's code; its name in the page's language beside it
            "category_name": product.category.name,
            "shelf_life_days": product.shelf_life_days,
            "standards": product.standards,
            "image_url": _base() + url_for("public.product_image", code=page.code.value)
            if product.image_path
            else None,
        },
        "producer": page.producer,
        "origin": None
        if site is None
        else {
            **{c.key: getattr(site, c.key) for c in site.__table__.columns},
            "kind": site.kind,
            "geo_uri": geo_uri(site),
        },
        "batch": {
            **{c.key: getattr(batch, c.key) for c in batch.__table__.columns},
            "code": grouped(page.code.value),
            "code_kind": page.code.kind.value,
            "url": _base() + page.path,
        },
        "inputs": [
            {"batch": line.batch, "quantity": line.quantity, "url": _base() + line.path if line.path else None}
            for line in page.inputs
        ],
        "chain": page.chain,
        "origins": page.origins,
        "events": page.events,
        "chemicals": [{**vars(line), "summary": chemical_sentence(line)} for line in page.chemicals],
        "lab_tests": page.lab_tests,
        "certifications": page.certifications,
        "inspections": page.inspections,
        "amendments": page.amendments,
        "status": page.status,
        "warnings": page.warnings,
        "verification": page.verification,
    }
    dumped = page_out.dump(data)
    for warning in dumped["warnings"]:
        if warning["input"] and warning["input"]["url"]:
            warning["input"]["url"] = _base() + warning["input"]["url"]
    return dumped


def counts_json(part: str, verification: Verification) -> str:
    """A part of a unit code's JSON that changes with every scan, as `page_json` gives it (in an app context, in the
    page's language): "verification", or "warning" (the copy warning)."""
    if part == "verification":
        return current_app.json.dumps(page_out.fields["verification"].schema.dump(verification))
    return current_app.json.dumps(page_out.fields["warnings"].inner.schema.dump(copy_warning(verification)))


# GS1 link types may be named by their CURIE (gs1:pip) or by any of the vocabulary's three namespaces
_GS1_NAMESPACES = ("gs1:", "https://gs1.org/voc/", "https://ref.gs1.org/voc/", "https://www.gs1.org/voc/")
# a link set's answers point to the JSON-LD context that reads it as linked data (GS1-Conformant resolver)
LINKSET_CONTEXT = "https://ref.gs1.org/standards/resolver/linkset-context"
LINKSET_CONTEXT_LINK = f'<{LINKSET_CONTEXT}>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"'


def link_type_name(value: str) -> str | None:
    """The GS1 link type a `?linkType=` names (`pip` for gs1:pip or its IRI), or None if it names none."""
    for prefix in _GS1_NAMESPACES:
        if value.startswith(prefix) and value[len(prefix) :].isidentifier():
            return value[len(prefix) :]
    return None


def code_links(anchor: str, title: str) -> dict[str, list[dict[str, Any]]]:
    """Every link this resolver has for a code's page at `anchor`, keyed by GS1 link type. The page itself is
    the target of most: each link type leads to its own section (a fragment of the page)."""
    html = {"href": anchor, "title": title, "type": "text/html", "hreflang": current_app.config["LANGUAGES"]}

    def link(fragment: str, text: str) -> dict[str, Any]:
        return {**html, "href": f"{anchor}#{fragment}", "title": f"{text}: {title}"}

    return {
        # the default link carries a title and nothing else (GS1-Conformant resolver standard)
        "defaultLink": [{"href": anchor, "title": title}],
        "pip": [html],
        "traceability": [
            link("stages", _("Stages")),
            {**html, "title": _("Traceability facts") + f": {title}", "type": "application/json"},
        ],
        "certificationInfo": [link("certifications", _("Certifications"))],
        "recallStatus": [link("status", _("Status"))],
        "verificationService": [link("verification", _("Is it genuine?"))],
    }


def product_links(anchor: str, title: str) -> dict[str, list[dict[str, Any]]]:
    """The links of a product alone (a GTIN without lot): its product page."""
    html = {"href": anchor, "title": title, "type": "text/html", "hreflang": current_app.config["LANGUAGES"]}
    return {
        "defaultLink": [{"href": anchor, "title": title}],
        "pip": [html],
        "masterData": [{**html, "title": _("Product facts") + f": {title}", "type": "application/json"}],
    }


def as_linkset(anchor: str, description: str, links: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """RFC 9264 link set as GS1's linkset schema wants it: the anchor, a description, links by type IRI."""
    entry: dict[str, Any] = {"anchor": anchor, "itemDescription": description}
    entry.update({GS1_VOC + name: targets for name, targets in links.items()})
    return {"linkset": [entry]}


def page_title(page: Page) -> str:
    return f"{page.product.name} — {page.batch.lot_code}"


def product_json(product: Any, anchor: str, level: Any) -> dict[str, Any]:
    """A product's page as JSON: the product, its producer, and the lot or serial asked for and not found."""
    missing = {"lot": level.lot, "serial": level.serial} if level.lot or level.serial else None
    return {
        "product": {**ProductOut().dump(product), "image_url": None},
        "producer": ProducerOut().dump(product.organization),
        "url": anchor,
        "not_registered": missing,
    }


def linkset(page: Page) -> dict[str, Any]:
    """The GS1 link set of a code: every link this resolver has for it, keyed by GS1 link type."""
    anchor = _base() + page.path
    title = page_title(page)
    description = title
    if page.code.kind == "serial":
        description = _(
            "%(product)s, lot %(lot)s, unit %(code)s",
            product=page.product.name,
            lot=page.batch.lot_code,
            code=grouped(page.code.value),
        )
    return as_linkset(anchor, description, code_links(anchor, title))


def resolver_description() -> dict[str, Any]:
    """`/.well-known/gs1resolver`: what this resolver answers (GS1-Conformant Resolver standard)."""
    return {
        "name": _("Thái Nguyên provincial traceability registry"),
        "resolverRoot": _base(),
        "supportedPrimaryKeys": ["01"],
        "supportedQualifiers": {"01": ["22", "10", "21"]},
        "linkTypeDefaultCanBeLinkset": True,
        "linkTypes": ["gs1:" + name for name in LINK_TYPES],
        "supportedLanguages": current_app.config["LANGUAGES"],
        "shortCodes": _base() + "/c/{code}",
        "linksetMediaType": LINKSET_TYPE,
    }
