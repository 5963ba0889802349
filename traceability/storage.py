"""Uploaded files: every product image, certificate, lab report, inspection photo and consumer photo comes in here.

- Checked by content, never by the file's name or the type the client claims: a PDF must start with `%PDF-`,
  an image must be one of the formats its use allows and decode with Pillow.
- Image bombs are refused from the header, before anything is decoded: each use has a pixel cap, and Pillow's own
  limit (`Image.MAX_IMAGE_PIXELS`) is lowered to match for any other code that opens an image.
- Images are re-encoded: turned upright by their EXIF orientation, scaled down where the use says, saved without
  any metadata (EXIF with its GPS position, XMP, text chunks), so a consumer's phone position cannot leak and
  nothing hidden in the original survives.
- Stored names are random, never the client's; every path is resolved and must stay inside UPLOAD_DIR.
- A file is written whole or not at all (a temporary file renamed into place). When the folder cannot be written
  (read-only, full, missing) `StorageUnavailable` answers 503 with Retry-After; the caller's row is not created.
- One clean-up, by a hook on the app's session: a file written during a transaction that does not commit is
  removed, and so is one no row came to refer to; a file rows stop referring to (replaced, or its row deleted)
  is removed once the transaction commits, never before. Columns holding stored paths are marked
  `info=STORED_FILE` (a path under UPLOAD_DIR, or a list of names under a folder with `stored_files_in`).
"""

from __future__ import annotations

import functools
import io
import logging
import os
import secrets
import tempfile
import time
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, current_app, has_app_context, send_file
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeTimedSerializer
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import event, inspect
from sqlalchemy.orm import Mapper, Session, SessionTransaction
from werkzeug.exceptions import RequestEntityTooLarge

from traceability import db
from traceability.errors import Invalid, NotFound, ServiceError, invalid

log = logging.getLogger(__name__)

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
WEBP = "image/webp"
CSV = "text/csv"  # an import file kept for the worker (jobs), never served back
EXTENSIONS = {PDF: "pdf", JPEG: "jpg", PNG: "png", WEBP: "webp", CSV: "csv"}
CONTENT_TYPES = {ext: kind for kind, ext in EXTENSIONS.items()}
# Pillow's format names (its JPEG reader also opens MPO, the multi-picture JPEG some phone cameras write)
IMAGE_FORMATS = ("JPEG", "PNG", "WEBP")

STORED_FILE = {"stored_file": True}  # a column holding one path under UPLOAD_DIR


def stored_files_in(folder: str) -> dict[str, str]:
    """`info=` for a JSON column holding a list of file names stored under UPLOAD_DIR/folder."""
    return {"stored_file": folder}


@dataclass(frozen=True)
class Use:
    """What one kind of upload accepts and how it is kept."""

    accepts_pdf: bool
    refused: Any  # the message for content of another type (lazy: translated when shown)
    max_pixels: int  # images over this are refused from their header, before decoding
    max_side: int | None = None  # images are scaled down to fit this square; None keeps their size
    photo: bool = False  # always a JPEG; otherwise a PNG stays a PNG where transparency or sharp text matters
    keep_png: bool = False  # documents: a scanned page stays PNG (lossless)
    max_bytes_setting: str | None = "UPLOAD_MAX_BYTES"  # config key; None: only the request limit applies


PRODUCT_IMAGE = Use(False, _l("Upload a JPEG, PNG or WebP image."), max_pixels=25_000_000, max_side=1200)
DOCUMENT = Use(True, _l("Upload a PDF, JPEG, PNG or WebP file."), max_pixels=40_000_000, keep_png=True)
INSPECTION_PHOTO = Use(
    False,
    _l("Upload a photo (JPEG, PNG or WebP)."),
    max_pixels=40_000_000,
    max_side=1600,
    photo=True,
    max_bytes_setting=None,
)
CONSUMER_PHOTO = Use(
    False,
    _l("Upload a photo (JPEG, PNG or WebP)."),
    max_pixels=40_000_000,
    max_side=2000,
    photo=True,
    max_bytes_setting="REPORT_PHOTO_MAX_BYTES",
)
USES = (PRODUCT_IMAGE, DOCUMENT, INSPECTION_PHOTO, CONSUMER_PHOTO)

# Pillow refuses (DecompressionBombError) images over twice this anywhere in the process; between this and twice
# it, Pillow only warns, and each use's own cap (checked right after the header is read) decides
Image.MAX_IMAGE_PIXELS = max(use.max_pixels for use in USES)
warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)


