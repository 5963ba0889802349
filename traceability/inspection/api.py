"""JSON API of inspection."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("inspection_api", __name__, url_prefix="/api/v1", description="Inspection")
