"""Uploaded files (certificates, lab reports, product images): checked by content, stored outside the web root.

The type a browser claims is ignored: a PDF must start with `%PDF-`, an image must be a JPEG or PNG that Pillow
can decode. Product images are re-encoded (resized), which also drops anything hidden in the original file.
Files live under UPLOAD_DIR/<organisation id>/ with random names and are served only through views that check
who may see the record they belong to.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import current_app, send_file
from flask_babel import gettext as _
from PIL import Image, UnidentifiedImageError

from traceability.errors import NotFound, invalid

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
IMAGE_TYPES = {"JPEG": JPEG, "PNG": PNG}
EXTENSIONS = {PDF: "pdf", JPEG: "jpg", PNG: "png"}
IMAGE_MAX_SIDE = 1200


def max_bytes() -> int:
    return int(current_app.config.get("UPLOAD_MAX_BYTES", 5 * 1024 * 1024))


def _read(file: Any, field: str) -> bytes:
    limit = max_bytes()
    data = file.read(limit + 1)
    if not data:
        raise invalid(field, _("The file is empty."))
    if len(data) > limit:
        raise invalid(field, _("The file is larger than %(mb)s MB.", mb=limit // (1024 * 1024)))
    return data


def _image_type(data: bytes) -> str | None:
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind = IMAGE_TYPES.get(image.format or "")
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return None
    return kind


def sniff(data: bytes, *, allow_pdf: bool) -> str | None:
    """The real type of the content (PDF, JPEG or PNG), or None."""
    if data.startswith(b"%PDF-"):
        return PDF if allow_pdf else None
    return _image_type(data)


def _resized(data: bytes) -> tuple[bytes, str]:
    with Image.open(io.BytesIO(data)) as image:
        image.thumbnail((IMAGE_MAX_SIDE, IMAGE_MAX_SIDE))
        keep_alpha = image.mode in ("RGBA", "LA", "P") and image.format == "PNG"
        out = io.BytesIO()
        if keep_alpha:
            image.save(out, "PNG", optimize=True)
            return out.getvalue(), PNG
        image.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
        return out.getvalue(), JPEG


def _write(org_id: int, data: bytes, content_type: str) -> str:
    relative = f"{org_id}/{uuid.uuid4().hex}.{EXTENSIONS[content_type]}"
    path = Path(current_app.config["UPLOAD_DIR"]) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return relative


def store_document(file: Any, org_id: int, field: str = "document") -> tuple[str, str]:
    """Keep a PDF, JPEG or PNG document. Returns (stored path, content type)."""
    data = _read(file, field)
    content_type = sniff(data, allow_pdf=True)
    if content_type is None:
        raise invalid(field, _("Upload a PDF, JPEG or PNG file."))
    return _write(org_id, data, content_type), content_type


def store_image(file: Any, org_id: int, field: str = "image") -> tuple[str, str]:
    """Keep a JPEG or PNG image, resized to at most 1200 px a side. Returns (stored path, content type)."""
    data = _read(file, field)
    if sniff(data, allow_pdf=False) is None:
        raise invalid(field, _("Upload a JPEG or PNG image."))
    resized, content_type = _resized(data)
    return _write(org_id, resized, content_type), content_type


@contextmanager
def discard_on_error(stored: tuple[str, str] | None) -> Iterator[None]:
    """Remove a file stored for a record when saving the record fails: no file without its row."""
    try:
        yield
    except BaseException:
        if stored:
            (Path(current_app.config["UPLOAD_DIR"]) / stored[0]).unlink(missing_ok=True)
        raise


def send_upload(relative: str | None, content_type: str | None, download_name: str):
    """Answer with a stored file (the caller has checked the visitor may see it)."""
    if not relative:
        raise NotFound(_("No file."))
    root = Path(current_app.config["UPLOAD_DIR"]).resolve()
    path = (root / relative).resolve()
    if root not in path.parents or not path.is_file():
        raise NotFound(_("No file."))
    response = send_file(path, mimetype=content_type or "application/octet-stream", download_name=download_name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox"
    response.headers["Cache-Control"] = "private, max-age=0"
    return response
