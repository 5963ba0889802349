"""What the installable workspace needs around the field pack: the manifest, the files the service worker keeps,
and the offline page's words (the phone's script has no catalog: the server writes them into the page)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import current_app, url_for
from flask_babel import gettext as _

# the files the offline page needs, kept by the service worker; the page itself is kept as well
SHELL_STATIC = [
    "css/app.css",
    "js/field.js",
    "js/scanner.js",
    "vendor/idb-keyval/idb-keyval.js",
    "vendor/jsqr/jsQR.js",
    "icons/inspect-192.png",
    "icons/inspect-512.png",
]


def shell_urls() -> list[str]:
    return [
        url_for("inspection.field_work"),
        url_for("inspection.manifest"),
        *(url_for("static", filename=name) for name in SHELL_STATIC),
    ]


def shell_version() -> str:
    """Changes whenever one of the kept files does, so phones replace their copies after an upgrade."""
    digest = hashlib.sha256()
    folder = Path(current_app.static_folder or "")
    for name in SHELL_STATIC:
        digest.update((folder / name).read_bytes())
    templates = Path(current_app.root_path).parent / "templates" / "inspect"
    for name in ("field.html", "sw.js"):
        path = templates / name
        if path.exists():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def manifest() -> dict:
    return {
        "name": _("Traceability inspection"),
        "short_name": _("Inspection"),
        "start_url": url_for("inspection.field_work"),
        "scope": url_for("inspection.home"),
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#166534",
        "icons": [
            {"src": url_for("static", filename=f"icons/inspect-{n}.png"), "sizes": f"{n}x{n}", "type": "image/png"}
            for n in (192, 512)
        ]
        + [
            {
                "src": url_for("static", filename="icons/inspect-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            }
        ],
    }


def field_strings() -> dict[str, str]:
    """The offline page's words in the inspector's language; `%(n)s`-style blanks are filled by the script."""
    return {
        "preparing": _("Preparing the field pack…"),
        "pack_ready": _("Field pack on this phone: %(n)s batches, prepared %(when)s."),
        "no_pack": _("No field pack on this phone yet. Prepare one while you have signal."),
        "pack_failed": _("The field pack could not be prepared: %(problem)s"),
        "choose_commune": _("Choose at least one commune."),
        "communes_matching": _("Matching: %(n)s of %(total)s communes and wards."),
        "no_commune_matches": _("No commune or ward matches."),
        "chosen_shown": _("Also shown: %(n)s already chosen."),
        "unknown_offline": _(
            "Unknown offline: this code is not in the field pack. Check it again when you have signal."
        ),
        "type_code": _("Type a code or a lot."),
        "producer": _("Producer"),
        "origin": _("Origin"),
        "category": _("Category"),
        "quantity": _("Quantity"),
        "harvested": _("Harvested"),
        "produced": _("Produced"),
        "expires": _("Expires"),
        "published": _("Published"),
        "reason": _("Reason"),
        "lot_code": _("Lot code"),
        "unit_codes": _("Unit codes"),
        "unit_codes_not_kept": _("%(n)s unit codes: too many to keep on the phone; the lot code leads here."),
        "process": _("Process"),
        "chemicals": _("Chemicals used"),
        "lab_tests": _("Lab tests"),
        "amendments": _("Amendments"),
        "inspections": _("Inspections"),
        "upstream": _("Warnings on its inputs"),
        "open_reports": _("Open consumer reports"),
        "none": _("None recorded."),
        "phi": _("Pre-harvest interval"),
        "saved": _("Saved on this phone. It is sent when the signal is back."),
        "waiting": _("Waiting to be sent: %(n)s"),
        "nothing_waiting": _("Nothing waits to be sent."),
        "photos_waiting": _("%(n)s photos waiting"),
        "sending": _("Sending…"),
        "sent": _("Sent."),
        "offline": _("No signal: everything stays on this phone until it can be sent."),
        "sign_in": _("Sign in again to send what waits on this phone."),
        "refused": _("Refused by the server: %(problem)s"),
        "discard": _("Discard"),
        "discard_confirm": _("Discard this record and its photos from this phone? The server did not keep it."),
        "conflict": _("The batch changed since the field pack was prepared; the request waits for your decision:"),
        "apply": _("Apply anyway"),
        "drop": _("Drop the request"),
        "suspend_requested": _("Suspension requested"),
        "recall_requested": _("Recall requested"),
        "result_required": _("Choose a result."),
        "reason_required": _("A suspension or a recall needs a reason."),
        "position_busy": _("Finding the position…"),
        "position_failed": _("The position is not available; type it or leave it empty."),
        "no_camera": _("The camera could not be opened. Type the code instead."),
        "open": _("Open"),
    }
