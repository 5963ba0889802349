"""Pages of interop."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("interop", __name__)
