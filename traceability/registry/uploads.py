"""Uploaded files (certificates, lab reports, product images): checked by content, stored outside the web root.

The type a browser claims is ignored: a PDF must start with `%PDF-`, an image must be a JPEG or PNG that Pillow
can decode. Product images are re-encoded (resized), which also drops anything hidden in the original file.
Files live under UPLOAD_DIR/<organisation id>/ with random names and are served only through views that check
who may see the record they belong to.

A file a row stops referring to (replaced, or its row deleted) is removed once the transaction commits, never
before, so a save that fails keeps the old file; a file a row started referring to is removed if the transaction
does not commit. A session hook does it, so every page, API call and service gets it.
"""

from __future__ import annotations

import functools
import io
import logging
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import current_app, has_app_context, send_file
from flask_babel import gettext as _
from PIL import Image, UnidentifiedImageError
from sqlalchemy import event, inspect
from sqlalchemy.orm import Mapper, Session, SessionTransaction
from werkzeug.exceptions import RequestEntityTooLarge

from traceability.errors import Invalid, NotFound, invalid

log = logging.getLogger(__name__)

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
        raise invalid(field, _("The file is empty."), location="files")
    if len(data) > limit:
        raise invalid(field, _("The file is larger than %(mb)s MB.", mb=limit // (1024 * 1024)), location="files")
    return data


class RequestTooLarge(Invalid):
    status = 413


def names_oversized_request(field: str) -> Callable:
    """For an API route: a request over MAX_CONTENT_LENGTH answers 413 naming the file field, in the API's error
    format. Goes below @roles (the caller is known first) and above @blp.arguments (which reads the body)."""

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            try:
                return view(*args, **kwargs)
            except RequestEntityTooLarge:
                mb = (current_app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024)
                message = _("The upload is larger than %(mb)s MB in all.", mb=mb)
                raise RequestTooLarge({field: [message]}, location="files") from None

        return wrapper

    return decorate


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
        raise invalid(field, _("Upload a PDF, JPEG or PNG file."), location="files")
    return _write(org_id, data, content_type), content_type


def store_image(file: Any, org_id: int, field: str = "image") -> tuple[str, str]:
    """Keep a JPEG or PNG image, resized to at most 1200 px a side. Returns (stored path, content type)."""
    data = _read(file, field)
    if sniff(data, allow_pdf=False) is None:
        raise invalid(field, _("Upload a JPEG or PNG image."), location="files")
    resized, content_type = _resized(data)
    return _write(org_id, resized, content_type), content_type


def _upload_root() -> Path:
    return Path(current_app.config["UPLOAD_DIR"])


@contextmanager
def discard_on_error(stored: tuple[str, str] | None) -> Iterator[None]:
    """Remove a file stored for a record when saving the record fails: no file without its row."""
    try:
        yield
    except BaseException:
        if stored:
            (_upload_root() / stored[0]).unlink(missing_ok=True)
        raise


def send_upload(relative: str | None, content_type: str | None, download_name: str):
    """Answer with a stored file (the caller has checked the visitor may see it)."""
    if not relative:
        raise NotFound(_("No file."))
    root = _upload_root().resolve()
    path = (root / relative).resolve()
    if root not in path.parents or not path.is_file():
        raise NotFound(_("No file."))
    response = send_file(path, mimetype=content_type or "application/octet-stream", download_name=download_name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox"
    response.headers["Cache-Control"] = "private, max-age=0"
    return response


def send_product_image(product: Any):
    kind = PNG if (product.image_path or "").endswith(".png") else JPEG
    return send_upload(product.image_path, kind, f"product-{product.id}")


def send_document(record: Any, name: str):
    """A certificate's or lab test's document, downloaded as `{name}-{id}`."""
    return send_upload(record.document_path, record.document_type, f"{name}-{record.id}")


# ---- keeping UPLOAD_DIR in step with the rows: columns marked STORED_FILE (registry/models.py) are watched

_DOOMED = "uploads_unreferenced"  # Session.info: files rows stopped referring to; removed when that commits
_ADDED = "uploads_referenced"  # Session.info: files rows started referring to; removed if that never commits
_file_keys: dict[Mapper, list[str]] = {}


def _stored_file_keys(mapper: Mapper) -> list[str]:
    if mapper not in _file_keys:
        _file_keys[mapper] = [
            prop.key for prop in mapper.column_attrs if any(c.info.get("stored_file") for c in prop.columns)
        ]
    return _file_keys[mapper]


def _unlink(paths: Iterable[str]) -> None:
    for path in paths:
        try:
            Path(path).unlink(missing_ok=True)
        except OSError:  # the rows are right either way; a file left behind is only wasted space
            log.warning("could not remove %s", path, exc_info=True)


@event.listens_for(Session, "after_flush")
def _note_file_changes(session: Session, _flush_context: object) -> None:
    if not has_app_context():
        return  # no UPLOAD_DIR to resolve against; leaving a file is harmless
    doomed: list[str] = []
    added: list[str] = []
    for obj in [*session.new, *session.dirty, *session.deleted]:
        state = inspect(obj)
        for key in _stored_file_keys(state.mapper):
            history = state.attrs[key].history
            doomed.extend(history.deleted)
            if obj in session.deleted:
                doomed.extend([*history.unchanged, *history.added])
            else:
                added.extend(history.added)
    root = _upload_root()
    for info_key, paths in ((_DOOMED, doomed), (_ADDED, added)):
        if any(paths):
            session.info.setdefault(info_key, set()).update(str(root / p) for p in paths if p)


@event.listens_for(Session, "after_commit")
def _commit_file_changes(session: Session) -> None:
    session.info.pop(_ADDED, None)
    _unlink(session.info.pop(_DOOMED, ()))


@event.listens_for(Session, "after_soft_rollback")
def _keep_old_files(session: Session, _previous: SessionTransaction) -> None:
    # any rollback, a savepoint's too, keeps every file pending removal: rows may still refer to them
    session.info.pop(_DOOMED, None)


@event.listens_for(Session, "after_transaction_end")
def _drop_new_files(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # ended without a commit (a commit has emptied both lists already)
        session.info.pop(_DOOMED, None)
        _unlink(session.info.pop(_ADDED, ()))
