"""Photos taken during an inspection: at most five per inspection, kept through traceability.storage.

A phone photo is several megabytes; storage re-encodes it upright at 1600 px as a JPEG without the camera's
metadata, which keeps evidence readable and makes the record quick to open on a weak signal.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask_babel import gettext as _

from traceability import storage
from traceability.errors import invalid

MAX_PHOTOS = 5
FOLDER = "inspections"  # the inspection's `photos` lists file names in UPLOAD_DIR/inspections


def store_photos(files: list[Any], room: int = MAX_PHOTOS) -> list[str]:
    """Store the uploaded photos; returns their file names. Nothing is written if one of them is not a photo.

    `room` is how many more the inspection may take (photos are added to an existing one through the API).
    The files go with the session's transaction: removed again unless it commits with the inspection."""
    files = [f for f in files if f and f.filename]
    if len(files) > room:
        if room == MAX_PHOTOS:
            raise invalid("photos", _("At most %(n)s photos.", n=MAX_PHOTOS), location="files")
        message = _(
            "At most %(n)s photos per inspection: this one has room for %(room)s more.", n=MAX_PHOTOS, room=room
        )
        raise invalid("photos", message, location="files")
    checked = [storage.check(f, storage.INSPECTION_PHOTO, "photos", label=f.filename) for f in files]
    return [Path(storage.write(photo, FOLDER)).name for photo in checked]


def send_photo(name: str):
    return storage.send(f"{FOLDER}/{name}", name, storage.JPEG)
