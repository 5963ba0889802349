"""JSON API of interop."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("interop_api", __name__, url_prefix="/api/v1", description="Interop")
