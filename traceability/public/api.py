"""JSON API of public."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("public_api", __name__, url_prefix="/api/v1", description="Public")
