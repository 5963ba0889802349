"""The start page's box: what a person types there, a product code or the receipt of their report."""

from __future__ import annotations

from flask import redirect, request, url_for

from traceability import db
from traceability.auth import public
from traceability.codes.demo import EXAMPLE_CODE
from traceability.codes.identifiers import grouped
from traceability.extensions import limiter
from traceability.public import services
from traceability.public.views import bp, lookup


@bp.app_template_global()
def example_code() -> str:
    """The code shown as an example under the box: one the demo registers, so typing it shows a real page."""
    return grouped(EXAMPLE_CODE)


@bp.route("/check")
@limiter.exempt  # reading a page carries no rate limit (reports do)
@public
def check():
    """A receipt opens its report (a consumer following up); anything else is looked up as a product code."""
    report = services.report_for_typed(db.session, request.args.get("code") or "")
    if report is not None:
        return redirect(url_for("public.receipt", receipt=report.receipt), 303)
    return lookup()
