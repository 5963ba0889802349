"""Who runs the registry: the agency named, with its emblem and hotline, on every page, and the favicon.

Set per deployment (AGENCY_* settings); unset, the province's own: Thái Nguyên's Department of Agriculture and
Environment. The defaults are translated, so they read in the page's language; a configured name is shown as set.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, url_for
from flask_babel import gettext as _

from traceability.auth import public
from traceability.public.views import bp


@dataclass(frozen=True)
class Agency:
    name: str
    hotline: str
    emblem_url: str
    privacy_note: str

    @property
    def hotline_href(self) -> str:
        return "tel:" + "".join(c for c in self.hotline if c.isdigit() or c == "+")


def agency() -> Agency:
    config = current_app.config
    return Agency(
        name=config.get("AGENCY_NAME") or _("Thái Nguyên provincial Department of Agriculture and Environment"),
        hotline=config.get("AGENCY_HOTLINE") or "",
        emblem_url=url_for("static", filename=config.get("AGENCY_EMBLEM") or "img/emblem.svg"),
        privacy_note=config.get("AGENCY_PRIVACY_NOTE")
        or _(
            "Privacy: a scan is counted without your name or address; a report's contact details are seen by the "
            "inspectors only, to answer you."
        ),
    )


@bp.app_context_processor
def _agency() -> dict:
    return {"agency": agency()}


@bp.route("/favicon.ico")
@public
def favicon():
    """Browsers ask for it at the root, whatever the page links."""
    return current_app.send_static_file("favicon.ico"), 200, {"Cache-Control": "public, max-age=604800"}
