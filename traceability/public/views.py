"""Public pages: the start page where a consumer types a code."""

from __future__ import annotations

from flask import Blueprint, render_template

from traceability.auth import public

bp = Blueprint("public", __name__)


@bp.route("/")
@public
def home():
    return render_template("public/home.html")
