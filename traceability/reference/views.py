"""Pages of reference."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("reference", __name__)
