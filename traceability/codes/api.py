"""JSON API of codes."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("codes_api", __name__, url_prefix="/api/v1", description="Codes")
