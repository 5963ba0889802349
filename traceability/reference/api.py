"""JSON API of reference."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("reference_api", __name__, url_prefix="/api/v1", description="Reference")
