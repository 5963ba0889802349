"""Repeat scans of a lot code, answered from memory before Flask's request stack.

A lot code is printed on every package of a batch, so its page is asked for again and again, by phones that
send the same few headers. The first answer is built by the view as usual. When the view marks it as
shareable (anonymous, a lot code, status 200, no cookie set), this middleware keeps its status, headers and
body in the process, keyed by everything the answer depends on in the request: the address and query, the
host, `Accept`, `Accept-Language` and the language cookie. A request carrying any other cookie (a session,
a signed-in visitor) always goes to Flask.

A kept answer is replayed only while nothing it shows can have changed:
- the data: every change of data is recorded in the audit chain, whose newest hash is read (one statement on
  its one-row head) on every request and must be what it was when the answer was built;
- the day: expiry and certificate validity are judged on the local date.
Otherwise the request goes to Flask, which builds (or finds in the shared cache) the answer again and keeps
it anew. A replay records the scan like the view does, and answers 304 to a matching `If-None-Match`.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from cachetools import LRUCache
from werkzeug.http import is_resource_modified, parse_cookie, parse_date, remove_entity_headers, unquote_etag

from traceability import db
from traceability.audit.services import data_version
from traceability.i18n import LANG_COOKIE
from traceability.public.freshness import local_today
from traceability.public.scans import ScanRecorder

log = logging.getLogger(__name__)

OFFER = "traceability.page_cache.code_id"  # environ key: set by the view to the code whose answer may be kept
_VERSION = "traceability.page_cache.version"
# the paths of pages the view may offer: a code's page, short or GS1 Digital Link (not its report form or image)
_PAGE_PATH = re.compile(r"/c/[^/]+|/01/.+")
_CONDITIONAL = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE")


def _read(body: Iterable[bytes]) -> bytes:
    try:
        return b"".join(body)
    finally:
        if hasattr(body, "close"):
            body.close()


def offer(environ: dict[str, Any], code_id: int) -> None:
    """Let the page cache keep this request's answer (the view calls it for anonymous lot-code pages)."""
    if _VERSION in environ:
        environ[OFFER] = code_id


@dataclass(frozen=True)
class Entry:
    version: tuple[str | None, dt.date]
    code_id: int
    status: str
    headers: list[tuple[str, str]]
    body: bytes
    etag: str | None
    last_modified: dt.datetime | None


def request_key(environ: dict[str, Any]) -> tuple | None:
    """What an answer may depend on in this request, or None if the request is not one to answer from memory."""
    if environ.get("REQUEST_METHOD") != "GET" or not _PAGE_PATH.fullmatch(environ.get("PATH_INFO", "")):
        return None
    lang = None
    if "HTTP_COOKIE" in environ:
        cookies = parse_cookie(environ["HTTP_COOKIE"])
        if cookies.keys() - {LANG_COOKIE}:
            return None
        lang = cookies.get(LANG_COOKIE)
    return (
        environ.get("RAW_URI") or environ.get("REQUEST_URI"),  # keeps an escaped '/' in a Digital Link
        environ.get("SCRIPT_NAME", ""),
        environ["PATH_INFO"],
        environ.get("QUERY_STRING", ""),
        environ["wsgi.url_scheme"],
        environ.get("HTTP_HOST"),
        environ.get("HTTP_ACCEPT"),
        environ.get("HTTP_ACCEPT_LANGUAGE"),
        lang,
    )


class PageCache:
    """WSGI middleware in front of the app (see the module's docstring)."""

    def __init__(self, wsgi_app: Callable, recorder: ScanRecorder, size: int, readers: Any = None):
        self.wsgi_app = wsgi_app
        self.readers = readers  # the app's own reading pool (db.reader_engine), None when bound to a connection
        self.recorder = recorder
        self.entries: LRUCache = LRUCache(maxsize=size)
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        key = request_key(environ)
        if key is None:
            return self.wsgi_app(environ, start_response)
        try:
            with db.driver_connection(self.readers) as (connection, dialect):
                version = (data_version(connection, dialect), local_today())
            with self._lock:
                entry = self.entries.get(key)
            if entry is not None and entry.version == version:
                self.recorder.add(db.session, entry.code_id, environ.get("REMOTE_ADDR"), environ.get("HTTP_USER_AGENT"))
                return self._replay(entry, environ, start_response)
        except Exception:  # the app answers instead, with its own error page if the database is down
            log.exception("page cache skipped")
            return self.wsgi_app(environ, start_response)
        finally:
            db.session.remove()
        return self._build(key, version, environ, start_response)

    def _build(self, key: tuple, version: tuple, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        # the version is read before the app reads the data: a change in between makes the kept answer stale
        # at once, never the other way round
        environ[_VERSION] = version
        # the app builds the whole answer even for a revalidation (a 304 has no body to keep); the 304 is then
        # answered from what was kept, so a client revalidating a page gets one build, not one per request
        conditional = {name: environ.pop(name) for name in _CONDITIONAL if name in environ}
        started: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            started.update(status=status, headers=headers)
            if not conditional:
                return start_response(status, headers, exc_info)
            return lambda _data: None  # (answered below, with or without the body)

        body = self.wsgi_app(environ, capture)
        environ.update(conditional)
        code_id = environ.get(OFFER)
        headers = started.get("headers", [])
        if code_id is None or started.get("status") != "200 OK" or any(k.lower() == "set-cookie" for k, _ in headers):
            if conditional:  # not an answer to keep: pass it on as the app gave it
                content = _read(body)
                start_response(started["status"], headers)
                return [content]
            return body
        content = _read(body)
        names = {k.lower(): v for k, v in headers}
        last_modified = parse_date(names["last-modified"]) if "last-modified" in names else None
        etag = unquote_etag(names["etag"])[0] if "etag" in names else None
        entry = Entry(version, code_id, started["status"], list(headers), content, etag, last_modified)
        with self._lock:
            self.entries[key] = entry
        if conditional:
            return self._replay(entry, environ, start_response)
        return [content]

    @staticmethod
    def _replay(entry: Entry, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        if not is_resource_modified(environ, etag=entry.etag, last_modified=entry.last_modified):
            headers = list(entry.headers)
            remove_entity_headers(headers)  # as werkzeug answers a 304
            start_response("304 Not Modified", headers)
            return []
        start_response(entry.status, list(entry.headers))
        return [entry.body]