class StorageUnavailable(ServiceError):
    """The upload folder cannot be written (read-only, full, gone): 503, try again later."""

    status = 503
    retry_after = 120  # seconds: long enough for someone to free the disk, short for a phone to retry

    def __init__(self) -> None:
        super().__init__(_("Files cannot be stored right now. Nothing was saved; please try again in a few minutes."))


class RequestTooLarge(Invalid):
    status = 413


@dataclass(frozen=True)
class Checked:
    """Content that passed its use's checks, ready to be written."""

    data: bytes
    content_type: str

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.content_type]


# ---- checking content


def _field_error(field: str, message: str, label: str | None) -> Invalid:
    # several files in one field (inspection photos): say which one
    if label:
        message = _("%(name)s: %(problem)s", name=label, problem=message)
    return invalid(field, message, location="files")


def _read(file: Any, use: Use, field: str, label: str | None) -> bytes:
    limit = current_app.config.get(use.max_bytes_setting, 5 * 1024 * 1024) if use.max_bytes_setting else None
    data = file.read(limit + 1) if limit else file.read()
    if not data:
        raise _field_error(field, _("The file is empty."), label)
    if limit and len(data) > limit:
        mb = max(1, limit // (1024 * 1024))
        raise _field_error(field, _("The file is larger than %(mb)s MB.", mb=mb), label)
    return data


def _too_many_pixels(field: str, use: Use, size: tuple[int, int] | None, label: str | None) -> Invalid:
    if size:
        message = _(
            "The image is %(width)s × %(height)s pixels; at most %(mp)s million pixels are accepted.",
            width=size[0],
            height=size[1],
            mp=use.max_pixels // 1_000_000,
        )
    else:
        mp = use.max_pixels // 1_000_000
        message = _("The image has too many pixels; at most %(mp)s million pixels are accepted.", mp=mp)
    return _field_error(field, message, label)


def _reencoded(data: bytes, use: Use, field: str, label: str | None) -> Checked:
    refused = _field_error(field, str(use.refused), label)
    try:
        image = Image.open(io.BytesIO(data), formats=IMAGE_FORMATS)  # reads the header only
    except Image.DecompressionBombError:
        raise _too_many_pixels(field, use, None, label) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise refused from None
    with image:
        if image.width * image.height > use.max_pixels:
            raise _too_many_pixels(field, use, image.size, label)
        source_format = image.format
        try:
            if use.max_side and source_format in ("JPEG", "MPO"):
                image.draft("RGB", (use.max_side, use.max_side))  # decode a JPEG at a fraction of its size
            image.load()
            upright = ImageOps.exif_transpose(image)
            if use.max_side:
                upright.thumbnail((use.max_side, use.max_side))
            has_alpha = upright.mode in ("RGBA", "LA", "PA") or (upright.mode == "P" and "transparency" in upright.info)
            out = io.BytesIO()
            # no exif=, no pnginfo=: the copy carries none of the original's metadata
            if not use.photo and source_format == "PNG" and (use.keep_png or has_alpha or upright.mode == "P"):
                upright.save(out, "PNG", optimize=True)
                return Checked(out.getvalue(), PNG)
            if has_alpha:  # a JPEG has no transparency: lay the image on white rather than on black
                rgba = upright.convert("RGBA")
                rgb = Image.new("RGB", rgba.size, "white")
                rgb.paste(rgba, mask=rgba.getchannel("A"))
            else:
                rgb = upright.convert("RGB") if upright.mode != "RGB" else upright
            rgb.save(out, "JPEG", quality=85, optimize=True)
            return Checked(out.getvalue(), JPEG)
        except Image.DecompressionBombError:
            raise _too_many_pixels(field, use, image.size, label) from None
        except (OSError, SyntaxError, ValueError, EOFError, IndexError):  # truncated or corrupt past its header
            raise refused from None


def check(file: Any, use: Use, field: str, label: str | None = None) -> Checked:
    """Read an upload and check it for `use`; images come back re-encoded. Bad content raises Invalid (422)
    naming `field` (and `label`, the client's file name, where several files share a field)."""
    data = _read(file, use, field, label)
    if data.startswith(b"%PDF-"):
        if use.accepts_pdf:
            return Checked(data, PDF)
        raise _field_error(field, str(use.refused), label)
    return _reencoded(data, use, field, label)


# ---- writing and reading under UPLOAD_DIR


def upload_root() -> Path:
    return Path(current_app.config["UPLOAD_DIR"])


def inside(relative: str) -> Path | None:
    """The absolute path of a stored file, or None if `relative` would lead outside UPLOAD_DIR."""
    root = upload_root().resolve()
    path = (root / relative).resolve()
    return path if root in path.parents else None


def write(checked: Checked, folder: str, *, with_transaction: bool = True) -> str:
    """Store checked content under UPLOAD_DIR/folder with a random name; returns the path relative to UPLOAD_DIR.

    Written whole or not at all; a folder that cannot be written raises StorageUnavailable. Until the session's
    transaction commits with a row referring to it, the file is removed again if the transaction ends otherwise
    (unless `with_transaction` is False: a pending upload outlives the request that refused its form).
    """
    relative = f"{folder}/{secrets.token_hex(16)}.{checked.extension}"
    target = inside(relative)
    if target is None:  # `folder` comes from our code, never from a client; a bug, not bad input
        raise ValueError(f"upload folder outside UPLOAD_DIR: {folder!r}")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".part-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(checked.data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError:
        log.exception("cannot store an upload under %s", target.parent)
        raise StorageUnavailable() from None
    if with_transaction:
        _note_written(target)
    return relative


def store(file: Any, use: Use, field: str, folder: str) -> tuple[str, str]:
    """Check and write one upload. Returns (path relative to UPLOAD_DIR, content type)."""
    checked = check(file, use, field)
    return write(checked, folder), checked.content_type


# ---- pending uploads: a file chosen on a form that is sent back for another field's mistake

PENDING_FOLDER = "pending"
PENDING_MAX_AGE = 24 * 3600  # seconds a kept file waits for its form to be corrected


@dataclass(frozen=True)
class Pending:
    """An upload that passed its checks and waits, outside any row, for its form to be saved."""

    token: str  # signed: names the file, so the form carries it back without the client choosing a path
    name: str  # the client's file name, shown as "File kept: …"
    path: str
    content_type: str

    def claim(self, folder: str) -> tuple[str, str]:
        """A stored copy for a row to refer to (removed if the save fails); the kept file goes once it commits."""
        source = inside(self.path)
        try:
            data = source.read_bytes() if source else None
        except OSError:
            data = None
        if data is None:
            raise NotFound(_("The kept file is no longer there: please choose it again."))
        stored = write(Checked(data, self.content_type), folder)
        db.session().info.setdefault(_DOOMED, set()).add(str(source))
        return stored, self.content_type


def _pending_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="pending-upload")


