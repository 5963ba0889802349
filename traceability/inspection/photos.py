"""Photos taken during an inspection: checked to be images, scaled down and stored under UPLOAD_DIR.

A phone photo is several megabytes; re-encoding it at 1600 px keeps evidence readable, makes the record
quick to open on a weak signal and drops the camera's metadata.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from traceability.errors import invalid

MAX_PHOTOS = 5
MAX_SIDE = 1600
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "MPO"}  # MPO: what some phones' cameras write


def photo_dir(upload_dir: str) -> Path:
    return Path(upload_dir) / "inspections"


def store_photos(upload_dir: str, files: list[Any], room: int = MAX_PHOTOS) -> list[str]:
    """Store the uploaded photos; returns their file names. Nothing is kept if one of them is not an image.

    `room` is how many more the inspection may take (photos are added to an existing one through the API)."""
    files = [f for f in files if f and f.filename]
    if len(files) > room:
        if room == MAX_PHOTOS:
            raise invalid("photos", _("At most %(n)s photos.", n=MAX_PHOTOS), location="files")
        message = _(
            "At most %(n)s photos per inspection: this one has room for %(room)s more.", n=MAX_PHOTOS, room=room
        )
        raise invalid("photos", message, location="files")
    images = []
    for upload in files:
        try:
            image = Image.open(upload.stream)
            if image.format not in ACCEPTED_FORMATS:
                raise UnidentifiedImageError(image.format)
            image = ImageOps.exif_transpose(image)
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            images.append(image.convert("RGB"))
        except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
            message = _("%(name)s is not a photo (JPEG, PNG or WebP).", name=upload.filename)
            raise invalid("photos", message, location="files") from None
    folder = photo_dir(upload_dir)
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for image in images:
        name = f"{secrets.token_hex(12)}.jpg"
        image.save(folder / name, "JPEG", quality=85)
        names.append(name)
    return names


def remove_photos(upload_dir: str, names: list[str]) -> None:
    """Undo store_photos when the inspection could not be saved."""
    for name in names:
        (photo_dir(upload_dir) / name).unlink(missing_ok=True)
