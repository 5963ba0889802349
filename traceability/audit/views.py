"""The newest anchored head of the audit chain, public, so that anyone can keep it and hold the registry to it."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from traceability.audit.anchors import latest_anchor
from traceability.auth import public

bp = Blueprint("audit", __name__)


@bp.route("/audit/head")
@public
def head():
    """The newest head in the anchor file, with its HMAC-SHA256 signature made with the audit key: whoever keeps a
    copy can later ask the operator to show, with the key, that the signature is theirs and that entry `seq` of
    the chain still has this hash."""
    anchor = latest_anchor(current_app.config["AUDIT_ANCHOR_FILE"])
    if anchor is None:
        response = jsonify({"anchored": False})
    else:
        response = jsonify(
            {"anchored": True, **anchor.content(), "signature": anchor.signature, "algorithm": "HMAC-SHA256"}
        )
    response.headers["Cache-Control"] = "no-cache"
    return response