def keep_pending(checked: Checked, name: str, folder: str) -> Pending:
    """Keep checked content aside for a form sent back for another field's mistake (outside any transaction)."""
    _sweep_pending(folder)
    relative = write(checked, f"{PENDING_FOLDER}/{folder}", with_transaction=False)
    name = Path(name.replace("\\", "/")).name[:120]
    token = _pending_serializer().dumps({"p": relative, "n": name, "t": checked.content_type})
    return Pending(token, name, relative, checked.content_type)


def find_pending(token: str | None, folder: str) -> Pending | None:
    """The file a previous try of the form kept, if the token is genuine, this folder's and not too old."""
    if not token:
        return None
    try:
        kept = _pending_serializer().loads(token, max_age=PENDING_MAX_AGE)
    except (BadSignature, TypeError, ValueError):
        return None
    if not isinstance(kept, dict) or not str(kept.get("p", "")).startswith(f"{PENDING_FOLDER}/{folder}/"):
        return None
    path = inside(kept["p"])
    if path is None or not path.is_file():
        return None
    return Pending(token, str(kept.get("n") or path.name), kept["p"], str(kept.get("t") or ""))


def _sweep_pending(folder: str) -> None:
    """Remove this folder's kept files whose forms were never saved."""
    directory = inside(f"{PENDING_FOLDER}/{folder}")
    if directory is None or not directory.is_dir():
        return
    cutoff = time.time() - PENDING_MAX_AGE
    for path in directory.iterdir():
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
        except OSError:
            log.warning("could not remove %s", path, exc_info=True)


