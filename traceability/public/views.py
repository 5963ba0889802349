"""Public pages: the start page, the consumer's page of a code (short or GS1 Digital Link form), the resolver.

One page serves three representations: HTML for people, JSON (`Accept: application/json`) and the GS1 link set
(`?linkType=linkset`, `?linkType=all` or `Accept: application/linkset+json`); `?linkType=gs1:…` redirects to
that link. A scan is recorded for every page of a code. A GTIN alone, or with a lot or serial number the
registry does not know, answers the product's page (GS1 resolvers walk up the tree). Compressed GS1 Digital
Link URIs are expanded. Every resolution answer carries CORS headers, so any web app may resolve codes.
"""

from __future__ import annotations

import secrets
from contextlib import suppress
from dataclasses import replace
from urllib.parse import urlencode

from flask import Blueprint, abort, current_app, jsonify, make_response, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from traceability import db
from traceability.auth import public
from traceability.batches.models import Batch
from traceability.codes.identifiers import grouped
from traceability.codes.models import Code, CodeKind
from traceability.codes.urls import code_url, expand_compressed_path
from traceability.errors import error_payload
from traceability.extensions import limiter
from traceability.public.cache import Offer, counts_forms, cut, fill, offer, slot
from traceability.public.facts import PAGE_RECORDS, build_page, chemical_sentence
from traceability.public.lookup import (
    LookupProblem,
    ProductLevel,
    canonical_code,
    etag_of,
    find_code,
    find_digital_link,
    find_product,
    freshness,
    last_modified,
)
from traceability.public.representations import (
    LINKSET_CONTEXT_LINK,
    LINKSET_TYPE,
    as_linkset,
    code_links,
    geo_uri,
    link_type_name,
    linkset,
    page_json,
    product_json,
    product_links,
    resolver_description,
    scanned_times,
)
from traceability.public.scans import recorder, verify

bp = Blueprint("public", __name__)

# what a resolver answers (GS1-Conformant resolver: SHALL support CORS): any web page may read these answers
RESOLUTION = frozenset(
    {"public.code_page", "public.digital_link", "public.compressed_link", "public.gs1resolver", "public.lookup"}
)
METHODS = ["GET", "OPTIONS"]  # (HEAD comes with GET) OPTIONS is answered by the view, with the link set's link
LINKSET_QUERIES = frozenset({"linkset", "all"})  # `all` is the older name (deprecated by GS1 in 2024)


@bp.after_request
def _cors(response):
    if request.endpoint in RESOLUTION:
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
        response.headers["Access-Control-Expose-Headers"] = "Link, Location, ETag, Last-Modified"
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Headers"] = "Accept, Accept-Language, If-None-Match"
            response.headers["Access-Control-Max-Age"] = "86400"
    return response


@bp.route("/")
@limiter.exempt  # reading a page carries no rate limit (reports do)
@public
def home():
    return render_template("public/home.html")


def _representation() -> str:
    if request.args.get("linkType") in LINKSET_QUERIES:
        return "linkset"
    best = request.accept_mimetypes.best_match(["text/html", "application/json", LINKSET_TYPE])
    if (
        best in ("application/json", LINKSET_TYPE)
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    ):
        return "json" if best == "application/json" else "linkset"
    return "html"


def problem_response(problem: LookupProblem):
    """A clear answer for a code that cannot be shown, never with status 200."""
    if _representation() != "html":
        payload = error_payload(problem.status, problem.message)
        payload["reason"] = problem.reason
        response = jsonify(payload)
    else:
        response = make_response(render_template("public/problem.html", problem=problem))
    response.status_code = problem.status
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.errorhandler(LookupProblem)
def _on_problem(problem: LookupProblem):
    return problem_response(problem)


@bp.route("/c/")
@limiter.exempt  # reading a page carries no rate limit (reports do)
@public
def lookup():
    """The start page's form: redirect what was typed to its canonical page."""
    typed = (request.args.get("code") or "").strip()
    if not typed:
        return redirect(url_for("public.home"))
    return redirect(url_for("public.code_page", code=canonical_code(typed)), 303)


@bp.route("/c/<code>", methods=METHODS)
@limiter.exempt  # reading a page carries no rate limit (reports do)
@public
def code_page(code: str):
    if request.method == "OPTIONS":
        return _options(lambda: find_code(db.session, code))
    found = find_code(db.session, code)
    if code != found.value:  # one address per code: any case or grouping redirects to the canonical one
        query = request.query_string.decode()
        return redirect(url_for("public.code_page", code=found.value) + (f"?{query}" if query else ""), 301)
    return answer(found)


