"""The page's facts as JSON, its GS1 link set (RFC 9264) and the resolver's self-description."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app, url_for
from flask_babel import format_date, format_datetime
from flask_babel import gettext as _
from markupsafe import escape

from traceability.codes.identifiers import grouped
from traceability.public.facts import Page, chemical_sentence
from traceability.public.scans import Verification
from traceability.public.schemas import page_out

LINKSET_TYPE = "application/linkset+json"
GS1_VOC = "https://gs1.org/voc/"
LINK_TYPES = ["defaultLink", "pip", "traceability", "certificationInfo", "recallStatus", "verificationService"]


# A unit code's page changes with every scan only in its counts. It is rendered once with stand-in counts and
# kept; each scan then writes its own counts over the stand-ins, formatted as the template formats them. The
# stand-ins are values no real page shows: a count longer than any number on a page, a scan in 1901.
_STAND_IN_COUNT = 918_273_645_546_372
_STAND_IN_TIME = dt.datetime(1901, 2, 3, 4, 5, 6, tzinfo=dt.UTC)


def stand_in_counts(suspected_copy: bool) -> Verification:
    return Verification(
        genuine=True,
        code_kind="serial",
        scan_count=_STAND_IN_COUNT,
        first_scanned_at=_STAND_IN_TIME,
        distinct_clients=_STAND_IN_COUNT,
        suspected_copy=suspected_copy,
    )


def put_counts(html: str, verification: Verification) -> str:
    """The page rendered with `stand_in_counts`, with this scan's counts instead (as `page.html` and the copy
    warning format them: the count as a plain number, the first scan with `|datetime` and as a day)."""
    first = verification.first_scanned_at
    for stand_in, real in (
        (str(_STAND_IN_COUNT), str(verification.scan_count)),
        (format_datetime(_STAND_IN_TIME, "short"), format_datetime(first, "short") if first else ""),
        (format_date(_STAND_IN_TIME, "medium"), format_date(first, "medium") if first else ""),
    ):
        html = html.replace(str(escape(stand_in)), str(escape(real)))
    return html


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
            **{k: getattr(product, k) for k in ("name", "category", "gtin", "brand", "unit", "description")},
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


def linkset(page: Page) -> dict[str, Any]:
    """The GS1 link set of a code: every link this resolver has for it, keyed by GS1 link type."""
    anchor = _base() + page.path
    languages = current_app.config["LANGUAGES"]
    title = f"{page.product.name} — {page.batch.lot_code}"
    html = {"href": anchor, "title": title, "type": "text/html", "hreflang": languages}

    def link(fragment: str, text: str) -> dict[str, Any]:
        return {**html, "href": f"{anchor}#{fragment}", "title": f"{text}: {title}"}

    return {
        "linkset": [
            {
                "anchor": anchor,
                GS1_VOC + "defaultLink": [html],
                GS1_VOC + "pip": [html],
                GS1_VOC + "traceability": [
                    {**html, "title": _("Traceability facts") + f": {title}", "type": "application/json"},
                    link("stages", _("Stages")),
                ],
                GS1_VOC + "certificationInfo": [link("certifications", _("Certifications"))],
                GS1_VOC + "recallStatus": [link("status", _("Status"))],
                GS1_VOC + "verificationService": [link("verification", _("Is it genuine?"))],
            }
        ]
    }


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