def send(relative: str | None, download_name: str, content_type: str | None = None, public_max_age: int = 0):
    """Answer with a stored file (the caller has checked the visitor may see it)."""
    path = inside(relative) if relative else None
    if path is None or not path.is_file():
        raise NotFound(_("No file."))
    kind = content_type or CONTENT_TYPES.get(path.suffix.lstrip("."), "application/octet-stream")
    try:
        response = send_file(path, mimetype=kind, download_name=download_name, max_age=public_max_age or None)
    except OSError:
        log.exception("cannot read %s", path)
        raise StorageUnavailable() from None
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox"
    if not public_max_age:  # behind a login: no shared cache keeps it
        response.headers["Cache-Control"] = "private, max-age=0"
    return response


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


# ---- keeping UPLOAD_DIR in step with the rows

_WRITTEN = "storage_written"  # Session.info: files written in this transaction
_REFERENCED = "storage_referenced"  # files rows started referring to in this transaction
_DOOMED = "storage_unreferenced"  # files rows stopped referring to; removed when the transaction commits
_file_keys: dict[Mapper, list[tuple[str, str]]] = {}


def _note_written(path: Path) -> None:
    session = db.session()
    if not session.in_transaction():
        session.begin()  # so that the file goes with this transaction, committed or not
    session.info.setdefault(_WRITTEN, set()).add(str(path))


def _stored_file_keys(mapper: Mapper) -> list[tuple[str, str]]:
    """(attribute, folder) of each column marked STORED_FILE or stored_files_in(folder)."""
    if mapper not in _file_keys:
        keys = []
        for prop in mapper.column_attrs:
            for column in prop.columns:
                marker = column.info.get("stored_file")
                if marker:
                    keys.append((prop.key, "" if marker is True else marker))
        _file_keys[mapper] = keys
    return _file_keys[mapper]


def _paths(values: Iterable[Any], folder: str) -> set[str]:
    names: set[str] = set()
    for value in values:
        if isinstance(value, list | tuple):
            names.update(v for v in value if isinstance(v, str) and v)
        elif isinstance(value, str) and value:
            names.add(value)
    found = (inside(f"{folder}/{name}" if folder else name) for name in names)
    return {str(path) for path in found if path is not None}


def _unlink(paths: Iterable[str]) -> None:
    for path in paths:
        try:
            Path(path).unlink(missing_ok=True)
        except OSError:  # the rows are right either way; a file left behind is only wasted space
            log.warning("could not remove %s", path, exc_info=True)


def _note_file_changes(session: Session, _flush_context: object) -> None:
    if not has_app_context():
        return  # no UPLOAD_DIR to resolve against; leaving a file is harmless
    for obj in [*session.new, *session.dirty, *session.deleted]:
        state = inspect(obj)
        for key, folder in _stored_file_keys(state.mapper):
            history = state.attrs[key].history
            if obj in session.deleted:
                before, after = [*history.deleted, *history.unchanged, *history.added], []
            else:
                before, after = [*history.deleted, *history.unchanged], [*history.unchanged, *history.added]
            old, new = _paths(before, folder), _paths(after, folder)
            if old - new:
                session.info.setdefault(_DOOMED, set()).update(old - new)
            if new - old:
                session.info.setdefault(_REFERENCED, set()).update(new - old)


def _commit_file_changes(session: Session) -> None:
    referenced = session.info.pop(_REFERENCED, set())
    written = session.info.pop(_WRITTEN, set())
    _unlink(session.info.pop(_DOOMED, set()) - referenced)
    _unlink(written - referenced)  # written, but no row came to refer to it


def _keep_old_files(session: Session, _previous: SessionTransaction) -> None:
    # any rollback, a savepoint's too, keeps every file pending removal: rows may still refer to them
    session.info.pop(_DOOMED, None)


def _drop_new_files(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # ended without a commit (a commit has emptied the lists already)
        session.info.pop(_DOOMED, None)
        session.info.pop(_REFERENCED, None)
        _unlink(session.info.pop(_WRITTEN, ()))


_HOOKS = (
    ("after_flush", _note_file_changes),
    ("after_commit", _commit_file_changes),
    ("after_soft_rollback", _keep_old_files),
    ("after_transaction_end", _drop_new_files),
)


def init_app(app: Flask) -> None:
    """Watch the app's session (db.session's factory), once however many apps are made."""
    factory = db.session.session_factory
    for name, hook in _HOOKS:
        if not event.contains(factory, name, hook):
            event.listen(factory, name, hook)