@bp.route("/01/<gtin>", methods=METHODS)
@bp.route("/01/<gtin>/", methods=METHODS)
@bp.route("/01/<gtin>/10/<lot>", methods=METHODS)
@bp.route("/01/<gtin>/10/<lot>/21/<serial>", methods=METHODS)
@bp.route("/01/<gtin>/21/<serial>", methods=METHODS)
@bp.route("/01/<gtin>/<path:rest>", methods=METHODS)
@limiter.exempt  # reading a page carries no rate limit (reports do)
@public
def digital_link(**_parts: str):
    # the raw path keeps an escaped '/' inside a lot or serial number that routing would have split
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or request.path
    path = raw.split("?", 1)[0]
    if request.method == "OPTIONS":
        return _options(lambda: find_digital_link(db.session, path))
    return answer(find_digital_link(db.session, path))


@bp.route("/<compressed>", methods=METHODS)
@limiter.exempt  # reading a page carries no rate limit (reports do)
@public
def compressed_link(compressed: str):
    """A compressed GS1 Digital Link URI: answered as its uncompressed form, which a Link header names."""
    path = expand_compressed_path("/" + compressed)
    if path is None:
        abort(404)
    if request.method == "OPTIONS":
        response = _options(lambda: find_digital_link(db.session, path))
    else:
        response = answer(find_digital_link(db.session, path))
    same_as = f'<{current_app.config["PUBLIC_BASE_URL"]}{path}>; rel="owl:sameAs"'
    link = response.headers.get("Link")
    response.headers["Link"] = f"{link}, {same_as}" if link else same_as
    return response


@bp.route("/.well-known/gs1resolver")
@public
def gs1resolver():
    response = jsonify(resolver_description())
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


def answer(found: Code | ProductLevel):
    """The answer to a resolved request: the link a `?linkType=` asks for, the product's page, or the code's."""
    link_type = request.args.get("linkType")
    if link_type is not None and link_type not in LINKSET_QUERIES:
        return _follow_link(found, link_type)
    if isinstance(found, ProductLevel):
        return serve_product(found)
    return serve(found)


def _anchor(found: Code | ProductLevel) -> str:
    """The public URL a code's or product's links hang from (the link set's anchor)."""
    if isinstance(found, ProductLevel):
        return current_app.config["PUBLIC_BASE_URL"] + found.path
    return code_url(found)


def _linkset_link(found: Code | ProductLevel, representation: str = "") -> str:
    """The Link header: where the link set is, and on the link set itself the JSON-LD context that reads it."""
    link = f'<{_anchor(found)}?linkType=linkset>; rel="linkset"; type="{LINKSET_TYPE}"'
    return f"{link}, {LINKSET_CONTEXT_LINK}" if representation == "linkset" else link


def _options(resolve) -> object:
    """OPTIONS (a browser's CORS preflight, or a client asking what is there): the allowed methods and, when the
    address names something, the link to its link set. Nothing is recorded, and it is never refused."""
    response = make_response("", 204)
    response.headers["Allow"] = "GET, HEAD, OPTIONS"
    with suppress(LookupProblem):
        response.headers["Link"] = _linkset_link(resolve())
    return response


def _follow_link(found: Code | ProductLevel, link_type: str):
    """`?linkType=gs1:…`: redirect to that link (the best for the client's Accept), or 404 if there is none."""
    name = link_type_name(link_type)
    anchor = _anchor(found)
    links = product_links(anchor, "") if isinstance(found, ProductLevel) else code_links(anchor, "")
    targets = links.get(name or "")
    if not targets:
        raise LookupProblem(
            404, "no_link", _("There is no link of type %(type)s for this code.", type=link_type), typed=link_type
        )
    types = [target.get("type", "text/html") for target in targets]
    best = request.accept_mimetypes.best_match(types, default=types[0])
    href = targets[types.index(best)]["href"]
    # the rest of the query goes along (GS1-Conformant resolver: key=value pairs are passed on when redirecting)
    rest = [(key, value) for key, value in request.args.items(multi=True) if key != "linkType"]
    if rest:
        base, _hash, fragment = href.partition("#")
        href = f"{base}?{urlencode(rest)}" + (f"#{fragment}" if fragment else "")
    response = redirect(href, 307)
    response.headers["Link"] = _linkset_link(found)
    response.headers["Vary"] = "Accept, Accept-Language"
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


