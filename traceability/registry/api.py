"""JSON API of registry."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("registry_api", __name__, url_prefix="/api/v1", description="Registry")
