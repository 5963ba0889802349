"""JSON API of batches."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("batches_api", __name__, url_prefix="/api/v1", description="Batches")