def serve_product(level: ProductLevel):
    """A product's own page: what it is, who makes it, and how to check a batch of it (no scan is recorded: no
    code was read)."""
    product = find_product(db.session, level.gtin)
    anchor = _anchor(level)
    representation = _representation()
    if representation == "linkset":
        body = current_app.json.dumps(as_linkset(anchor, product.name, product_links(anchor, product.name)))
    elif representation == "json":
        body = current_app.json.dumps(product_json(product, anchor, level))
    else:
        body = render_template("public/product.html", product=product, producer=product.organization, level=level)
    response = make_response(body)
    response.mimetype = {"json": "application/json", "linkset": LINKSET_TYPE}.get(representation, "text/html")
    response.headers["Vary"] = "Accept, Accept-Language, Cookie"
    response.headers["Link"] = _linkset_link(level, representation)
    response.headers["Cache-Control"] = "no-cache"
    return response


def serve(code: Code):
    """Record the scan and build the answer; an anonymous visitor's is offered to the cache (public/cache.py),
    which answers the next scans of the same request until the data, the day or the layout changes."""
    session = db.session
    scans = recorder()
    scans.add(session, code.id, request.remote_addr, request.user_agent.string, code.kind)
    representation = _representation()
    signed_in = current_user.is_authenticated
    lot = code.kind == CodeKind.LOT
    # only a unit code counts its scans: a lot code's scan need not walk the scans waiting to be written
    verification = verify(session, code.id, code.kind, [] if lot else scans.waiting(code.id))
    session.scalars(select(Batch).where(Batch.id == code.batch_id).options(*PAGE_RECORDS)).one()
    fresh = freshness(session, code)
    page = build_page(session, code, fresh, verification)
    locale = str(get_locale())
    if not lot and representation != "linkset" and not signed_in:
        # a unit code's page and JSON show its counts: kept cut around them, for either copy verdict, each scan
        # puts its own counts in (cache.fill)
        other = replace(verification, suspected_copy=not verification.suspected_copy)
        pages = {verification.suspected_copy: page, other.suspected_copy: build_page(session, code, fresh, other)}
        mark = None if representation == "html" else f"scan-counts-{secrets.token_hex(8)}"
        pieces = {
            verdict: cut(_body(p, representation, mark, counts_slot=slot), mark) for verdict, p in pages.items()
        }
        body = fill(pieces[verification.suspected_copy], verification, representation)
        counts = {v.suspected_copy: counts_forms(v) for v in (verification, other)} if mark is None else None
        first = verification.first_scanned_at
        offer(request.environ, Offer(code.id, code.kind, locale, pieces, counts, first, representation))
    else:
        body = _body(page, representation)
        if not signed_in:  # a lot code's answer, or a unit code's link set: kept whole
            offer(request.environ, Offer(code.id, code.kind, locale))
    response = make_response(body)
    response.mimetype = {"json": "application/json", "linkset": LINKSET_TYPE}.get(representation, "text/html")
    response.headers["Vary"] = "Accept, Accept-Language, Cookie"
    response.headers["Link"] = _linkset_link(code, representation)
    if not lot:
        # a unit code's page counts its scans: every answer is new, and nothing may keep it
        response.headers["Cache-Control"] = "no-store"
        return response
    audience = f"user{current_user.id}" if signed_in else "anonymous"
    response.set_etag(etag_of(f"{representation}|{audience}|{locale}", response.get_data()))
    response.last_modified = last_modified(page)
    # revalidate every time, so a suspension or recall shows at once even through a proxy
    response.headers["Cache-Control"] = ("private" if signed_in else "public") + ", no-cache"
    return response.make_conditional(request)  # 304 to a matching validator (a signed-in visitor's)


def _body(page, representation: str, mark: str | None = None, **context) -> str:
    """The answer's text; with `mark`, a unit code's JSON with strings `"{mark}:part"` where its counts go."""
    if representation == "json":
        data = page_json(page)
        if mark is not None:
            data["verification"] = f"{mark}:verification"
            data["warnings"] = [f"{mark}:warning" if w["kind"] == "suspected_copy" else w for w in data["warnings"]]
        return current_app.json.dumps(data)
    if representation == "linkset":
        return current_app.json.dumps(linkset(page))
    return render_template(
        "public/page.html",
        page=page,
        chemical_sentence=chemical_sentence,
        geo_uri=geo_uri,
        grouped=grouped,
        scanned_times=scanned_times,
        **context,
    )
