"""Public pages: the start page, the consumer's page of a code (short or GS1 Digital Link form), the resolver.

One page serves three representations: HTML for people, JSON (`Accept: application/json`) and the GS1 link set
(`?linkType=all` or `Accept: application/linkset+json`). A scan is recorded for every resolution.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, make_response, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user
from werkzeug.http import is_resource_modified

from traceability import db
from traceability.auth import public
from traceability.codes.identifiers import grouped
from traceability.codes.models import CodeKind
from traceability.errors import error_payload
from traceability.extensions import cache, limiter
from traceability.public.facts import PAGE_RECORDS, build_page, chemical_sentence
from traceability.public.freshness import freshness
from traceability.public.pagecache import offer
from traceability.public.probe import Probe
from traceability.public.representations import (
    LINKSET_TYPE,
    geo_uri,
    linkset,
    page_json,
    put_counts,
    resolver_description,
    scanned_times,
    stand_in_counts,
)
from traceability.public.resolution import (
    LookupProblem,
    canonical_code,
    find_code,
    find_digital_link,
    load_code,
    probe_url,
)
from traceability.public.scans import recorder, verify

bp = Blueprint("public", __name__)

# Reading a page carries no rate limit (reports do): skip the limiter's per-request work for these reads.
UNLIMITED_READS = frozenset({"public.home", "public.lookup", "public.code_page", "public.digital_link"})


@limiter.request_filter
def _unlimited_read() -> bool:
    return request.method in ("GET", "HEAD") and request.endpoint in UNLIMITED_READS


@bp.route("/")
@public
def home():
    return render_template("public/home.html")


def _representation() -> str:
    if request.args.get("linkType") == "all":
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
@public
def lookup():
    """The start page's form: redirect what was typed to its canonical page."""
    typed = (request.args.get("code") or "").strip()
    if not typed:
        return redirect(url_for("public.home"))
    return redirect(url_for("public.code_page", code=canonical_code(typed)), 303)


@bp.route("/c/<code>")
@public
def code_page(code: str):
    found = find_code(db.session, code)
    if code != found.value:  # one address per code: any case or grouping redirects to the canonical one
        query = request.query_string.decode()
        return redirect(url_for("public.code_page", code=found.value) + (f"?{query}" if query else ""), 301)
    return serve(found)


@bp.route("/01/<gtin>")
@bp.route("/01/<gtin>/10/<lot>")
@bp.route("/01/<gtin>/10/<lot>/21/<serial>")
@bp.route("/01/<gtin>/21/<serial>")
@bp.route("/01/<gtin>/<path:rest>")
@public
def digital_link(**_parts: str):
    # the raw path keeps an escaped '/' inside a lot or serial number that routing would have split
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or request.path
    return serve(find_digital_link(db.session, raw.split("?", 1)[0]))


@bp.route("/.well-known/gs1resolver")
@public
def gs1resolver():
    response = jsonify(resolver_description())
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


def serve(found: Probe):
    """Record the scan, then answer 304, a cached body, or a freshly built page."""
    session = db.session
    scans = recorder()
    scans.add(session, found.code_id, request.remote_addr, request.user_agent.string, found.kind)
    representation = _representation()
    signed_in = current_user.is_authenticated
    audience = f"user{current_user.id}" if signed_in else "anonymous"
    variant = f"{representation}|{audience}|{request.query_string.decode()}"
    fresh = freshness(session, found, variant, str(get_locale()))
    lot = found.kind == CodeKind.LOT
    # only a unit code counts its scans: a lot code's scan need not walk the scans waiting to be written
    verification = verify(session, found.code_id, found.kind, [] if lot else scans.waiting(found.code_id))

    if lot and not is_resource_modified(request.environ, etag=fresh.etag, last_modified=fresh.last_modified):
        return _headers(make_response("", 304), found, fresh, lot, signed_in)
    # kept in the shared cache under the validator: a lot code's answers, and a unit code's page without its counts
    keep = not signed_in and (lot or representation == "html")
    key = f"public-page:{fresh.etag}" if lot else f"public-page:{fresh.etag}:{verification.suspected_copy}"
    body = cache.get(key) if keep else None
    if body is None:
        shown = stand_in_counts(verification.suspected_copy) if keep and not lot else verification
        body = _body(session, found, fresh, shown, representation)
        if keep:
            cache.set(key, body)
    if keep and not lot:
        body = put_counts(body, verification)
    if lot and not signed_in:
        offer(request.environ, found.code_id)  # repeats of this request may be answered from memory
    response = make_response(body)
    response.mimetype = {"json": "application/json", "linkset": LINKSET_TYPE}.get(representation, "text/html")
    return _headers(response, found, fresh, lot, signed_in)


def _body(session, found: Probe, fresh, verification, representation: str) -> str:
    page = build_page(session, load_code(session, found, *PAGE_RECORDS), fresh, verification)
    if representation == "json":
        return current_app.json.dumps(page_json(page))
    if representation == "linkset":
        return current_app.json.dumps(linkset(page))
    return render_template(
        "public/page.html",
        page=page,
        chemical_sentence=chemical_sentence,
        geo_uri=geo_uri,
        grouped=grouped,
        scanned_times=scanned_times,
    )


def _headers(response, found: Probe, fresh, cacheable: bool, signed_in: bool):
    response.headers["Vary"] = "Accept, Accept-Language, Cookie"
    linkset_url = probe_url(found) + "?linkType=all"
    response.headers["Link"] = f'<{linkset_url}>; rel="linkset"; type="{LINKSET_TYPE}"'
    if not cacheable:
        # a unit code's page counts its scans: every answer is new, and nothing may keep it
        response.headers["Cache-Control"] = "no-store"
        return response
    response.set_etag(fresh.etag)
    response.last_modified = fresh.last_modified
    # revalidate every time, so a suspension or recall shows at once even through a proxy
    response.headers["Cache-Control"] = ("private" if signed_in else "public") + ", no-cache"
    return response


from traceability.public import report_views  # noqa: E402, F401  (routes of the same blueprint)
