"""Pages of codes."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("codes", __name__)
